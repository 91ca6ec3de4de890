#!/bin/sh
# Runs on pc, out on the lab internet: srv is behind gw, so every connection goes to gw's
# outside address at your ssh_port, which gw's NAT forwards to srv:22.  First a login with your
# password that appends a new public key to ~/.ssh/authorized_keys on srv, then a login with
# that key alone (a password is refused outright).
set -eu
cd "$LAB_OUT"
gw=192.0.2.1
ssh-keygen -q -t ed25519 -N '' -C "$LAB_USER@pc" -f ./id_ed25519
# ssh asks for a password only on a terminal; SSH_ASKPASS hands it over from a program instead
# (in /tmp: the folder $LAB_OUT may not allow running a program)
printf '#!/bin/sh\necho %s\n' "$LAB_PASSWORD" > /tmp/askpass && chmod 700 /tmp/askpass
opts="-p $LAB_SSH_PORT -o UserKnownHostsFile=$LAB_OUT/known_hosts -o StrictHostKeyChecking=accept-new -o ConnectTimeout=5"
SSH_ASKPASS=/tmp/askpass SSH_ASKPASS_REQUIRE=force \
  ssh $opts -o PubkeyAuthentication=no "$LAB_USER@$gw" \
  'umask 077 && mkdir -p .ssh && cat >> .ssh/authorized_keys' < ./id_ed25519.pub
ssh $opts -i ./id_ed25519 -o PasswordAuthentication=no -o BatchMode=yes "$LAB_USER@$gw" \
  'echo "logged in to $(hostname) with a key; it sees me as ${SSH_CLIENT%% *}"'
