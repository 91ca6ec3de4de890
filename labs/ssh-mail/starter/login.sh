#!/bin/sh
# Runs on pc.  Log in to srv through gw's port forward (ssh -p YOUR_SSH_PORT USER@192.0.2.1):
# first with your password, to append a public key of your own to ~/.ssh/authorized_keys on srv,
# then with that key alone.  Your values: $LAB_USER, $LAB_PASSWORD, $LAB_SSH_PORT.
# Write your files into $LAB_OUT (the only folder you may write to).
set -eu
echo "login.sh: not written yet"
