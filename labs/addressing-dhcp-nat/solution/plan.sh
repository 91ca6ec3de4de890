#!/bin/sh
# Runs on a1: splits the student's /24 into the smallest subnets that hold each LAN's hosts,
# biggest first (so each starts on its own boundary), and prints answers.yaml.
set -eu
exec python3 - <<'PY'
import ipaddress, os
env = os.environ
block = ipaddress.IPv4Network(f"{env['LAB_BLOCK_AB']}.{env['LAB_BLOCK_C']}.0/24")
needs = {"lana": int(env["LAB_NEED_A"]), "lanb": int(env["LAB_NEED_B"]),
         "lanc": int(env["LAB_NEED_C"])}
start = int(block.network_address)
print("subnets:")
for lan, need in sorted(needs.items(), key=lambda kv: -kv[1]):
    prefix = 30
    while 2 ** (32 - prefix) - 2 < need + 1:  # the hosts and r1, the LAN's gateway
        prefix -= 1
    net = ipaddress.IPv4Network((start, prefix))
    start += net.num_addresses
    print(f"  {lan}: {{cidr: {net}, broadcast: {net.broadcast_address}}}")
# the first octet gives the class: 0-127 A (/8), 128-191 B (/16), 192-223 C (/24)
first = int(str(block.network_address).split(".")[0])
cls, mask = ("A", "255.0.0.0") if first < 128 else ("B", "255.255.0.0") if first < 192 else ("C", "255.255.255.0")
# the classful network's host addresses, less every host of the three LANs and r1 on each
hosts = 2 ** (32 - ipaddress.IPv4Network(f"0.0.0.0/{mask}").prefixlen) - 2
unused = hosts - sum(need + 1 for need in needs.values())
print(f"classful: {{class: {cls}, default_mask: {mask}, unused_hosts: {unused}}}")
# classes of the four addresses: D (1110…, 224-239) is multicast, E (1111…, 240-255) reserved
print("classes:")
for q in ("q1", "q2", "q3", "q4"):
    first = int(env[f"LAB_{q.upper()}_OCTET"])
    cls = "A" if first < 128 else "B" if first < 192 else "C" if first < 224 else "D" if first < 240 else "E"
    use = {"D": "multicast", "E": "reserved"}.get(cls, "unicast")
    print(f"  {q}: {{class: {cls}, use: {use}}}")
PY
