#!/usr/bin/env bash
# The long proofs over every lab, too long for CI; their results are committed under
# benchmarks/results/ and unit tests read them, refusing results older than a lab's files.
#   scripts/lab-proofs.sh selftest [LAB ...]     mutation self-tests (issue 17.5) -> selftest.{json,md}
#   scripts/lab-proofs.sh free-points [LAB ...]  examples and constant answers (17.4) -> free_points.{json,md}
# (as root)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  selftest) bench=bench_selftest.py ;;
  free-points) bench=bench_free_points.py ;;
  *) echo "usage: scripts/lab-proofs.sh selftest|free-points [LAB ...]" >&2; exit 2 ;;
esac
shift
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"
cd "$ROOT"
.venv/bin/netdojo images build
if [ "$#" -gt 0 ]; then
  exec .venv/bin/python "benchmarks/$bench" --labs "$@"
fi
exec .venv/bin/python "benchmarks/$bench"
