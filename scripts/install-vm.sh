#!/usr/bin/env bash
# What `netdojo vm` needs on the host, idempotently: QEMU (TCG everywhere, KVM where it works),
# mmdebstrap to make the image from Debian's archive, e2fsprogs to write it to a disk image
# without loop devices or mounts.  Run as root (no sudo on these machines).
# --arch arm64 adds what an arm64 VM needs on an x86-64 host: QEMU for arm64, and QEMU's
# user-mode emulator (qemu-user-static, with arch-test) that vm/foreign.py registers in the
# build's own user namespace only — its package registers nothing host-wide where no
# binfmt-support or systemd runs it, and netdojo never does.
set -euo pipefail
ARCH=amd64
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) ARCH="${2:-}"; shift 2 ;;
    *) echo "netdojo install-vm: unknown argument $1 (--arch amd64|arm64)" >&2; exit 2 ;;
  esac
done
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
case "$ARCH" in
  amd64) ;;
  arm64) PKGS+=(qemu-system-arm qemu-user-static arch-test) ;;
  *) echo "netdojo install-vm: --arch $ARCH: amd64 or arm64" >&2; exit 2 ;;
esac
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
