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
# Debian 13 moved the client out of docker.io into docker-cli (Debian 12 ships it in docker.io).
if ! command -v docker >/dev/null 2>&1; then
  echo "netdojo install: docker-cli"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-cli >/dev/null
fi
if answers; then exit 0; fi
if ! answers; then
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl start docker || true
  fi
fi
# A dockerd that was killed (a machine handed on, a session ended) leaves its pid files behind,
# and a new dockerd refuses to start over them.  Remove only files whose process is gone.
stale() {
  [ -f "$1" ] || return 1
  local pid; pid="$(cat "$1" 2>/dev/null)"
  case "$(cat "/proc/${pid:-0}/comm" 2>/dev/null)" in
    dockerd|containerd) return 1 ;;   # alive (and not a recycled pid)
    *) return 0 ;;
  esac
}
for f in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
  if stale "$f"; then
    echo "netdojo install: removing stale $f"
    rm -f "$f"
  fi
done
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
