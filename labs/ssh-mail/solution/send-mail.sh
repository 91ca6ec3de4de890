#!/bin/sh
# Runs on pc: what a mail server does to send to your domain.  Ask DNS (ns1) for the domain's MX
# records, take the exchanger with the lowest preference number (the most preferred), find its
# address, and speak SMTP to it on port 25 (curl says EHLO, MAIL FROM, RCPT TO, DATA, QUIT).
set -eu
ns1=$(getent hosts ns1 | cut -d' ' -f1)
for mx in $(dig +short +time=2 MX "$LAB_DOMAIN" "@$ns1" | sort -n | head -n 1 | cut -d' ' -f2); do
  addr=$(dig +short +time=2 A "$mx" "@$ns1" | head -n 1)
  [ -n "$addr" ] || { echo "no address for the exchanger '$mx'" >&2; exit 1; }
  printf 'From: %s@pc.lab\r\nTo: %s@%s\r\nSubject: netdojo-%s\r\n\r\nSent through %s (%s).\r\n' \
    "$LAB_USER" "$LAB_USER" "$LAB_DOMAIN" "$LAB_TOKEN" "$mx" "$addr" > "$LAB_OUT/mail.txt"
  curl -sS -m 10 "smtp://$addr" --mail-from "$LAB_USER@pc.lab" \
    --mail-rcpt "$LAB_USER@$LAB_DOMAIN" -T "$LAB_OUT/mail.txt"
  echo "sent to $mx ($addr)"
done
