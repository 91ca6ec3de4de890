"""Checks of the tcp-udp-pdu lab: the student's capture is parsed frame by frame and must be of
their own lab; their TIME_WAIT, loss and rate figures are set against the checker's measurements."""

from __future__ import annotations

import json
import re
import time

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed
from netdojo.measure.tcp_conversation import close, conversations, handshake

BIG = 1 << 20  # bytes of the file the checker fetches over the slow link
# The frame graded is TCP's, so its transport PDU is a segment; a datagram is UDP's (and, in
# some books, IP's) — accepting it would grade the word, not the understanding.
PDU_NAMES = {"link": {"frame"}, "internet": {"packet"}, "transport": {"segment"},
             "application": {"message"}}
OSI = {"link": {1, 2}, "internet": {3}, "transport": {4}, "application": {5, 6, 7}}  # ch. 2.1


def osi_layers(value) -> set[int]:
    """The OSI layers a student names: [5, 6, 7], "5-7", "5, 6, 7" or 4."""
    items = value if isinstance(value, list) else re.findall(r"\d+\s*-\s*\d+|\d+", str(value))
    out: set[int] = set()
    for item in items:
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+))?\s*", str(item))
        if m:
            out |= set(range(int(m[1]), int(m[2] or m[1]) + 1))
    return out


def setup(ctx):
    page = ("<html><body><h1>netdojo tcp-udp-pdu</h1>" + "<p>payload</p>" * 200
            + "</body></html>\n").encode()
    # Per student, the client or the server closes first: the side in TIME-WAIT is found in
    # the capture, not known in advance.
    ctx.serve_files("server", {"index.html": page, f"{ctx.params['page']}.html": page,
                               "big.bin": bytes(range(256)) * (BIG // 256)},
                    ctx.params["port"], server_closes=ctx.params["closer"] == "server")
    # in the client's own namespace only: whether its segments carry timestamps (part 3)
    ctx.sh("client", ["sysctl", "-qw", f"net.ipv4.tcp_timestamps={ctx.params['timestamps']}"])
    ctx.serve("server", ["iperf3", "-s", "-p", "5201"], 5201)


def _conversation(ctx):
    """The student's connection: client → server:port, between this lab's addresses."""
    frames = ctx.submission["tcp.pcap"].data
    want = (ctx.ip("server"), ctx.params["port"])
    convs = [c for c in conversations(frames) if c.server == want]
    if not convs:
        seen = sorted({f"{c.client[0]} -> {c.server[0]}:{c.server[1]}"
                       for c in conversations(frames)}) or ["no TCP connection opened by a SYN"]
        raise CheckFailure(f"tcp.pcap has no connection to {want[0]}:{want[1]} (your lab's web "
                           f"server); it has: {', '.join(seen[:4])}")
    conv = convs[0]
    if conv.client[0] != ctx.ip("client"):
        raise CheckFailure(f"the connection comes from {conv.client[0]}, not from your client "
                           f"({ctx.ip('client')})")
    return conv


@check(points=2, title="tcp.pcap: the three-way handshake with matching numbers",
       hint="Start `client tcpdump -i eth0 -w tcp.pcap` before `client curl http://server:PORT/`, "
            "and stop it after curl ends.  SYN, SYN-ACK (ack = SYN's seq + 1), ACK.",
       needs=["tcp.pcap"])
def three_way(ctx):
    v = handshake(_conversation(ctx))
    frames = ", ".join(str(n) for n in v.frames)
    return (passed if v.ok else failed)(f"frames {frames}: {v.why}")


@check(points=1, title="tcp.pcap: the close, FIN and ACK in both directions",
       hint="Keep capturing until the connection is closed on both sides: each side sends a FIN "
            "and the other acknowledges it (FIN's seq + 1).", needs=["tcp.pcap"])
def four_way(ctx):
    v, first = close(_conversation(ctx))
    return (passed if v.ok else failed)(f"frames {', '.join(map(str, v.frames))}: {v.why}")


@check(points=2, title="TIME_WAIT is on the side that closed first, with your capture's port",
       hint="Right after curl, run `client ss -tan` and `server ss -tan`: TIME-WAIT stays for a "
            "minute on the side that sent the first FIN.", needs=["tcp.pcap", "answers.yaml"])
def time_wait(ctx):
    conv = _conversation(ctx)
    _, first = close(conv)
    side = str(ctx.answer("time_wait_side", str)).strip().lower()
    port = ctx.answer("time_wait_port", int)
    ss = str(ctx.answer("ss_output", str))
    got, notes = 0.0, []
    if first and side == first:
        got += 1
        notes.append(f"the {first} sent the first FIN (your capture) and holds TIME-WAIT")
    else:
        notes.append(f"your capture shows the {first or 'nobody'} closing first, you said {side}")
    lines = [ln for ln in ss.splitlines() if "TIME-WAIT" in ln or "TIME_WAIT" in ln]
    if port == conv.client[1] and any(re.search(rf":{port}\b", ln) for ln in lines):
        got += 1
        notes.append(f"ss shows TIME-WAIT for port {port}, the client port in your capture")
    else:
        notes.append(f"expected a TIME-WAIT line for port {conv.client[1]} (your capture's "
                     f"client port); you gave port {port}")
    # The network agrees: the checker's own request leaves TIME-WAIT on the closer's side.
    ctx.sh("client", ["curl", "-s", "-o", "/dev/null", f"http://{ctx.ip('server')}:"
                      f"{ctx.params['port']}/"], timeout=20)
    holder = _time_wait_holder(ctx)
    if holder is not None and holder != first:
        notes.append(f"(in the checker's run the {holder} held TIME-WAIT)")
    return partial(got, 2, "; ".join(notes))


def _time_wait_holder(ctx) -> str | None:
    deadline = time.monotonic() + 5
    port = str(ctx.params["port"])
    while time.monotonic() < deadline:
        for node in ("client", "server"):
            out = ctx.sh(node, ["ss", "-Htan", "state", "time-wait"]).stdout
            if f":{port} " in out + " ":
                return node
        time.sleep(0.1)
    return None


@check(points=3, title="the PDUs of one frame, checked against its real bytes, and their OSI layers",
       hint="Pick the frame that carries the HTTP request.  Ethernet adds 14 bytes; the IPv4 and "
            "TCP header lengths are in the headers themselves: IHL and data offset count 32-bit "
            "words, so bytes = value × 4 (options count).  OSI numbers its seven layers from "
            "the physical (1) up to the application (7).",
       needs=["tcp.pcap", "answers.yaml"])
def pdus(ctx):
    number = ctx.answer("pdu_frame", int)
    layers = ctx.answers().get("pdu_layers")
    if not isinstance(layers, dict):
        raise CheckFailure("answers.yaml: pdu_layers must map link/internet/transport/"
                           "application to {pdu: …, header_bytes: …}")
    frames = ctx.submission["tcp.pcap"].data
    frame = next((f for f in frames if f.number == number), None)
    if frame is None or frame.layer("application") is None:
        return failed(f"frame {number} is not a TCP/UDP frame of tcp.pcap ({len(frames)} "
                      "frames)")
    if frame.payload_len == 0:
        return failed(f"frame {number} carries no application data: pick the one with the "
                      "HTTP request")
    want = f"GET /{ctx.params['page']}.html "
    if not frame.data[frame.layer("application").start:].startswith(want.encode()):
        return failed(f"frame {number} is not your request for /{ctx.params['page']}.html: "
                      "fetch your own page (netdojo lab show tcp-udp-pdu) while you capture")
    right, wrong, own = 0, [], 0
    for name in ("link", "internet", "transport", "application"):
        ans = layers.get(name) if isinstance(layers.get(name), dict) else {}
        real = frame.layer(name)
        size = real.header_len if name != "application" else frame.payload_len
        key = "header_bytes" if name != "application" else "bytes"
        pdu_ok = str(ans.get("pdu", "")).strip().lower() in PDU_NAMES[name]
        size_ok = str(ans.get(key, "")).strip() == str(size)
        osi_ok = osi_layers(ans.get("osi", "")) == OSI[name]
        right += (pdu_ok + size_ok + osi_ok) / 3
        own += size_ok and name in ("transport", "application")  # sizes that are theirs
        if not (pdu_ok and size_ok and osi_ok):
            why = (" (a datagram is UDP's PDU; this frame carries TCP)"
                   if name == "transport" and str(ans.get("pdu", "")).strip().lower()
                   == "datagram" else "")
            wrong.append(f"{name}: you said {ans.get('pdu')!r}/{ans.get(key)!r}/OSI "
                         f"{ans.get('osi')!r}{why}")
    msg = f"frame {number}: {right:.3g} of 4 layers right"
    if own < 2:  # names, OSI layers, Ethernet's 14 and IP's 20 bytes are everybody's answers
        right, msg = 0, msg + ", but they count beside your frame's TCP header and message sizes"
    return partial(right, 4, msg + (" — " + "; ".join(wrong) if wrong else ""))


@check(points=1, title="the Ethernet header of that frame: destination, source, EtherType",
       hint="The first 14 bytes of the frame: 6 of destination MAC, 6 of source MAC, 2 of "
            "EtherType.  The frame goes to the next hop, not to the server: compare `client ip "
            "neigh` and `r1 ip link`.", needs=["tcp.pcap", "answers.yaml"])
def ethernet(ctx):
    number = ctx.answer("pdu_frame", int)
    layers = ctx.answers().get("pdu_layers")
    link = layers.get("link") if isinstance(layers, dict) and \
        isinstance(layers.get("link"), dict) else {}
    frame = next((f for f in ctx.submission["tcp.pcap"].data if f.number == number), None)
    if frame is None or frame.layer("link") is None:
        return failed(f"frame {number} is not a frame of tcp.pcap")
    real = frame.layer("link").fields
    said = (str(link.get("dst", "")).strip().lower(), str(link.get("src", "")).strip().lower(),
            _ethertype(link.get("type")))
    if said == (real.get("dst"), real.get("src"), real.get("ethertype")):
        return passed(f"frame {number}: dst {said[0]}, src {said[1]}, type 0x{said[2]:04x}")
    return failed(f"frame {number}: you said dst {said[0] or '?'}, src {said[1] or '?'}, type "
                  f"{link.get('type', '?')} — read them from the frame's first 14 bytes")


def _ethertype(value) -> int | None:
    """0x0800, 0800, 2048 or IPv4 → 2048."""
    text = str(value or "").strip().lower()
    if text == "ipv4":
        return 0x0800
    try:
        return int(text, 16) if text.startswith("0x") or len(text) == 4 else int(text)
    except ValueError:
        return None


UDP_RATE = "20M"  # what part 4 sends: above every student's WAN rate (2 to 18 Mbit/s)


def _iperf(ctx, *args: str) -> dict:
    """One iperf3 run from client to server, its JSON `end` (rerun once if it did not start)."""
    for _ in range(2):
        r = ctx.sh("client", ["iperf3", "-c", ctx.ip("server"), *args, "-J"], timeout=30)
        try:
            return json.loads(r.stdout)["end"]
        except (ValueError, KeyError):
            continue
    raise CheckFailure(f"the checker's iperf3 {' '.join(args)} did not run: {r.stdout[-200:]}")


def _udp_loss(ctx) -> float:
    def run() -> float:
        total = _iperf(ctx, "-u", "-b", UDP_RATE, "-l", "1000", "-t", "4")["sum"]
        return float(total["lost_percent"])
    return ctx.once("udp_loss", run)


@check(points=2, title="TCP and UDP over the slow link: what does not fit, what is resent",
       hint=f"`client iperf3 -c server -u -b {UDP_RATE} -l 1000 -t 4` sends UDP faster than "
            "the link carries: read Lost/Total.  `client iperf3 -c server -t 4` sends TCP: read "
            "the receiver's Bitrate.", needs=["answers.yaml"])
def udp_vs_tcp(ctx):
    got, notes = 0, []
    answer, measured = ctx.answer("udp_loss_pct"), _udp_loss(ctx)
    # Measured here: the same student's loss repeats to 0.1 point (a shaper, not chance), so
    # ±2 points.  The loss runs from 89 % at 2 Mbit/s (measured; 56 % at 9, 22 % at 16) to
    # about 14 % at 18 (by arithmetic: 1000-byte datagrams are 1042 bytes on the wire, so
    # 20.8 Mbit/s offered); the free-points run measures how often one number fits.
    if abs(answer - measured) <= 2:
        got += 1
        notes.append(f"UDP loss {answer:g} %; the checker measured {measured:.1f} % (±2)")
    else:
        notes.append(f"UDP loss {answer:g} %, but the checker measured {measured:.1f} % (±2)")
    said = ctx.answer("tcp_mbit")
    tcp = float(_iperf(ctx, "-t", "4")["sum_received"]["bits_per_second"]) / 1e6
    # Every byte arrives over TCP too (a 1 MiB download), whatever the queue dropped.
    url = f"http://{ctx.ip('server')}:{ctx.params['port']}/big.bin"
    size = ctx.sh("client", ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", url],
                  timeout=60).stdout.strip()
    choices = (str(ctx.answers().get("lost_udp_datagrams", "")).strip().lower(),
               str(ctx.answers().get("lost_tcp_segments", "")).strip().lower())
    close = abs(said - tcp) <= 0.08 * tcp
    if close and choices == ("gone", "resent") and size == str(BIG):
        got += 1
        notes.append(f"TCP {said:g} Mbit/s (the checker's {tcp:.2f}, ±8 %), every byte "
                     "delivered; UDP's losses stay lost")
    else:
        notes.append(f"TCP {said:g} Mbit/s against the checker's {tcp:.2f} (±8 %); you said "
                     f"lost UDP datagrams are {choices[0] or '?'}, lost TCP segments are "
                     f"{choices[1] or '?'}" + ("" if size == str(BIG) else
                                                f"; the checker's download got {size} bytes"))
    return partial(got, 2, "; ".join(notes))


def _document(text) -> str:
    """'rfc1234', 'RFC 1234', 'ieee802.0' → 'RFC 1234', 'IEEE 802.0'."""
    m = re.fullmatch(r"\s*(RFC|IEEE)\s*([\d.]+)\s*", str(text or ""), re.I)
    return f"{m.group(1).upper()} {m.group(2)}" if m else str(text or "").strip()


@check(points=1, title="the documents that define your three protocols", hidden=True,
       hint="Protocols of the internet are standardised by the IETF in RFCs; Ethernet and "
            "Wi-Fi by the IEEE.  Your three protocols: `netdojo lab show tcp-udp-pdu`.",
       needs=["answers.yaml"])
def standard(ctx):
    # The documents that define part 5's protocols: today's, and those they replaced (a student
    # who names RFC 793 for TCP knows where TCP is written down).  Here, not at the top: the
    # wheel students install loses the hidden check and this table with it.
    standards = {
        "ethernet": {"IEEE 802.3"}, "wi-fi": {"IEEE 802.11"}, "ipv4": {"RFC 791"},
        "ipv6": {"RFC 8200", "RFC 2460"}, "arp": {"RFC 826"}, "icmp": {"RFC 792"},
        "icmpv6": {"RFC 4443"}, "nat": {"RFC 3022", "RFC 2663"}, "udp": {"RFC 768"},
        "tcp": {"RFC 9293", "RFC 793"}, "quic": {"RFC 9000"}, "tls 1.3": {"RFC 8446"},
        "tcp sack": {"RFC 2018"}, "tcp congestion control": {"RFC 5681", "RFC 2581"},
        "cubic": {"RFC 9438", "RFC 8312"}, "ecn": {"RFC 3168"},
        "http/1.1": {"RFC 9112", "RFC 7230", "RFC 2616"}, "http/2": {"RFC 9113", "RFC 7540"},
        "http/3": {"RFC 9114"}, "dns": {"RFC 1034", "RFC 1035"}, "dhcp": {"RFC 2131"},
        "smtp": {"RFC 5321"}, "ftp": {"RFC 959"},
        "ssh": {"RFC 4251", "RFC 4252", "RFC 4253", "RFC 4254"}, "hpack": {"RFC 7541"},
        "qpack": {"RFC 9204"}}
    said = ctx.answers().get("standards")
    if not isinstance(said, dict) or not any(said.values()):
        raise CheckFailure("answers.yaml: standards: {PROTOCOL: DOCUMENT, …} — fill it in")
    said = {str(k).strip().lower(): _document(v) for k, v in said.items()}
    mine = [ctx.params[p] for p in ("protocol_1", "protocol_2", "protocol_3")]
    # exactly the student's three: a sheet listing every protocol's RFC is not an answer
    extra = sorted(set(said) - {p.lower() for p in mine})
    wrong = [f"{p}: {said.get(p.lower(), '?')}" for p in mine
             if said.get(p.lower()) not in standards[p.lower()]]
    if extra or wrong:
        return failed("; ".join(([f"{', '.join(wrong)} — not the document that defines it"]
                                 if wrong else [])
                                + ([f"only your protocols ({', '.join(mine)}), not "
                                    f"{', '.join(extra)}"] if extra else [])))
    return passed(", ".join(f"{p}: {said[p.lower()]}" for p in mine))
