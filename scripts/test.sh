#!/usr/bin/env bash
# The whole test suite: installs what is missing, then lint, unit and root integration tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"   # one test proves labs work while dockerd runs
cd "$ROOT"
.venv/bin/ruff check src tests benchmarks
exec .venv/bin/pytest -q -rs "$@"
