#!/bin/sh
# Runs on the printer (it reads its own MAC): prints Kea's DHCPv4 config for the office LAN
# with the student's pool, the printer's reservation, and the router and DNS options.
set -eu
mac=$(cat /sys/class/net/eth0/address)
office="10.$LAB_NET.50"
last=$((LAB_POOL_LO + LAB_POOL_SIZE - 1))
cat <<CONF
{
  "Dhcp4": {
    "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
    "lease-database": {"type": "memfile", "persist": true,
                       "name": "/var/lib/kea/netdojo-leases4.csv", "lfc-interval": 0},
    "valid-lifetime": 600,
    "subnet4": [{
      "id": 1,
      "subnet": "$office.0/24",
      "pools": [{"pool": "$office.$LAB_POOL_LO - $office.$last"}],
      "option-data": [{"name": "routers", "data": "$office.1"},
                      {"name": "domain-name-servers", "data": "$office.53"}],
      "reservations": [{"hw-address": "$mac", "ip-address": "$office.$LAB_RESERVED"}]
    }]
  }
}
CONF
