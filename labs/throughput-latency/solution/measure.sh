#!/bin/sh
# Runs on h1: measures RTT and throughput to h2, computes the bandwidth-delay product, takes
# LAB_SHARE per cent of it as the socket buffer (a window smaller than the pipe), runs a
# transfer with it, and prints answers.yaml.  An iperf3 server is already listening on h2.
set -eu
goodput() {  # iperf3 -J on stdin -> Mbit/s received
  python3 -c 'import json, sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6, 3))'
}
rtt=$(ping -n -c 20 -i 0.1 h2 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
tput=$(iperf3 -c h2 -t 4 -O 1 -J | goodput)
bdp=$(awk -v r="$rtt" -v t="$tput" 'BEGIN {printf "%d", t * 1e6 / 8 * r / 1000}')
window=$((bdp * LAB_SHARE / 100))
transfer=$(iperf3 -c h2 -t 4 -O 1 -w "$window" -J | goodput)
echo "rtt_ms: $rtt"
echo "throughput_mbit: $tput"
echo "bdp_bytes: $bdp"
echo "window_bytes: $window"
echo "transfer_mbit: $transfer"
