#!/bin/sh
# Runs on a1: splits the student's /24 into the smallest subnets that hold each LAN's hosts,
# biggest first (so each starts on its own boundary), and prints answers.yaml.
set -eu
exec python3 - <<'PY'
import ipaddress, os
env = os.environ
block = ipaddress.IPv4Network(f"172.{env['LAB_BLOCK_B']}.{env['LAB_BLOCK_C']}.0/24")
needs = {"lana": int(env["LAB_NEED_A"]), "lanb": int(env["LAB_NEED_B"]),
         "lanc": int(env["LAB_NEED_C"])}
start = int(block.network_address)
print("subnets:")
for lan, need in sorted(needs.items(), key=lambda kv: -kv[1]):
    prefix = 30
    while 2 ** (32 - prefix) - 2 < need:
        prefix -= 1
    net = ipaddress.IPv4Network((start, prefix))
    start += net.num_addresses
    print(f"  {lan}: {{cidr: {net}, broadcast: {net.broadcast_address}}}")
# 172.16.0.0 - 172.31.255.255 begin with 172: 128-191 is class B, whose default mask is /16
print("classful: {class: B, default_mask: 255.255.0.0}")
PY
