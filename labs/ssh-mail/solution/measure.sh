#!/bin/sh
# Runs on pc: logs in once more (with the password) and prints the client address srv's sshd
# saw — SSH_CLIENT in the session — and the domain's MX records as ns1 gives them.
set -eu
cd "$LAB_OUT"
printf '#!/bin/sh\necho %s\n' "$LAB_PASSWORD" > /tmp/askpass && chmod 700 /tmp/askpass
seen=$(SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force \
  ssh -p "$LAB_SSH_PORT" -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no \
  -o LogLevel=ERROR -o PubkeyAuthentication=no "$LAB_USER@192.0.2.1" 'echo $SSH_CLIENT' \
  | cut -d' ' -f1)
echo "seen_from: $seen"
echo "exchangers:"
dig +short +time=2 MX "$LAB_DOMAIN" "@$(getent hosts ns1 | cut -d' ' -f1)" \
  | awk '{sub(/\.$/, "", $2); print "  " $2 ": " $1}'
