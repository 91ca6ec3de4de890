#!/usr/bin/env bash
# Installs what netdojo needs, idempotently: Debian packages, a venv that can see Debian's
# `mininet` module, and the package itself.  Safe to run again; does nothing that is done.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NETDOJO_VENV:-$ROOT/.venv}"

if [ "$(id -u)" -ne 0 ]; then
  echo "netdojo install: run as root (it creates network namespaces and installs packages)" >&2
  exit 1
fi

APT_PACKAGES=(
  iproute2 iptables ethtool iputils-ping iperf3 traceroute tcpdump
  mininet bridge-utils python3 python3-venv python3-pip python3-yaml
  graphviz fonts-dejavu-core
  fonts-nanum   # Korean glyphs for the drawings, reports and browser screenshots
  bind9-dnsutils curl   # dig and curl on a namespace node (the dns lab's pc is one)
  bubblewrap   # every student script runs in a sandbox over the lab image (net/sandbox.py)
  chromium   # the tests load every HTML report in headless Chromium (it renders, its images load)
  chromium-driver   # and drive netdojo web in it with Selenium (a downloaded driver fails here)
)

# The lab VM's image runs its tests without a browser (NETDOJO_NO_BROWSER=1, netdojo vm build).
if [ -n "${NETDOJO_NO_BROWSER:-}" ]; then
  APT_PACKAGES=("${APT_PACKAGES[@]/chromium-driver/}")
  APT_PACKAGES=("${APT_PACKAGES[@]/chromium/}")
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ -n "$p" ] || continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "netdojo install: apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # iperf3 asks whether to start a daemon; answer no so nothing listens on the host.
  echo "iperf3 iperf3/start_daemon boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's python3 is the one that sees Debian's `mininet` module, so the venv is built on it
# with the system site-packages visible.
if [ ! -x "$VENV/bin/python" ]; then
  echo "netdojo install: venv at $VENV"
  /usr/bin/python3 -m venv --system-site-packages "$VENV"
fi
stamp="$VENV/.netdojo-installed"
if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
  echo "netdojo install: package (editable) with dev extras"
  "$VENV/bin/pip" install -q -e "$ROOT[dev]"
  touch "$stamp"
fi
