"""Checks of the tcp-udp-pdu lab: the student's capture is parsed frame by frame and must be of
their own lab; their TIME_WAIT and loss figures are set against the checker's measurements."""

from __future__ import annotations

import json
import re
import time

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed
from netdojo.measure.tcp_conversation import close, conversations, handshake

BIG = 1 << 20  # bytes of the file the checker fetches over the lossy link
# The frame graded is TCP's, so its transport PDU is a segment; a datagram is UDP's (and, in
# some books, IP's) — accepting it would grade the word, not the understanding.
PDU_NAMES = {"link": {"frame"}, "internet": {"packet"}, "transport": {"segment"},
             "application": {"message"}}


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


@check(points=2, title="the PDUs of one frame, checked against its real bytes",
       hint="Pick the frame that carries the HTTP request.  Ethernet adds 14 bytes; the IPv4 and "
            "TCP header lengths are in the headers themselves: IHL and data offset count 32-bit "
            "words, so bytes = value × 4 (options count).",
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
    right, wrong = 0, []
    for name in ("link", "internet", "transport", "application"):
        ans = layers.get(name) if isinstance(layers.get(name), dict) else {}
        real = frame.layer(name)
        size = real.header_len if name != "application" else frame.payload_len
        key = "header_bytes" if name != "application" else "bytes"
        pdu_ok = str(ans.get("pdu", "")).strip().lower() in PDU_NAMES[name]
        size_ok = str(ans.get(key, "")).strip() == str(size)
        right += 0.5 * pdu_ok + 0.5 * size_ok
        if not (pdu_ok and size_ok):
            why = (" (a datagram is UDP's PDU; this frame carries TCP)"
                   if name == "transport" and str(ans.get("pdu", "")).strip().lower()
                   == "datagram" else "")
            wrong.append(f"{name}: you said {ans.get('pdu')!r}/{ans.get(key)!r}{why}")
    msg = f"frame {number}: {right:g} of 4 layer answers right"
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


def _udp_loss(ctx) -> float:
    def run() -> float:
        # iperf3 starts a UDP test with a datagram of its own; on a lossy link that one can be
        # lost too ("unable to read from stream socket"), or the test ends with 0 datagrams
        # counted and "0 % lost" (measured here: 3 of 27 runs at 3 % loss) — a test that did
        # not run, rerun, never a loss of 0.
        for _ in range(4):
            r = ctx.sh("client", ["iperf3", "-c", ctx.ip("server"), "-u", "-b", "2M", "-l",
                                  "1000", "-t", "4", "-J"], timeout=30)
            try:
                total = json.loads(r.stdout)["end"]["sum"]
                if int(total["packets"]) > 0:
                    return float(total["lost_percent"])
            except (ValueError, KeyError, TypeError):
                continue
        raise CheckFailure(f"the checker's UDP test did not run: {r.stdout[-200:]}")
    return ctx.once("udp_loss", run)


@check(points=2, title="TCP and UDP over the lossy link: what is lost, what is resent",
       hint="`client iperf3 -c server -u -b 2M -l 1000` reports lost datagrams; "
            "`client iperf3 -c server -t 3` delivers every byte, and its Retr column counts "
            "segments sent again.", needs=["answers.yaml"])
def udp_vs_tcp(ctx):
    answer = ctx.answer("udp_loss_pct")
    measured = _udp_loss(ctx)
    got, notes = 0, []
    tol = 2 + 0.3 * measured
    if abs(answer - measured) <= tol:
        got += 1
        notes.append(f"UDP loss {answer:g} %; the checker measured {measured:.1f} % (±{tol:.1f})")
    else:
        notes.append(f"UDP loss {answer:g} %, but the checker measured {measured:.1f} % "
                     f"(±{tol:.1f})" + (" — a report of 0 datagrams is a test that never "
                                        "started: run it again" if answer == 0 else ""))
    # Every byte arrives over TCP (a 1 MiB download), and TCP had to resend some to get there.
    url = f"http://{ctx.ip('server')}:{ctx.params['port']}/big.bin"
    size = ctx.sh("client", ["curl", "-s", "-o", "/dev/null", "-w", "%{size_download}", url],
                  timeout=60).stdout.strip()
    delivered = size == str(BIG)
    retr = 0
    for _ in range(3):  # a TCP test's set-up can be lost too: one that did not run is rerun
        r = ctx.sh("client", ["iperf3", "-c", ctx.ip("server"), "-t", "3", "-J"], timeout=60)
        try:
            retr = int(json.loads(r.stdout)["end"]["sum_sent"]["retransmits"])
            break
        except (ValueError, KeyError):
            continue
    choices = (str(ctx.answers().get("lost_udp_datagrams", "")).strip().lower(),
               str(ctx.answers().get("lost_tcp_segments", "")).strip().lower())
    student_retr = ctx.answer("tcp_retransmits", int)
    if choices == ("gone", "resent") and student_retr > 0 and delivered and retr > 0:
        got += 1
        notes.append(f"TCP resent {student_retr} segments for you ({retr} in the checker's "
                     "run) and delivered every byte; UDP's losses stay lost")
    else:
        notes.append(f"you said lost UDP datagrams are {choices[0] or '?'}, lost TCP segments "
                     f"are {choices[1] or '?'}, with {student_retr} retransmissions")
    return partial(got, 2, "; ".join(notes))


@check(points=1, title="the standard that defines TCP", hidden=True,
       hint="Protocols are standardised by the IETF in RFCs (and Ethernet by the IEEE).",
       needs=["answers.yaml"])
def standard(ctx):
    answer = re.sub(r"\s+", " ", str(ctx.answer("standard_tcp", str))).strip().upper()
    if answer.replace(" ", "") in ("RFC9293", "RFC793"):
        return passed(f"{answer}: yes")
    return failed(f"{answer!r} is not TCP's RFC")
