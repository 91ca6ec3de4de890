#!/usr/bin/env bash
# The main job: reproduce load-balancer failover end to end (lab up, load, fault timeline,
# four HAProxy variants, report + plots, lab down).  Installs what is missing first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"
"$ROOT/.venv/bin/netdojo" images build
cd "$ROOT"
exec "$ROOT/.venv/bin/netdojo" failover "$@"
