#!/bin/sh
# Prints routing.sh for this student's values (netdojo sets LAB_NET and LAB_DETOUR).
set -eu
P="10.$LAB_NET"
if [ "$LAB_DETOUR" = h3 ]; then via3="$P.12.2"; via4="$P.13.3"; else via3="$P.13.3"; via4="$P.12.2"; fi
cat <<ROUTES
h1 ip route add default via $P.1.1
h2 ip route add default via $P.2.1
h3 ip route add default via $P.3.1
h4 ip route add default via $P.4.1
r1 ip route add $P.2.0/24 via $P.12.2
r1 ip route add $P.3.0/24 via $via3
r1 ip route add $P.4.0/24 via $via4
r1 ip route add $P.23.0/24 via $P.12.2
r2 ip route add $P.1.0/24 via $P.12.1
r2 ip route add $P.3.0/24 via $P.23.3
r2 ip route add $P.4.0/24 via $P.23.3
r2 ip route add $P.13.0/24 via $P.12.1
r3 ip route add $P.1.0/24 via $P.13.1
r3 ip route add $P.2.0/24 via $P.23.2
r3 ip route add $P.12.0/24 via $P.23.2
ROUTES
