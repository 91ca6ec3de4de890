#!/bin/sh
# Runs on pc.  Find your domain's mail exchangers (dig MX $LAB_DOMAIN @ns1), choose the one
# the preferences choose, and send it one mail to $LAB_USER@$LAB_DOMAIN with the subject
# netdojo-$LAB_TOKEN (curl smtp://…, or speak SMTP yourself).
set -eu
echo "send-mail.sh: not written yet"
