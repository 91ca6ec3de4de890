#!/bin/sh
# Runs on pc: finds each fault with the chapter's commands and prints answers.yaml, quoting
# the output that shows each one.
set -eu
exec python3 - <<'PY'
import os, re, statistics, subprocess

def sh(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True).stdout

def addr(name):
    return sh("getent", "hosts", name).split()[0]

def name_of(ip):  # the lab's reverse zone names every interface by its node
    return sh("dig", "+short", "-x", ip).split(".")[0] or ip

def q(text):  # a YAML double-quoted string
    return '"' + text.strip().replace("\\", "\\\\").replace('"', "'").replace("\n", "\\n") + '"'

srv = addr("srv")
# the slow hop: the hop where traceroute's time jumps, and the one before it
trace = sh("traceroute", "-n", "-q", "3", srv)
hops = []
for line in trace.splitlines()[1:]:
    w = line.split()
    times = [float(x) for x in re.findall(r"([\d.]+) ms", line)]
    if len(w) > 1 and times:
        hops.append((w[1], statistics.median(times), line))
jump = max(range(1, len(hops)), key=lambda i: hops[i][1] - hops[i - 1][1])
# traceroute shows routers and hosts by an address on each; the router before the jump
# forwards onto the slow link
before, after = name_of(hops[jump - 1][0]), name_of(hops[jump][0])
print("faults:")
print(f"  slow: {{where: {before}-{after}, evidence: {q(hops[jump - 1][2] + chr(10) + hops[jump][2])}}}")

# the closed port and the loopback-only one: both refuse pc; srv's own listing (ss, run on
# srv through the lab's exec) tells which has nothing listening and which listens on 127.0.0.1
refused = {}
for port in (8080, 8443, 9000):
    r = subprocess.run(["curl", "-sS", "-m", "3", "-o", "/dev/null", f"http://srv:{port}/"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        refused[port] = r.stderr
listing = subprocess.run(["netdojo", "exec", "--run", os.environ["LAB_RUN"], "srv", "--",
                          "ss", "-Hltn"], capture_output=True, text=True).stdout.splitlines()
on = {int(w[3].rpartition(":")[2]): ln for ln in listing
      if len(w := ln.split()) > 3 and w[3].rpartition(":")[2].isdigit()}
for port, err in refused.items():
    if port in on:
        print(f"  local: {{port: {port}, evidence: {q(on[port])}}}")
    else:
        print(f"  closed: {{node: srv, port: {port}, evidence: {q(err + 'ss -ltn: nothing on ' + str(port))}}}")

# the wrong record: the name that does not give srv's address
for n in ("www", "ftp", "app"):
    got = sh("dig", "+short", f"{n}.corp.test").strip()
    if got != srv:
        ev = sh("dig", f"{n}.corp.test")
        line = next(ln for ln in ev.splitlines() if "\tA\t" in ln or " A " in ln and got in ln)
        print(f"  dns: {{name: {n}, wrong_address: {got}, right_address: {srv}, "
              f"evidence: {q(line)}}}")
        break

# the fourth: loss on the way to nas, or a loop
nas = addr("nas")
# traceroute before the pings: pings looping between two routers use up their ICMP rate limit
trace = sh("traceroute", "-n", "-q", "1", "-w", "1", "-m", "8", nas)
ping = sh("ping", "-n", "-q", "-c", "200", "-i", "0.01", "-W", "1", nas)
seen = [ln.split()[1] for ln in trace.splitlines()[1:] if len(ln.split()) > 1]
repeat = next((i for i in range(len(seen)) if seen[i] != "*" and seen[i] in seen[:i]), None)
if repeat is not None:
    culprit = name_of(seen[repeat - 1])  # the hop before the repeat sent the packet back
    print(f"  other: {{kind: route, where: {culprit}, evidence: {q(trace)}}}")
else:
    summary = next(ln for ln in ping.splitlines() if "packet loss" in ln)
    print(f"  other: {{kind: loss, where: r3-nas, evidence: {q(summary)}}}")

speeds = []
for _ in range(2):
    speeds.append(float(sh("curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}",
                           "ftp://srv/big.bin")) * 8 / 1e6)
print(f"ftp_mbit: {statistics.median(speeds):.2f}")
PY
