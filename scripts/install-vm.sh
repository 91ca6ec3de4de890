#!/usr/bin/env bash
# What `netdojo vm` needs on the host, idempotently: QEMU (TCG everywhere, KVM where it works),
# mmdebstrap to make the image from Debian's archive, e2fsprogs to write it to a disk image
# without loop devices or mounts.  Run as root (no sudo on these machines).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "netdojo install-vm: run as root" >&2
  exit 1
fi
# `cloud-init schema` checks docs/vm/cloud-init.yaml in the tests.  cloud-init itself is not
# installed (on a machine that is not a cloud guest its boot services only slow the boot):
# its package is unpacked into a cache folder and run with Debian's Python libraries.
CI_DIR=/var/cache/netdojo/cloud-init
PKGS=(qemu-system-x86 qemu-utils mmdebstrap e2fsprogs
      python3-jinja2 python3-configobj python3-jsonpatch python3-jsonschema python3-netifaces
      python3-requests python3-serial python3-oauthlib python3-yaml)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "netdojo install-vm: apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x "$CI_DIR/root/usr/bin/cloud-init" ]; then
  echo "netdojo install-vm: unpacking cloud-init into $CI_DIR (for cloud-init schema)"
  rm -rf "$CI_DIR" && mkdir -p "$CI_DIR" && chown _apt "$CI_DIR" 2>/dev/null || true
  (cd "$CI_DIR" && apt-get download -qq cloud-init >/dev/null && dpkg -x cloud-init_*.deb root)
fi
