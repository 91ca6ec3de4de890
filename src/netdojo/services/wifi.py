"""Wi-Fi daemons on the radios net/wifi.py made: hostapd on an access point, wpa_supplicant on
a station (Debian's packages, in the node's container).  Settings:

    ap:      {ssid: dojo, passphrase: "at least 8 characters", channel: 1}   # open without one
    station: {ssid: dojo, passphrase: "…"}

An AP's hostapd puts the radio in the bridge net/wifi.py made with the AP's wired port
(`bridge=br0`), so a station's frames reach the LAN at layer 2 — an AP as the chapter draws it.
"""

from __future__ import annotations

import re

from netdojo.services.base import Service

AP_CONF = "/etc/netdojo/hostapd.conf"
AP_LOG = "/var/log/netdojo-hostapd.log"
AP_PID = "/run/netdojo-hostapd.pid"
STA_CONF = "/etc/netdojo/wpa_supplicant.conf"
STA_LOG = "/var/log/netdojo-wpa_supplicant.log"
STA_PID = "/run/netdojo-wpa_supplicant.pid"
STA_CTRL = "/run/wpa_supplicant"


def _quoted(value: str, what: str, svc: Service) -> str:
    if not re.fullmatch(r"[ -~]{1,63}", value) or '"' in value:
        raise svc.fail(f"{what} {value!r}: 1 to 63 printable ASCII characters, no quote")
    return value


def parse_status(text: str) -> dict[str, str]:
    """`wpa_cli status` (key=value lines) → a dict."""
    return dict(ln.split("=", 1) for ln in text.splitlines() if "=" in ln)


def parse_iw_info(text: str) -> dict[str, str]:
    """`iw dev wlan0 info` → {type, ssid, channel, addr}."""
    out = {}
    for ln in text.splitlines():
        parts = ln.split()
        if len(parts) >= 2 and parts[0] in ("type", "ssid", "addr"):
            out[parts[0]] = ln.strip().split(None, 1)[1]
        elif parts[:1] == ["channel"] and len(parts) >= 2:
            out["channel"] = parts[1]
    return out


class AccessPoint(Service):
    name = "ap"
    phase = 1
    config_path = AP_CONF
    ready_timeout = 30.0

    def render(self) -> None:
        self.allow("ssid", "passphrase", "channel")
        ssid = _quoted(str(self.settings.get("ssid") or f"{self.node}-setup"), "ssid", self)
        channel = int(self.settings.get("channel", 1))
        if not 1 <= channel <= 13:
            raise self.fail(f"channel {channel}: a 2.4 GHz channel is 1 to 13")
        lines = ["interface=wlan0", "bridge=br0", "driver=nl80211", f"ssid={ssid}",
                 "hw_mode=g", f"channel={channel}", "ctrl_interface=/run/hostapd"]
        if self.settings.get("passphrase"):
            psk = _quoted(str(self.settings["passphrase"]), "passphrase", self)
            if len(psk) < 8:
                raise self.fail("a WPA2 passphrase has 8 to 63 characters")
            lines += ["wpa=2", "wpa_key_mgmt=WPA-PSK", "rsn_pairwise=CCMP",
                      f"wpa_passphrase={psk}"]
        self.files = {AP_CONF: "\n".join(lines) + "\n"}

    def start_argv(self) -> list[str]:
        # hostapd reads its config and sets the radio up before it goes to the background, so
        # a refused config ends here with hostapd's own words from its log
        return ["sh", "-c", f"rm -f {AP_LOG}; hostapd -B -P {AP_PID} -f {AP_LOG} {AP_CONF} "
                f">/dev/null 2>&1 || {{ cat {AP_LOG}; exit 1; }}"]

    def info(self) -> dict[str, str]:
        """The radio as the kernel has it: type (AP once hostapd runs), ssid, channel, addr."""
        return parse_iw_info(self.look(["iw", "dev", "wlan0", "info"]).stdout)

    def ready(self) -> bool:
        return self.info().get("type") == "AP"

    def stop(self) -> None:
        self.stop_pidfile(AP_PID)

    def log(self) -> str:
        return self.sh(["sh", "-c", f"cat {AP_LOG} 2>/dev/null; true"]).stdout


class Station(Service):
    name = "station"
    phase = 1
    config_path = STA_CONF

    def render(self) -> None:
        self.allow("ssid", "passphrase")
        ssid = _quoted(str(self.settings.get("ssid") or "netdojo"), "ssid", self)
        net = [f'  ssid="{ssid}"', "  scan_ssid=1"]
        if self.settings.get("passphrase"):
            psk = _quoted(str(self.settings["passphrase"]), "passphrase", self)
            net += [f'  psk="{psk}"', "  key_mgmt=WPA-PSK", "  proto=RSN", "  pairwise=CCMP"]
        else:
            net += ["  key_mgmt=NONE"]
        self.files = {STA_CONF: f"ctrl_interface={STA_CTRL}\nnetwork={{\n" + "\n".join(net)
                      + "\n}\n"}

    def start_argv(self) -> list[str]:
        return ["sh", "-c", f"rm -f {STA_LOG}; wpa_supplicant -B -P {STA_PID} -i wlan0 "
                f"-D nl80211 -c {STA_CONF} -f {STA_LOG} >/dev/null 2>&1 || "
                f"{{ cat {STA_LOG}; exit 1; }}"]

    def cli(self, *args: str, timeout: float = 10) -> str:
        return self.sh(["wpa_cli", "-p", STA_CTRL, "-i", "wlan0", *args], timeout=timeout).stdout

    def status(self) -> dict[str, str]:
        return parse_status(self.cli("status"))

    def ready(self) -> bool:
        return "PONG" in self.cli("ping")

    def stop(self) -> None:
        self.stop_pidfile(STA_PID)

    def log(self) -> str:
        return self.sh(["sh", "-c", f"cat {STA_LOG} 2>/dev/null; true"]).stdout
