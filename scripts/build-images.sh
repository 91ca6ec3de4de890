#!/usr/bin/env bash
# Builds the lab images that are missing (base from Debian's archive when no registry answers).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"
exec "$ROOT/.venv/bin/netdojo" images build
