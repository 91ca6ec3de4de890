#!/bin/sh
# Runs on client: captures one HTTP request to the lab's web server, reads the capture, looks
# at TIME_WAIT, measures TCP and UDP over the slow link, names three standards, and writes tcp.pcap and answers.yaml
# into $LAB_OUT.
set -eu
PORT="$LAB_PORT"
err="$LAB_OUT/tcpdump.err"
tcpdump --immediate-mode -n -U -i eth0 -w "$LAB_OUT/tcp.pcap" "tcp port $PORT" 2>"$err" &
cap=$!
n=0
until grep -q "listening on" "$err"; do
  n=$((n + 1)); [ "$n" -lt 200 ] || { echo "tcpdump did not start" >&2; exit 1; }
  sleep 0.05
done
curl -s -o /dev/null --retry 3 "http://server:$PORT/$LAB_PAGE.html"
# Whichever side sent the first FIN holds TIME-WAIT: here on the client, or on the server
# (read through netdojo exec, the script's one way to another node of its lab).
side=""; ss_line=""; n=0
while [ -z "$side" ] && [ "$n" -lt 100 ]; do
  n=$((n + 1))
  if ss -Htan "( dport = :$PORT )" | grep -q TIME-WAIT; then
    side=client; ss_line=$(ss -Htan "( dport = :$PORT )" | grep TIME-WAIT | head -n 1)
  else
    line=$(netdojo exec --run "$LAB_RUN" server -- ss -Htan "( sport = :$PORT )" | grep TIME-WAIT | head -n 1 || true)
    if [ -n "$line" ]; then side=server; ss_line="$line"; else sleep 0.05; fi
  fi
done
# When the server closed first, the client's FIN is acknowledged a one-way delay later (or
# again after a loss): capture until the client's end is gone, LAST-ACK included.
n=0
while [ "$side" = server ] && ss -Htan "( dport = :$PORT )" | grep -q . && [ "$n" -lt 100 ]; do
  n=$((n + 1)); sleep 0.05
done
kill "$cap"; wait "$cap" || true
# UDP sent faster than the slow link carries, then TCP over it (a test that did not start
# is tried again).
udp=""; tcp=""
for attempt in 1 2 3; do
  [ -n "$udp" ] || udp=$(timeout 10 iperf3 -c server -u -b 20M -l 1000 -t 4 -J | python3 -c 'import json, sys; s = json.load(sys.stdin)["end"]["sum"]; assert s["packets"] > 0; print(round(s["lost_percent"], 1))' 2>/dev/null) || true
  [ -n "$tcp" ] || tcp=$(timeout 10 iperf3 -c server -t 4 -J | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 2))' 2>/dev/null) || true
  [ -n "$udp" ] && [ -n "$tcp" ] && break
done
python3 - "$LAB_OUT/tcp.pcap" "$PORT" "$ss_line" "$udp" "$tcp" "$side" > "$LAB_OUT/answers.yaml" <<'PY'
import struct, sys
import os
path, port, ss_line, udp, tcp, side = sys.argv[1], int(sys.argv[2]), *sys.argv[3:7]
raw = open(path, "rb").read()
off, n, frames = 24, 0, []
while off + 16 <= len(raw):
    incl = struct.unpack("<IIII", raw[off:off + 16])[2]
    frames.append(raw[off + 16:off + 16 + incl])
    off += 16 + incl
for n, f in enumerate(frames, 1):
    ihl = (f[14] & 0x0F) * 4
    total = struct.unpack("!H", f[16:18])[0]
    t = 14 + ihl
    sport, dport = struct.unpack("!HH", f[t:t + 4])
    thl = (f[t + 12] >> 4) * 4
    data = total - ihl - thl
    if dport == port and data > 0:  # the HTTP request
        print(f"time_wait_side: {side}\ntime_wait_port: {sport}")
        print(f"ss_output: |\n  {ss_line}")
        print(f"pdu_frame: {n}\npdu_layers:")
        mac = lambda b: ":".join(f"{x:02x}" for x in b)
        src, dst = mac(f[6:12]), mac(f[0:6])  # the frame's first 14 bytes: dst, src, type
        print(f"  link: {{pdu: frame, header_bytes: 14, osi: [1, 2], dst: '{dst}', src: '{src}', type: '0x{f[12]:02x}{f[13]:02x}'}}")
        print(f"  internet: {{pdu: packet, header_bytes: {ihl}, osi: [3]}}")
        print(f"  transport: {{pdu: segment, header_bytes: {thl}, osi: [4]}}")
        print(f"  application: {{pdu: message, bytes: {data}, osi: [5, 6, 7]}}")
        break
print(f"udp_loss_pct: {udp}\ntcp_mbit: {tcp}")
print("lost_udp_datagrams: gone\nlost_tcp_segments: resent")
rfc = {"Ethernet": "IEEE 802.3", "Wi-Fi": "IEEE 802.11", "IPv4": "RFC 791", "IPv6": "RFC 8200",
       "ARP": "RFC 826", "ICMP": "RFC 792", "ICMPv6": "RFC 4443", "NAT": "RFC 3022",
       "UDP": "RFC 768", "TCP": "RFC 9293", "QUIC": "RFC 9000", "TLS 1.3": "RFC 8446",
       "TCP SACK": "RFC 2018", "TCP congestion control": "RFC 5681", "CUBIC": "RFC 9438",
       "ECN": "RFC 3168", "HTTP/1.1": "RFC 9112", "HTTP/2": "RFC 9113", "HTTP/3": "RFC 9114",
       "DNS": "RFC 1035", "DHCP": "RFC 2131", "SMTP": "RFC 5321", "FTP": "RFC 959",
       "SSH": "RFC 4253", "HPACK": "RFC 7541", "QPACK": "RFC 9204"}
first, second, third = (os.environ[f"LAB_PROTOCOL_{n}"] for n in (1, 2, 3))
print(f"standards:\n  '{first}': {rfc[first]}\n  '{second}': {rfc[second]}\n  '{third}': {rfc[third]}")
PY
rm -f "$err"
