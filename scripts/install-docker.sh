#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when there is no dockerd,
# and starts dockerd in the background when nothing listens (no systemd needed).  Idempotent.
set -euo pipefail
SOCK=/var/run/docker.sock
answers() { [ -S "$SOCK" ] && docker -H "unix://$SOCK" version >/dev/null 2>&1; }

# docker.io: the engine; docker-compose: Debian's 1.29 (no v2 plugin is packaged here);
# mmdebstrap: builds the base image from Debian's archive when no registry answers.
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "netdojo install: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if answers; then exit 0; fi
if ! answers; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker || true
  fi
fi
if ! answers; then
  echo "netdojo install: starting dockerd"
  nohup dockerd >/var/log/netdojo-dockerd.log 2>&1 &
fi
for _ in $(seq 1 120); do
  answers && exit 0
  sleep 0.5
done
echo "netdojo install: dockerd did not answer in 60 s; see /var/log/netdojo-dockerd.log" >&2
exit 1
