"""Autograder bundles for the platforms instructors already use.

Gradescope: `netdojo autograder gradescope LAB` writes the zip Gradescope takes — setup.sh (runs
netdojo's own install script), run_autograder (grades /autograder/submission and writes
/autograder/results/results.json) and netdojo itself with the lab, so the build needs no
network beyond Debian's archive and PyPI.  Gradescope's autograder containers may lack what
netdojo needs (root with CAP_NET_ADMIN and CAP_SYS_ADMIN for network namespaces, a Docker
engine for container labs); run_autograder then writes a results.json that says so plainly.

GitHub Classroom: `netdojo autograder classroom LAB` writes the workflow for students'
repositories.  GitHub's hosted runners are VMs where `sudo` gives root and the kernel is a stock
one; the lab is checked once, then each check becomes one of Classroom's command-grader tests
worth its points (Classroom gives a test all its points or none).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from netdojo.labs.checks import load_checks
from netdojo.labs.model import Lab

ROOT = Path(__file__).resolve().parents[3]  # the checkout netdojo runs from
BUNDLED = ["pyproject.toml", "README.md", "src", "labs", "scripts", "docker", "topologies"]
SKIP = {"__pycache__", ".pytest_cache", ".wheels"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd /autograder/source/netdojo
bash scripts/install.sh
# Container labs also need a Docker engine; where the image cannot run one, run_autograder
# says so in the results instead of failing without a word.
bash scripts/install-docker.sh || echo "netdojo setup: no Docker engine here (container labs will report it)"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission, as root.  AUTOGRADER_ROOT lets a test use a fake
# /autograder layout.
set -uo pipefail
AG="${{AUTOGRADER_ROOT:-/autograder}}"
ND="${{NETDOJO:-$AG/source/netdojo/.venv/bin/netdojo}}"
mkdir -p "$AG/results"
say() {{  # a results.json that tells the student and the instructor what happened
  python3 - "$AG/results/results.json" "$1" <<'PY'
import json, sys
json.dump({{"score": 0, "output": sys.argv[2], "visibility": "visible",
           "stdout_visibility": "visible", "tests": []}}, open(sys.argv[1], "w"), indent=1)
PY
}}
probe="netdojo-probe-$$"
if ! err=$(ip netns add "$probe" 2>&1); then
  why="Not graded: this Gradescope container cannot create network namespaces ($err)."
  why="$why netdojo needs root with CAP_NET_ADMIN and CAP_SYS_ADMIN. Your files were received;"
  say "$why your instructor will grade them with netdojo on a lab machine."
  exit 0
fi
ip netns delete "$probe"
out=$(mktemp -d)
"$ND" grade {lab} "$AG/submission" --out "$out" --format gradescope,feedback > "$out/log.txt" 2>&1
result=$(ls "$out"/students/*/results.json 2>/dev/null | head -n 1)
if [ -n "$result" ]; then
  cp "$result" "$AG/results/results.json"
else
  say "Not graded: netdojo could not grade this submission: $(tail -n 3 "$out/log.txt" | tr '\\n' ' ')"
fi
"""


def gradescope_zip(lab: Lab, out: Path) -> Path:
    """The upload for a Gradescope programming assignment (setup.sh and run_autograder at the
    zip's top, netdojo under netdojo/)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in (("setup.sh", SETUP_SH),
                           ("run_autograder", RUN_AUTOGRADER.format(lab=lab.id))):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o100755 << 16
            z.writestr(info, text)
        for top in BUNDLED:
            base = ROOT / top
            paths = [base] if base.is_file() else sorted(base.rglob("*"))
            for p in paths:
                if p.is_file() and not SKIP & set(p.relative_to(ROOT).parts):
                    z.write(p, f"netdojo/{p.relative_to(ROOT)}")
    out.write_bytes(buf.getvalue())
    return out


def _install_steps(netdojo_repo: str, ref: str) -> str:
    """A job's first steps: its own repository, netdojo beside it, installed as root."""
    return f"""      - uses: actions/checkout@v4
      - uses: actions/checkout@v4
        with:
          repository: {netdojo_repo}
          ref: {ref}
          path: .netdojo
      - name: Install netdojo (as root, through its own scripts)
        run: |
          sudo bash .netdojo/scripts/install.sh
          sudo bash .netdojo/scripts/install-docker.sh
          sudo .netdojo/.venv/bin/netdojo images build"""


def classroom_workflow(lab: Lab, netdojo_repo: str, ref: str = "main") -> str:
    """The GitHub Actions workflow for a GitHub Classroom assignment on `lab`."""
    checks = load_checks(lab.dir / "checks.py", lab.id).checks
    visible = [c for c in checks if c.visible]
    steps = []
    ids = []
    for c in visible:
        step = f"check-{c.name.replace('_', '-')}"
        ids.append(step)
        steps.append(f"""      - name: "{c.title.replace('"', "'")}"
        id: {step}
        uses: classroom-resources/autograding-command-grader@v1
        with:
          test-name: "{c.name}"
          command: >-
            python3 -c "import json, sys; d = json.load(open('netdojo-result.json'));
            c = {{x['name']: x for x in d['checks']}}['{c.name}']; print(c['message']);
            sys.exit(c['score'] < c['points'])"
          timeout: 1
          max-score: {c.points:g}""")
    env = "\n".join(f"          {i.upper()}_RESULTS: \"${{{{ steps.{i}.outputs.result }}}}\""
                    for i in ids)
    hidden = len(checks) - len(visible)
    return f"""# GitHub Classroom autograding for the netdojo lab `{lab.id}` (made by
# `netdojo autograder classroom {lab.id}`).  GitHub's hosted runners are VMs: `sudo` gives
# root and the kernel is a stock one.  The lab is checked once; each visible check is then a
# Classroom test worth its points (all or nothing).  {hidden} hidden check(s) are graded by
# the instructor with `netdojo grade`.
name: netdojo autograding
"on":
  - push
  - workflow_dispatch
permissions:
  checks: write
  actions: read
  contents: read
jobs:
  autograding:
    runs-on: ubuntu-24.04
    if: github.actor != 'github-classroom[bot]'
    timeout-minutes: 40
    steps:
{_install_steps(netdojo_repo, ref)}
      - name: Check the lab
        run: >-
          sudo .netdojo/.venv/bin/netdojo lab check {lab.id} --dir .
          --student "${{{{ github.actor }}}}" --json netdojo-result.json || true
{chr(10).join(steps)}
      - name: Report to GitHub Classroom
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
{env}
        with:
          runners: {",".join(ids)}
"""


def shards_workflow(lab: Lab, netdojo_repo: str, shards: int, ref: str = "main",
                    submissions: str = "submissions") -> str:
    """A GitHub Actions workflow for an instructor's grading repository: the class's
    submissions (a folder in that repository) graded by `shards` jobs at once, each on its own
    runner, then one job merges their gradebooks and makes the exports once."""
    matrix = ", ".join(str(k) for k in range(1, shards + 1))
    install = _install_steps(netdojo_repo, ref)
    return f"""# Grades the class in `{submissions}/` for the netdojo lab `{lab.id}` on {shards}
# runners at once (made by `netdojo autograder shards {lab.id}`).  Each shard grades the
# students whose id falls in it; the merge job makes one gradebook and every export.
name: netdojo grade {lab.id}
"on":
  workflow_dispatch:
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-24.04
    timeout-minutes: 300
    strategy:
      fail-fast: false
      matrix:
        shard: [{matrix}]
    steps:
{install}
      - name: Grade shard ${{{{ matrix.shard }}}}/{shards}
        run: >-
          sudo .netdojo/.venv/bin/netdojo grade {lab.id} {submissions} --workers 2
          --shard ${{{{ matrix.shard }}}}/{shards} --out shard-${{{{ matrix.shard }}}} || true
      - uses: actions/upload-artifact@v4
        with:
          name: shard-${{{{ matrix.shard }}}}
          path: shard-${{{{ matrix.shard }}}}/gradebook.sqlite
  merge:
    needs: grade
    runs-on: ubuntu-24.04
    steps:
{install}
      - uses: actions/download-artifact@v4
        with:
          pattern: shard-*
      - name: One gradebook, every export
        run: sudo .netdojo/.venv/bin/netdojo grade merge shard-* --out grades
      - uses: actions/upload-artifact@v4
        with:
          name: grades
          path: grades
"""
