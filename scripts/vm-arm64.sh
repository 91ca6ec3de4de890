#!/usr/bin/env bash
# Issue 22.3, too long for CI: the arm64 lab VM built on this host from Debian's archive,
# booted under QEMU (TCG on an x86-64 host) to SSH, and a lab checked inside it.  Results go to
# benchmarks/results/vm_arm64.{json,md}, which tests/unit/test_vm_arm64_results.py reads.
#   scripts/vm-arm64.sh [--keep-image]      (as root; about an hour from nothing on 2 cores)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-vm.sh" --arch arm64
cd "$ROOT"
exec .venv/bin/python benchmarks/bench_vm_arm64.py "$@"
