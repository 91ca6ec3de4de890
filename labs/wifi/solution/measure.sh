#!/bin/sh
# Runs on sta1: iperf3 to srv one way, then both ways at once (--bidir), and prints
# answers.yaml.  A station alone uses the whole channel; sending and receiving at once, the
# two directions take turns on it (half duplex); two busy stations of one AP take turns the
# same way, so each gets about half of what one gets alone.
set -eu
# the APs were just (re)configured: wait until sta1 has joined again and srv answers
tries=0
until ping -n -c 1 -W 1 srv > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then echo "sta1 never reached srv: has it joined an AP?" >&2; exit 1; fi
done
rate() { python3 -c 'import json, sys
end = json.load(sys.stdin).get("end", {})
keys = [k for k in ("sum_received", "sum_received_bidir_reverse") if k in end]
if not keys:
    sys.exit("iperf3 gave no result")
print(round(sum(end[k]["bits_per_second"] for k in keys) / len(keys) / 1e6, 2))'; }
alone=$(iperf3 -c srv -p 5201 -t 5 -O 1 -J | rate)
both=$(iperf3 -c srv -p 5201 -t 5 -O 1 -J --bidir | rate)
echo "alone_mbps: $alone"
echo "both_ways_mbps: $both"
awk -v a="$alone" 'BEGIN {printf "two_stations_mbps: %.2f\n", a / 2}'
