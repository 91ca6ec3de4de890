#!/bin/sh
# Runs on h1: waits for SLAAC, reads h1's own addresses and its default router, and works out
# h2's global address from h2's MAC (EUI-64) — then prints answers.yaml.
set -eu
first() { sed -n 's/.*inet6 \([0-9a-f:]*\)\/.*/\1/p' | head -n 1; }
i=0
until ip -6 addr show dev eth0 scope global | grep -q inet6; do  # the advertisement's address
  i=$((i + 1)); [ "$i" -le 200 ] || { echo "no global address after 20 s" >&2; exit 1; }
  sleep 0.1
done
ll=$(ip -6 addr show dev eth0 scope link | first)
gl=$(ip -6 addr show dev eth0 scope global | first)
router=$(ip -6 route show default | sed -n 's/.*via \([0-9a-f:]*\) .*/\1/p' | head -n 1)
ping -c 1 -W 2 h2 >/dev/null  # over IPv4: h2's MAC lands in h1's neighbour table
mac=$(ip neigh show | sed -n "s/^$(getent hosts h2 | cut -d ' ' -f 1) .*lladdr \([0-9a-f:]*\).*/\1/p")
# EUI-64: the 48-bit MAC split in two halves with ff:fe between them, and the universal/local
# bit (0x02 of the first byte) flipped; the prefix's 64 bits in front
h2=$(python3 -c '
import ipaddress, sys
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
iid = bytes([mac[0] ^ 0x02]) + mac[1:3] + b"\xff\xfe" + mac[3:]
net = ipaddress.IPv6Interface(sys.argv[1] + "/64").network
print(ipaddress.IPv6Address(int(net.network_address) | int.from_bytes(iid, "big")))
' "$gl" "$mac")
echo "h1_link_local: $ll"
echo "h1_global: $gl"
echo "router: $router"
echo "h2_global: $h2"
