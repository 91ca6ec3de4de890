#!/usr/bin/env bash
# The long proofs over every lab, too long for CI; their results are committed under
# benchmarks/results/ and unit tests read them, refusing results older than a lab's files.
#   scripts/lab-proofs.sh selftest [LAB ...]     mutation self-tests (issue 17.5) -> selftest.{json,md}
#   scripts/lab-proofs.sh free-points [LAB ...]  examples and constant answers (17.4) -> free_points.{json,md}
# (as root).  A lab that needs Wi-Fi radios (mac80211_hwsim) runs in the lab VM when this
# host's kernel has no such module: the VM is built from this checkout, booted for the proof
# and shut down after, and its results file comes back into benchmarks/results/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${1:-}" in
  selftest) bench=bench_selftest.py; results=selftest.json ;;
  free-points) bench=bench_free_points.py; results=free_points.json ;;
  *) echo "usage: scripts/lab-proofs.sh selftest|free-points [LAB ...]" >&2; exit 2 ;;
esac
shift
bash "$ROOT/scripts/install.sh"
bash "$ROOT/scripts/install-docker.sh"
cd "$ROOT"
.venv/bin/netdojo images build
# the labs asked for (or every lab) that need radios this host cannot make
vm_labs=$(.venv/bin/python - "$@" <<'PY'
import sys
from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.net import hwsim
labs = sys.argv[1:] or lab_ids()
print("" if hwsim.available() else " ".join(i for i in labs if "wifi" in find_lab(i).needs))
PY
)
host_labs=()
for lab in "$@"; do
  [[ " $vm_labs " == *" $lab "* ]] || host_labs+=("$lab")
done
if [ "$#" -eq 0 ]; then
  .venv/bin/python "benchmarks/$bench"  # says which labs it leaves to the VM
elif [ "${#host_labs[@]}" -gt 0 ]; then
  .venv/bin/python "benchmarks/$bench" --labs "${host_labs[@]}"
fi
[ -n "$vm_labs" ] || exit 0
if .venv/bin/netdojo vm status | grep -q '^vm: running'; then
  echo "lab-proofs: $vm_labs need the lab VM, which is running: netdojo vm down first (the" \
       "proof boots it fresh from this checkout)" >&2
  exit 1
fi
echo "lab-proofs: $vm_labs in the lab VM (this kernel has no mac80211_hwsim)"
bash "$ROOT/scripts/install-vm.sh"
.venv/bin/netdojo vm build
trap '.venv/bin/netdojo vm down >/dev/null 2>&1 || true' EXIT
# 4 GiB: the free-points proof keeps twenty wifi sessions up at once (1.7 GiB used, measured)
.venv/bin/netdojo vm up --fresh --memory 4096
.venv/bin/netdojo vm ssh -- "cd /opt/netdojo && .venv/bin/python benchmarks/$bench --labs $vm_labs"
back="$(mktemp)"
.venv/bin/netdojo vm ssh -- "cat /opt/netdojo/benchmarks/results/$results" > "$back"
# shellcheck disable=SC2086  # one word per lab
.venv/bin/python "benchmarks/$bench" --take-from "$back" --labs $vm_labs
rm -f "$back"
