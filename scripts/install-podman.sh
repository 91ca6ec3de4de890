#!/usr/bin/env bash
# Podman as the container engine (issue 22.2): installs Debian's podman when it is missing and
# starts its Docker-compatible API on a socket of its own, rootful, when nothing answers there
# (no systemd needed).  netdojo then speaks to it as to Docker:
#     export DOCKER_HOST=unix:///run/podman/podman.sock
# Idempotent; leaves dockerd alone (the two engines keep separate stores and sockets).
set -euo pipefail
SOCK=/run/podman/podman.sock
LOG=/var/log/netdojo-podman.log
if [ "$(id -u)" != 0 ]; then
  # rootless Podman gives a user namespace: no veth into another netns, no tc on the host side,
  # no nftables — what every lab is made of.  One line, not a half-built lab.
  echo "netdojo install: podman must run as root for netdojo (rootless podman cannot create the labs' namespaces, links and shapers); run this as root" >&2
  exit 1
fi
answers() { [ -S "$SOCK" ] && podman --url "unix://$SOCK" version >/dev/null 2>&1; }

if ! command -v podman >/dev/null 2>&1 || [ ! -x /usr/libexec/podman/catatonit ]; then
  echo "netdojo install: podman catatonit"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # catatonit: the init a lab container runs under (--init, as with Docker); crun and conmon
  # come as dependencies; no recommends: no slirp4netns, fuse-overlayfs or
  # rootless helpers (rootful here), no default network config pulled in beyond podman's own
  apt-get install -y -qq --no-install-recommends podman catatonit >/dev/null
fi
if answers; then exit 0; fi
# a service that was killed leaves its socket file behind; a new one will not bind over it
if [ -S "$SOCK" ]; then rm -f "$SOCK"; fi
mkdir -p "$(dirname "$SOCK")"
echo "netdojo install: starting podman system service on $SOCK"
# cgroupfs and file events: no systemd on this machine (or in a container) to delegate to
nohup podman --cgroup-manager=cgroupfs --events-backend=file \
  system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 &
for _ in $(seq 1 60); do
  answers && exit 0
  sleep 0.5
done
echo "netdojo install: podman's API did not answer in 30 s; see $LOG" >&2
exit 1
