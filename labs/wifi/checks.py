"""Checks of the wifi lab: sta1 joins the student's network at ap1 (a BSS: association, WPA2,
the LAN reached through the AP's bridge), roams to ap2 (an ESS: same network, a channel that
does not overlap, the LAN still reached with the same address), and the channel's throughput
the student measured — one way, both ways at once, with a second station — against the
checker's own iperf3 runs on the same radios.

Association is read from wpa_supplicant (`wpa_cli status`), the APs from the kernel (`iw dev
wlan0 info`); sta1 is steered to an AP the way a station roams (`wpa_cli roam BSSID` after a
scan of that AP's channel)."""

from __future__ import annotations

import json
import statistics
import subprocess
import time

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed
from netdojo.net import netns

BAND = 0.10  # ±10 %: the rates are 23 % apart (lab.yaml), so a constant fits one at most
PORTS = (5201, 5202)  # the student's iperf3 servers on srv
ANY_BSSID = "00:00:00:00:00:00"  # wpa_supplicant: the network is not pinned to one AP


def setup(ctx):
    for port in PORTS:
        ctx.serve("srv", ["iperf3", "-s", "-p", str(port)], port)


def _ap(ctx, ap: str) -> dict[str, str]:
    return ctx.service(ap, "ap").info()


def _freq(channel: str) -> str:
    return str(2407 + 5 * int(channel))


def join(ctx, sta: str, ap: str, deadline: float = 40) -> tuple[bool, dict[str, str]]:
    """Steer station `sta` to `ap`'s BSSID: a scan of its channel until the AP is seen, then a
    roam (or, if not associated, an association to that BSSID).  (joined, wpa_cli status)."""
    svc, info = ctx.service(sta, "station"), _ap(ctx, ap)
    bssid, channel = info.get("addr", ""), info.get("channel", "1")
    end = time.monotonic() + deadline
    st = svc.status()
    if st.get("wpa_state") == "COMPLETED" and st.get("bssid") == bssid:
        return True, st
    seen = False
    while not seen and time.monotonic() < end:
        svc.cli("scan", f"freq={_freq(channel)}")
        for _ in range(30):
            time.sleep(0.1)
            if bssid and bssid in svc.cli("scan_results"):
                seen = True
                break
    if st.get("wpa_state") == "COMPLETED":
        svc.cli("roam", bssid)
    else:  # not associated: pin the network to that AP for this one association
        svc.cli("bssid", "0", bssid)
        svc.cli("reassociate")
    try:
        while time.monotonic() < end:
            st = svc.status()
            if st.get("wpa_state") == "COMPLETED" and st.get("bssid") == bssid:
                return True, st
            time.sleep(0.3)
        return False, st
    finally:  # unpinned, or a later roam to the other AP is refused
        svc.cli("bssid", "0", ANY_BSSID)


def _why_not(ctx, sta: str) -> str:
    log = ctx.service(sta, "station").log()
    if "4-Way Handshake failed" in log or "WRONG_KEY" in log:
        return " (the WPA2 4-way handshake failed: is the passphrase the one you were given?)"
    return ""


def _station_ip(ctx, sta: str) -> str:
    return ctx.net.topo.nodes[sta].wifi["ip"].split("/")[0]  # topology.yaml: wifi.ip


def _reaches_srv(ctx, sta: str) -> bool:
    return ctx.sh(sta, ["ping", "-n", "-c", "3", "-i", "0.3", "-W", "2",
                        ctx.ip("srv")]).returncode == 0


# ----- part 1: a BSS -------------------------------------------------------------------------
@check(points=3, title="sta1 joins your network at ap1 with WPA2 and reaches srv through it",
       hint="ap1.conf: interface=wlan0, bridge=br0, ssid=YOUR SSID, wpa=2, wpa_key_mgmt=WPA-PSK, "
            "rsn_pairwise=CCMP, wpa_passphrase=YOUR PASSPHRASE.  `ap1 iw dev wlan0 info` and "
            "`sta1 wpa_cli status` show what each side sees.", needs=["ap1.conf"])
def bss(ctx):
    ssid = ctx.params["ssid"]
    info = _ap(ctx, "ap1")
    if info.get("ssid") != ssid:
        return failed(f"ap1 sends SSID {info.get('ssid')!r}, not your {ssid!r}")
    ok, st = join(ctx, "sta1", "ap1")
    if not ok:
        return failed(f"sta1 did not join {ssid} at ap1 ({info.get('addr')}); its state: "
                      f"{st.get('wpa_state', '?')}{_why_not(ctx, 'sta1')}")
    wpa2 = st.get("key_mgmt") == "WPA2-PSK" and st.get("pairwise_cipher") == "CCMP"
    reach = _reaches_srv(ctx, "sta1")
    notes = [f"sta1 joined {ssid} at ap1 ({st.get('bssid')}, {st.get('freq')} MHz)",
             "WPA2-PSK with CCMP" if wpa2 else f"security {st.get('key_mgmt')}/"
             f"{st.get('pairwise_cipher')}, not WPA2-PSK with CCMP",
             "srv answers sta1 through ap1" if reach else "srv does not answer sta1: is ap1's "
             "radio bridged to its wired port (bridge=br0)?"]
    return partial(1 + wpa2 + reach, 3, "; ".join(notes))


# ----- part 2: an ESS ------------------------------------------------------------------------
@check(points=3, title="ap2 serves the same network on a channel that does not overlap; "
                       "sta1 roams to it and keeps reaching srv",
       hint="ap2.conf: the same SSID, security and bridge as ap1, and a channel 5 or more away "
            "from ap1's (1, 6 and 11 do not overlap in 2.4 GHz).", needs=["ap2.conf"])
def ess(ctx):
    ssid = ctx.params["ssid"]
    one, two = _ap(ctx, "ap1"), _ap(ctx, "ap2")
    if two.get("ssid") != ssid:
        return failed(f"ap2 sends SSID {two.get('ssid')!r}, not your {ssid!r}: one network (an "
                      "ESS) has one SSID on every AP")
    ok, st = join(ctx, "sta1", "ap2")
    apart = abs(int(one.get("channel", 0)) - int(two.get("channel", 0))) >= 5
    reach = ok and _reaches_srv(ctx, "sta1") and \
        st.get("ip_address") == _station_ip(ctx, "sta1")
    notes = [f"sta1 roamed to ap2 ({two.get('addr')})" if ok else
             f"sta1 could not roam to ap2 ({two.get('addr')}): {st.get('wpa_state', '?')}"
             f"{_why_not(ctx, 'sta1')}",
             f"channels {one.get('channel')} and {two.get('channel')}" +
             ("" if apart else ": they overlap (2.4 GHz channels are 5 MHz apart, each 20 MHz "
                               "wide)"),
             "srv still answers sta1, same address" if reach else "sta1 lost srv after the roam"]
    join(ctx, "sta1", "ap1", deadline=20)  # back home for the measurements
    return partial(ok + (ok and apart) + reach, 3, "; ".join(notes))


# ----- part 3: airtime -----------------------------------------------------------------------
def _iperf_json(ctx, sta: str, port: int, extra: list[str], seconds: int = 4) -> dict:
    r = netns.run_in(ctx.net.ns(sta), ["iperf3", "-c", ctx.ip("srv"), "-p", str(port), "-J",
                                       "-t", str(seconds), "-O", "1", *extra],
                     timeout=seconds + 30)
    try:
        return json.loads(r.stdout)["end"]
    except (json.JSONDecodeError, KeyError):
        raise CheckFailure(f"the checker's iperf3 from {sta} failed: {r.stdout[-200:]}") \
            from None


def _mbps(end: dict, key: str = "sum_received") -> float:
    return end[key]["bits_per_second"] / 1e6


def home(ctx) -> str | None:
    """The AP both stations join (ap1, else ap2 where ap1 refuses them), found once per run:
    a refusing AP costs a join's deadline.  Both stations are put there each time."""
    def find() -> str | None:
        return next((ap for ap in ("ap1", "ap2") if join(ctx, "sta1", ap, 30)[0]
                     and join(ctx, "sta2", ap, 30)[0]), None)
    ap = ctx.once("home", find)
    if ap is not None:
        join(ctx, "sta1", ap, 30)
        join(ctx, "sta2", ap, 30)
    return ap


def measure(ctx) -> dict[str, float]:
    """The checker's own figures, sta1 and sta2 both on one AP (ap1, else ap2 if ap1 refuses
    them): one way; each way at once (the mean of the two); sta1 while sta2 sends too."""
    def run() -> dict[str, float]:
        if home(ctx) is None:
            raise CheckFailure("sta1 and sta2 could not join one AP to measure its channel")
        alone = _mbps(_iperf_json(ctx, "sta1", 5297, []))
        both = _iperf_json(ctx, "sta1", 5297, ["--bidir"])
        both_ways = statistics.mean([_mbps(both), _mbps(both, "sum_received_bidir_reverse")])
        other = subprocess.Popen(
            ["ip", "netns", "exec", ctx.net.ns("sta2"), "iperf3", "-c", ctx.ip("srv"), "-p",
             "5298", "-t", "8"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(1)  # sta2 is sending before sta1 starts (its own slow start is over)
            shared = _mbps(_iperf_json(ctx, "sta1", 5297, []))
        finally:
            other.wait(timeout=30)
        return {"alone": alone, "both_ways": both_ways, "shared": shared}

    def servers():
        for port in (5297, 5298):
            ctx.serve("srv", ["iperf3", "-s", "-p", str(port)], port)
        return run()

    return ctx.once("airtime", servers)


def _graded(ctx, key: str, said: float, theirs: str) -> tuple[bool, str]:
    mine = measure(ctx)[theirs]
    ok = abs(said - mine) <= BAND * mine
    return ok, (f"{key} {said:g} Mbit/s, the checker measured {mine:.2f}" +
                ("" if ok else f" (±{BAND:.0%} allowed)"))


@check(points=1, title="alone_mbps: sta1's throughput to srv, one way",
       hint="`sta1 iperf3 -c srv -p 5201 -t 5`: the receiver's line, in Mbit/s.",
       needs=["answers.yaml"])
def airtime(ctx):
    ok, note = _graded(ctx, "alone_mbps", ctx.answer("alone_mbps"), "alone")
    return (passed if ok else failed)(note)


@check(points=1, title="both_ways_mbps: each direction's throughput when sta1 sends and "
                       "receives at once (half duplex)",
       hint="`sta1 iperf3 -c srv -p 5201 -t 5 --bidir`: the two receiver lines, each way — "
            "then try the same from pc over its cable.", needs=["answers.yaml"])
def half_duplex(ctx):
    ok, note = _graded(ctx, "both_ways_mbps", ctx.answer("both_ways_mbps"), "both_ways")
    return (passed if ok else failed)(note)


@check(points=1, title="two_stations_mbps: sta1's throughput while sta2 sends too",
       hint="Start `sta2 iperf3 -c srv -p 5202 -t 30` in one terminal, then `sta1 iperf3 -c "
            "srv -p 5201 -t 5` in another — or predict it from how a channel is shared.",
       needs=["answers.yaml"])
def shared(ctx):
    ok, note = _graded(ctx, "two_stations_mbps", ctx.answer("two_stations_mbps"), "shared")
    return (passed if ok else failed)(note)


# ----- hidden: one BSS, stations talk through their AP ----------------------------------------
@check(points=1, title="sta1 and sta2, at one AP, reach each other through it", hidden=True,
       hint="In a BSS stations never talk directly: every frame goes to the AP, which relays "
            "it to the other station — unless the AP isolates its clients (ap_isolate, as on "
            "guest networks).", needs=["ap1.conf", "ap2.conf"])
def relay(ctx):
    ap = home(ctx)
    if ap is None:  # bss and ess say why; this check is about the relay
        return failed("sta1 and sta2 could not join one AP together")
    ok = ctx.sh("sta1", ["ping", "-n", "-c", "3", "-i", "0.3", "-W", "2",
                         _station_ip(ctx, "sta2")]).returncode == 0
    return (passed if ok else failed)(
        f"sta2 answers sta1 through {ap}" if ok else
        f"sta1 does not reach sta2 although both are at {ap}: does {ap} relay between its "
        "stations?")
