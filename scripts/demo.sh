#!/usr/bin/env bash
# The main job: build a LAN/MAN/WAN lab, measure every path, print configured vs measured,
# tear it down.  Installs what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
exec "$ROOT/.venv/bin/netdojo" verify wan-demo "$@"
