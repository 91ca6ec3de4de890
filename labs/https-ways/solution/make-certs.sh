#!/bin/sh
# Runs on client: a certificate authority of your own, then the site's key and a certificate
# the CA signs for the three names clients use (web, lb, edge), valid $LAB_DAYS days.  Writes
# ca.pem, site.pem and site.key into $LAB_OUT; the CA's key stays behind and is removed.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
  -out ca.pem -days 3650 -subj "/CN=netdojo root CA $LAB_CA_NO" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout site.key \
  -out site.csr -subj "/CN=web" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:web,DNS:lb,DNS:edge" "basicConstraints=critical,CA:FALSE" \
  "extendedKeyUsage=serverAuth" > site.ext
openssl x509 -req -in site.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days "$LAB_DAYS" \
  -extfile site.ext -out site.pem 2>/dev/null
cp ca.pem site.pem site.key "$LAB_OUT/"
