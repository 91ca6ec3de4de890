#!/bin/sh
# Runs on h1 once the routes are in: empties h1's ARP cache, captures ARP on eth0 while pinging
# h2, h3 and h4 once each, and prints answers.yaml.
set -eu
P="10.$LAB_NET"
out=$(mktemp); err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
ip neigh flush all
tcpdump --immediate-mode -l -n -i eth0 arp >"$out" 2>"$err" &
cap=$!
n=0
until grep -q "listening on" "$err"; do   # tcpdump is ready once it says so
  n=$((n + 1)); [ "$n" -lt 100 ] || { echo "tcpdump did not start" >&2; exit 1; }
  sleep 0.05
done
for h in 2 3 4; do ping -n -c 1 -W 2 "$P.$h.10" >/dev/null; done
kill "$cap"; wait "$cap" || true
mac=$(ip neigh show "$P.1.1" | awk '{for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1)}')
requests=$(grep -c "Request who-has .* tell $P.1.10" "$out" || true)
asked=$(grep "Request who-has .* tell $P.1.10" "$out" | awk '{for (i = 1; i < NF; i++) if ($i == "who-has") print $(i + 1)}' | sort -u | paste -sd, -)
echo "gateway_mac: \"$mac\""
echo "arp_requests: $requests"
echo "arp_asked_for: [$asked]"
