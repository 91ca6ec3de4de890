#!/bin/sh
# Runs on pc before the zones are served: writes the zone of the student's domain and the
# reverse zone of the data centre's /24 into $LAB_OUT, from the student's values
# (LAB_DOMAIN, LAB_ALIAS, LAB_MX_PREF, LAB_TOKEN, LAB_WWW_TTL) and the addresses in pc's /etc/hosts.
set -eu
web=$(getent hosts web | cut -d' ' -f1)
ns1=$(getent hosts ns1 | cut -d' ' -f1)
cat > "$LAB_OUT/db.zone" <<ZONE
\$TTL 300
@       IN SOA   ns.$LAB_DOMAIN. hostmaster.$LAB_DOMAIN. 1 3600 600 86400 60
@       IN NS    ns.$LAB_DOMAIN.
ns      IN A     $ns1
www     $LAB_WWW_TTL IN A $web
$LAB_ALIAS IN CNAME www
@       IN MX    $LAB_MX_PREF mail
mail    IN A     $ns1
@       IN TXT   "netdojo-$LAB_TOKEN"
ZONE
cat > "$LAB_OUT/db.reverse" <<ZONE
\$TTL 300
@       IN SOA   ns.$LAB_DOMAIN. hostmaster.$LAB_DOMAIN. 1 3600 600 86400 60
@       IN NS    ns.$LAB_DOMAIN.
${web##*.}      IN PTR   www.$LAB_DOMAIN.
ZONE
