#!/bin/sh
# Runs on gw: prints its nftables ruleset.  eth1 faces the lab internet; the office is eth0.
set -eu
cat <<NFT
table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "eth1" tcp dport $LAB_EXT_PORT dnat to 10.$LAB_NET.50.80:80
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth1" masquerade
  }
}
NFT
