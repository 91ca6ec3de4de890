#!/bin/sh
# Runs on cl.  Counts the ICMP frames a third host captures on the hub and on the switch, reads
# the switch's MAC table, sends to a MAC no one has, reads TTLs across each device, asks ethtool
# about the NIC, and makes web1 answer 503 to see which balancer keeps failing.  Prints
# answers.yaml.  Other nodes are reached with `netdojo exec --run $LAB_RUN NODE -- …`.
set -eu
exec python3 - <<'PY'
import os, re, subprocess, time

run = os.environ["LAB_RUN"]

def nd(node, *cmd, check=False):
    return subprocess.run(["netdojo", "exec", "--run", run, node, "--", *cmd],
                          capture_output=True, text=True, check=check).stdout

def ip(node):
    return nd(node, "getent", "hosts", node).split()[0]

def count(watcher, src, dst, n=10, bpf="icmp"):
    cap = subprocess.Popen(["netdojo", "exec", "--run", run, watcher, "--", "tcpdump", "-l",
                            "-n", "-e", "--immediate-mode", "-i", "eth0", *bpf.split()],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while "listening on" not in cap.stderr.readline():
        pass
    nd(src, "ping", "-n", "-c", str(n), "-i", "0.1", "-W", "1", dst)
    cap.terminate()
    return sum("ICMP echo" in ln for ln in cap.communicate()[0].splitlines())

for a, b in (("ha", "hb"), ("sa", "sb")):
    nd(a, "ping", "-c", "2", "-i", "0.1", ip(b))
print(f"hub_seen: {count('hc', 'ha', ip('hb'))}")
print(f"switch_seen: {count('sc', 'sa', ip('sb'))}")

table = nd("sw", "bridge", "fdb", "show", "br", "br0")
ports = {}
for h in ("sa", "sb"):
    mac = nd(h, "cat", "/sys/class/net/eth0/address").strip()
    ports[h] = re.search(rf"^{mac} dev (\S+)", table, re.M).group(1)
print(f"fdb: {{sa: {ports['sa']}, sb: {ports['sb']}}}")

sa_ip = ip("sa")
ghost = sa_ip.rsplit(".", 1)[0] + ".200"
nd("sa", "ip", "neigh", "replace", ghost, "lladdr", "02:00:00:00:00:42", "dev", "eth0",
   "nud", "permanent")
seen = count("sc", "sa", ghost, 3, "icmp and ether dst 02:00:00:00:00:42")
# flooded: out of every port of sw's bridge but the one sa's frames come in on
sw_ports = re.findall(r"^\d+: (\S+?)(?:@\S+)?: .*master br0", nd("sw", "bridge", "link", "show"),
                      re.M)
out = sorted(p for p in sw_ports if p != ports["sa"]) if seen else []
print(f"unknown_sent_to: [{', '.join(out)}]")

def ttl(src, dst_ip):
    return int(re.search(r"ttl=(\d+)", nd(src, "ping", "-c", "1", "-W", "2", dst_ip)).group(1))

y1 = re.search(r"inet ([\d.]+)/", nd("y1", "ip", "-4", "-o", "addr", "show", "eth0")).group(1)
print("ttl: {same_lan: %d, bridged: %d, routed: %d, l3_switched: %d}" % (
    ttl("sa", ip("sb")), ttl("p1", ip("p2")), ttl("sa", ip("fa")), ttl("x1", y1)))
driver = re.search(r"^driver: (\S+)", nd("ha", "ethtool", "-i", "eth0"), re.M).group(1)
print(f"nic_driver: {driver}")
print(f"nic_mac: '{nd('ha', 'cat', '/sys/class/net/eth0/address').strip()}'")

def fails(lb, n=10):
    codes = [subprocess.run(["curl", "-s", "-o", "/dev/null", "-m", "3", "-w", "%{http_code}",
                             f"http://{lb}/whoami"], capture_output=True, text=True).stdout
             for _ in range(n)]
    return sum(c != "200" for c in codes)

nd("web1", "sh", "-c", "echo 5xx > /run/netdojo-fault")
try:
    end = time.monotonic() + 20
    while time.monotonic() < end and fails("lb7", 4):
        time.sleep(0.5)
    n = int(os.environ["LAB_PROBE_REQUESTS"])  # my number of requests through each balancer
    f4, f7 = fails("lb4", n), fails("lb7", n)
finally:
    nd("web1", "rm", "-f", "/run/netdojo-fault")
print("keeps_failing: " + ("both" if f4 and f7 else "l4" if f4 else "l7" if f7 else "neither"))
print(f"l4_failed: {f4}")
PY
