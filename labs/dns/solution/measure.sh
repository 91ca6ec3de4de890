#!/bin/sh
# Runs on pc once the zones are served: reads the aa flag of ns1's and the resolver's answers,
# follows www from the root with dig +trace (naming each server by its address), and finds
# where each router on the way to www stands from its reverse name (dig -x).  Prints answers.yaml.
set -eu
www="www.$LAB_DOMAIN"
flag() { dig +time=2 "@$(getent hosts "$1" | cut -d' ' -f1)" "$www" | grep -q '^;; flags:.* aa' && echo true || echo false; }
# the TTL ns1 gives www: the zone's own, as an authoritative server answers it
ttl=$(dig +time=2 +noall +answer "@$(getent hosts ns1 | cut -d' ' -f1)" "$www" A | awk '$4 == "A" {print $2; exit}')
echo "aa: {ns1: $(flag ns1), res: $(flag res), ns1_ttl: $ttl}"
name_of() { getent hosts "$1" | awk '{print $2}'; }
path=""
addrs=""
last=""
for ip in $(dig +trace +time=2 "$www" | sed -n 's/^;; Received [0-9]* bytes from \([0-9.]*\)#53.*/\1/p'); do
  n=$(awk -v ip="$ip" '$1 == ip {print $2; exit}' /etc/hosts)
  [ "$n" = "$last" ] && continue
  path="$path${path:+, }$n"; addrs="$addrs${addrs:+, }$ip"; last=$n
done
echo "resolution_path: [$path]"
echo "resolution_addresses: [$addrs]"
web=$(getent hosts web | cut -d' ' -f1)
hops=""
for ip in $(traceroute -n -q 1 -w 2 -m 8 "$www" | awk 'NR > 1 {print $2}'); do
  [ "$ip" = "$web" ] && continue
  hops="$hops $(dig +short -x "$ip" | cut -d. -f1)"
done
echo "web_hops: [$(echo $hops | sed 's/ /, /g')]"
echo "web_city: ${hops##* }"
# the GeoIP row whose prefix holds www's address (the table is on the resolver's machine)
netdojo exec res cat /usr/share/netdojo/geoip.csv > /tmp/geoip.csv
python3 - "$(dig +short "$www" | tail -n 1)" <<'PY'
import csv, ipaddress, sys
ip = ipaddress.IPv4Address(sys.argv[1])
for row in csv.DictReader(open("/tmp/geoip.csv")):
    if ip in ipaddress.IPv4Network(row["prefix"]):
        print(f"geoip_prefix: {row['prefix']}")
PY
