#!/bin/sh
# Runs on h0: for each path measures RTT (median of 20 pings) and loss (2000 quick pings, 10 ms
# apart) — the three paths at once, pings are light — then throughput (iperf3, one path at a
# time) and the 500 kB download time; predicts the download time from bandwidth and RTT,
# classifies the path by its RTT, and prints answers.yaml.  iperf3 and file servers already
# run on p1, p2 and p3.
set -eu
SIZE=500000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for p in p1 p2 p3; do
  ( ping -n -c 20 -i 0.05 "$p" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}' > "$tmp/$p.rtt"
    ping -n -q -c 2000 -i 0.01 -W 1 "$p" | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' > "$tmp/$p.loss" ) &
done
wait
for p in p1 p2 p3; do
  rtt=$(cat "$tmp/$p.rtt"); loss=$(cat "$tmp/$p.loss")
  tput=$(iperf3 -c "$p" -t 3 -O 1 -J | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 2))')
  # a warm-up download first (the server's first answer is slower), then the median of three
  curl -s -o /dev/null "http://$p:8000/file.bin"
  took=$(for i in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "http://$p:8000/file.bin"; done | sort -n | sed -n 2p)
  # connect (1 RTT) + request and first byte (1 RTT) + the bytes at the measured rate
  predicted=$(awk -v r="$rtt" -v t="$tput" -v s="$SIZE" 'BEGIN {printf "%.3f", 2 * r / 1000 + s * 8 / (t * 1e6)}')
  class=$(awk -v r="$rtt" 'BEGIN {print (r < 1) ? "lan" : (r < 20) ? "man" : "wan"}')
  echo "$p: {class: $class, rtt_ms: $rtt, throughput_mbit: $tput, loss_pct: $loss, transfer_s: $took, predicted_s: $predicted}"
  if [ "$class" = wan ]; then wan=$p; wan_rtt=$rtt; wan_tput=$tput; fi
done
# The other file over the WAN: its size (its own per student), two round trips against its
# bytes at the WAN's measured rate; the larger is what it mostly waits for.
bytes=$(curl -s -o /dev/null -w '%{size_download}' "http://$wan:8000/other.bin")
awk -v b="$bytes" -v r="$wan_rtt" -v t="$wan_tput" 'BEGIN {
  two = 2 * r; own = b * 8 / (t * 1e3)
  printf "other_file: {bytes: %d, two_rtt_ms: %.2f, bytes_ms: %.2f, cost: %s}\n", b, two, own, (two > own) ? "rtt" : "bandwidth"}'
