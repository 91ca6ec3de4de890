# routing.sh — one route per line, written as in the lab shell:  NODE ip route add PREFIX via NEXT-HOP
# Your addresses are 10.<net>.x.y: `netdojo lab show arp-routing --student YOU` prints <net>.
#
# 1. Every host needs a default gateway, e.g. (with net=42):
#      h1 ip route add default via 10.42.1.1
# 2. Every router needs a route to every subnet it is not on itself.
# 3. Traffic from h1 to the LAN named by <detour> must go r1 -> r2 -> r3; the other LAN of r3 is
#    reached over the direct r1 -- r3 link.
