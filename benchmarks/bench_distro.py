"""Issue 22.5: the README's two commands on the next Debian release.  A fresh minimal system of
that release is made with mmdebstrap from Debian's archive (nothing but `minbase`, CA
certificates and bash), imported into the local engine, and run as a container with the
netdojo container's own flags (net/self_image.py: namespaces in this kernel, the host's docker
engine).  This checkout is copied in (not mounted: its venv is this host's) and inside it run,
as a user would type them, `scripts/demo.sh` (every install step, then the failover demo end
to end) and `scripts/test.sh` with a selection of the suite (the whole suite with --full).
Writes results/distro.json and results/distro.md; tests/unit/test_distro_results.py reads them.

    .venv/bin/python benchmarks/bench_distro.py [--suite trixie] [--full]     (as root)

The image and the container are removed at the end, on Ctrl-C too; the rootfs is cached in
.vm/distro-SUITE.tar (like the VM's stages) and rebuilt when older than a week."""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netdojo.interrupts import tear_down_on_signals
from netdojo.net.self_image import RUN_FLAGS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"
MIRROR = "http://deb.debian.org/debian"
LOCAL_CA = Path("/usr/local/share/ca-certificates")
# What a fresh machine runs before anything is installed: the files the two commands read.
INSTALL_FILES = ("scripts/install.sh", "scripts/install-docker.sh", "scripts/demo.sh",
                 "scripts/test.sh", "pyproject.toml")
# Enough of the suite to prove the install on that release: the unit tests, a network built
# and torn down, a student script in its sandbox, a lab checked end to end, container nodes.
SELECTION = ["tests/unit", "tests/integration/test_lifecycle.py",
             "tests/integration/test_sandbox.py",
             "tests/integration/test_labs.py::test_the_solution_scores_full_marks_for_two_students"
             "[arp-routing-s000]",
             # the test that reads this benchmark's own committed result
             "--deselect", "tests/unit/test_distro_results.py::"
             "test_debian_13_ran_both_readme_commands_with_todays_install_files"]


def install_hash() -> str:
    h = hashlib.sha256()
    for f in INSTALL_FILES:
        h.update(f.encode() + b"\0" + (ROOT / f).read_bytes())
    return h.hexdigest()


def _rootfs(suite: str) -> Path:
    tar = ROOT / ".vm" / f"distro-{suite}.tar"
    if tar.is_file() and time.time() - tar.stat().st_mtime < 7 * 86400:
        print(f"  rootfs: {tar} (cached)", flush=True)
        return tar
    tar.parent.mkdir(exist_ok=True)
    print(f"  rootfs: mmdebstrap {suite} (minbase) from {MIRROR}", flush=True)
    part = tar.with_suffix(".part")
    subprocess.run(["mmdebstrap", "--quiet", "--variant=minbase", "--format=tar",
                    "--include=ca-certificates,bash", suite, str(part), MIRROR], check=True)
    part.rename(tar)
    return tar


def _checkout_tar(dest: Path) -> None:
    """The checkout as a user would clone it: tracked files and new ones, nothing ignored."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout
    subprocess.run(["tar", "-cf", str(dest), "--null", "-T", "-"], cwd=ROOT, input=files,
                   check=True)


STEPS = r"""
set -u
mark() { echo "@@ $1 $(date +%s)"; }
# the site's own certificate authorities (this host's egress proxy signs PyPI's certificate),
# given to the fresh system as its administrator would
if ls /host-ca/*.crt >/dev/null 2>&1; then
  cp /host-ca/*.crt /usr/local/share/ca-certificates/ && update-ca-certificates >/dev/null
fi
# a container, not a booted machine: no package may start its daemon here (docker.io's would
# take over the host engine's socket mounted at /run/docker.sock), as Debian's images do
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
mkdir -p /netdojo && tar -xf /checkout.tar -C /netdojo && cd /netdojo
. /etc/os-release; echo "@@ os $PRETTY_NAME"
mark demo-start
bash scripts/demo.sh > /tmp/demo.log 2>&1; echo "@@ demo-rc $?"; tail -n 15 /tmp/demo.log
mark demo-end
echo "@@ python $(.venv/bin/python -V 2>&1)"
echo "@@ managed $(ls /usr/lib/python3*/EXTERNALLY-MANAGED 2>/dev/null | head -1)"
bash scripts/test.sh "$@" > /tmp/test.log 2>&1; echo "@@ test-rc $?"; tail -n 25 /tmp/test.log
grep -E "^(_{3,} .* _{3,}|E  )" /tmp/test.log | head -n 40
mark test-end
"""


def run(suite: str, full: bool) -> dict:
    image, name = f"netdojo-distro/{suite}:check", f"netdojo-distro-{suite}"
    t0 = time.monotonic()
    tar = _rootfs(suite)
    subprocess.run(["docker", "import", str(tar), image], check=True, capture_output=True)
    rootfs_s = time.monotonic() - t0
    args = [] if full else SELECTION
    try:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "checkout.tar"
            _checkout_tar(src)
            ca = ["-v", f"{LOCAL_CA}:/host-ca:ro"] if LOCAL_CA.is_dir() else []
            argv = ["docker", "run", "--name", name, *RUN_FLAGS, *ca,
                    "-v", f"{src}:/checkout.tar:ro",
                    image, "bash", "-c", STEPS, "steps", *args]
            print(f"  {suite}: demo.sh, then test.sh {' '.join(args) or '(whole suite)'}",
                  flush=True)
            p = subprocess.run(argv, capture_output=True, text=True, timeout=3 * 3600)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "rmi", image], capture_output=True)
    marks = dict(m.groups() for m in re.finditer(r"^@@ (\S+) ?(.*)$", p.stdout, re.M))
    tail = [ln for ln in p.stdout.splitlines() if not ln.startswith("@@ ")]
    failed = sorted({m.group(1) for m in re.finditer(r"^_{3,} (test\S+) _{3,}$", p.stdout, re.M)})
    summary = next((ln for ln in reversed(tail) if re.search(r"\d+ passed", ln)), "")
    demo_s = int(marks.get("demo-end", 0)) - int(marks.get("demo-start", 0))
    test_s = int(marks.get("test-end", 0)) - int(marks.get("demo-end", 0))
    return {"suite": suite, "os": marks.get("os", "?"), "python": marks.get("python", "?"),
            "externally_managed": bool(marks.get("managed")), "install_hash": install_hash(),
            "tests": "whole suite" if full else " ".join(args),
            "demo_rc": int(marks.get("demo-rc", -1)), "test_rc": int(marks.get("test-rc", -1)),
            "pytest": summary.strip("= "), "rootfs_s": round(rootfs_s), "demo_s": demo_s,
            "test_s": test_s, "date": time.strftime("%Y-%m-%d %H:%M"),
            "failed": failed, "tail": tail[-80:], "stderr": p.stderr[-2000:]}


def write(rows: list[dict]) -> None:
    (OUT / "distro.json").write_text(json.dumps({"runs": rows}, indent=1) + "\n")
    md = ["# The README's two commands on another Debian release (issue 22.5)", "",
          "`benchmarks/bench_distro.py`: a fresh `minbase` system of the release from Debian's "
          "archive (mmdebstrap), run as a container with the netdojo container's flags on this "
          "host's kernel and engine; the checkout copied in; `scripts/demo.sh`, then "
          "`scripts/test.sh` with the selection shown.", "",
          "| release | Python | externally managed | demo.sh | test.sh | pytest | demo time | "
          "test time | date |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        md.append(f"| {r['os']} | {r['python']} | {'yes' if r['externally_managed'] else 'no'} "
                  f"| exit {r['demo_rc']} | exit {r['test_rc']} | {r['pytest']} | "
                  f"{r['demo_s']} s | {r['test_s']} s | {r['date']} |")
    md += [""] + [f"test.sh ran: `{r['tests']}`" for r in rows] + [""]
    (OUT / "distro.md").write_text("\n".join(md))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--suite", default="trixie")
    ap.add_argument("--full", action="store_true", help="the whole test suite (about 40 min)")
    a = ap.parse_args()
    tear_down_on_signals()
    try:
        row = run(a.suite, a.full)
    except KeyboardInterrupt:
        print("interrupted: the container and its image are removed", file=sys.stderr)
        return 130
    write([row])
    print("\n".join(row["tail"][-25:]))
    print(f"{row['os']}: demo.sh exit {row['demo_rc']} ({row['demo_s']} s), test.sh exit "
          f"{row['test_rc']} ({row['test_s']} s): {row['pytest']}")
    return 0 if row["demo_rc"] == 0 and row["test_rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
