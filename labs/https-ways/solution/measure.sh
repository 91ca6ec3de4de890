#!/bin/sh
# Runs on client: captures one request of yours at lb (TLS from the client, clear HTTP to a
# backend), then times each way to its first byte on a new connection (median of 5) and the
# WAN's round trip.  Writes lb.pcap and answers.yaml into $LAB_OUT.  The lab runs on netdojo's
# own CA (every node trusts it); the checker puts yours in afterwards.
set -eu
CA=/etc/netdojo/tls/ca.pem
err="$LAB_OUT/tcpdump.err"
capture() {
  # tcpdump on lb, reached through netdojo exec; it ends itself after 6 s
  netdojo exec --run "$LAB_RUN" lb -- timeout 6 tcpdump --immediate-mode -n -U -i any -w - \
    'tcp port 443 or tcp port 80' > "$LAB_OUT/lb.pcap" 2>"$err" &
  cap=$!
  n=0
  until grep -q "listening on" "$err"; do
    n=$((n + 1)); [ "$n" -lt 100 ] || { echo "tcpdump did not start on lb" >&2; exit 1; }
    sleep 0.05
  done
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" "https://lb/obj/$LAB_TOKEN/2048")
  wait "$cap" || true
  echo "capture: lb answered $code" >&2
}
# check the capture as a careful student would: lb's clear request to a backend is in it
# (readable bytes; the client's side is encrypted), else capture again
for attempt in 1 2 3; do
  capture
  grep -qa "GET /obj/$LAB_TOKEN/" "$LAB_OUT/lb.pcap" && break
  echo "capture $attempt: lb's request to a backend is not in it; again" >&2
done
rm -f "$err"
median() { sort -n | sed -n 3p; }
fb() { for url in "$@"; do curl -s -o /dev/null --cacert "$CA" -w '%{time_starttransfer}\n' "$url"; done | median; }
ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }
url=/obj/0/10240
# one untimed request each way first: the first after a start also pays for neighbour
# discovery and the servers' first connection; and the hit's object is now in the cache
for h in web lb edge; do curl -s -o /dev/null --cacert "$CA" "https://$h$url"; done
server=$(fb "https://web$url" "https://web$url" "https://web$url" "https://web$url" "https://web$url")
lb=$(fb "https://lb$url" "https://lb$url" "https://lb$url" "https://lb$url" "https://lb$url")
hit=$(fb "https://edge$url" "https://edge$url" "https://edge$url" "https://edge$url" "https://edge$url")
# misses: objects nobody asked for (numbered from this run's token), after one that opens the
# edge's connection to the origin
base=$((LAB_TOKEN * 10))
curl -s -o /dev/null --cacert "$CA" "https://edge/obj/$base/10240"
miss=$(fb "https://edge/obj/$((base + 1))/10240" "https://edge/obj/$((base + 2))/10240" \
  "https://edge/obj/$((base + 3))/10240" "https://edge/obj/$((base + 4))/10240" \
  "https://edge/obj/$((base + 5))/10240")
rtt=$(ping -n -c 20 -i 0.05 web | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n \
  | awk '{v[NR] = $1} END {printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2}')
cat > "$LAB_OUT/answers.yaml" <<YAML
first_byte_ms: {server: $(ms "$server"), lb: $(ms "$lb"), edge_hit: $(ms "$hit"), edge_miss: $(ms "$miss")}
wan_rtt_ms: $rtt
YAML
