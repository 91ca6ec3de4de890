#!/usr/bin/env bash
# Every lab's mutation self-test (issue 17.6): too long for CI, so its results are committed in
# benchmarks/results/selftest.{json,md} and tests/unit/test_selftest_results.py reads them.
# Usage: scripts/selftest-all.sh [LAB ...]   (as root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"
cd "$ROOT"
.venv/bin/netdojo images build
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python benchmarks/bench_selftest.py --labs "$@"
fi
exec .venv/bin/python benchmarks/bench_selftest.py
