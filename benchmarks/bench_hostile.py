"""Issue 17's "done when", measured: a hostile class graded on this machine.  Every submission
is arp-routing's solution with one attack put in its scripts or answers (each one a case the
issue names); the grader runs them with 2 workers through `netdojo grade` and this records
what each scored and said, the largest process of the grading tree (student processes are
capped at 256 MiB by their cgroup), the grade's time, and what was left afterwards: namespaces,
scratch folders, cgroups, processes, files written outside, a secret of the host in any output.

    .venv/bin/python benchmarks/bench_hostile.py

(as root).  Writes results/hostile.{json,md}.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netdojo.labs.catalog import find_lab
from netdojo.net import netns

OUT = Path(__file__).resolve().parent / "results"
LAB = find_lab("arp-routing")
MARK = "/tmp/netdojo-hostile-was-here"
# nine levels of nine aliases: 387 million values once expanded (the 6.2 GB file)
BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)) + "gateway_mac: *a8\n"
ATTACKS = {
    "honest": ("", None),
    "reads_host": ("head -1 /etc/shadow > \"$LAB_OUT/stolen\"; ls / > \"$LAB_OUT/root\"\n", None),
    "writes_outside": (f"echo owned > {MARK}; echo owned > /etc/netdojo-owned\n", None),
    "fork_bomb": ("f() { f | f & }; f 2>/dev/null & sleep 3\n", None),
    "memory_hog": ("python3 -c 'x = bytearray(2 << 30); print(len(x))' || true\n", None),
    "output_flood": ("yes netdojo | head -c 3000000000\n", None),
    "daemon_left": ("setsid sleep 100000 </dev/null >/dev/null 2>&1 &\n", None),
    "signals_grader": ("kill -9 -1 2>/dev/null; kill -TERM 1 2>/dev/null; true\n", None),
    "busy_loop": ("while :; do :; done\n", None),
    "alias_bomb": ("", BOMB),
    "deep_nesting": ("", "gateway_mac: " + "[" * 50000 + "]" * 50000 + "\n"),
}


def make_class(folder: Path) -> None:
    for student, (script, answers) in ATTACKS.items():
        dest = folder / student
        shutil.copytree(LAB.dir / "solution", dest)
        if script:
            text = (dest / "make-routes.sh").read_text()
            lines = text.splitlines(keepends=True)
            lines.insert(1, script)  # right after the #! line: before the real work
            (dest / "make-routes.sh").write_text("".join(lines))
        if answers is not None:
            (dest / "measure.sh").unlink()
            (dest / "answers.yaml").write_text(answers)


def leftovers(before_ns: set[str]) -> dict[str, list[str]]:
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return {
        "namespaces": sorted(set(netns.listed()) - before_ns),
        "scratch": sorted(p.name for p in Path("/dev/shm").glob("netdojo-*")),
        "cgroups": sorted(str(p) for p in Path("/sys/fs/cgroup").rglob("netdojo-*")
                          if p.is_dir()),
        "processes": [ln.strip() for ln in ps.splitlines()
                      if "sleep 100000" in ln or "netdojo yes" in ln],
        "files_outside": [p for p in (MARK, "/etc/netdojo-owned") if os.path.exists(p)],
    }


def main() -> int:
    shadow = Path("/etc/shadow").read_text().splitlines()[0]
    before_ns = set(netns.listed())
    with tempfile.TemporaryDirectory(prefix="netdojo-hostile-") as tmp:
        klass, out = Path(tmp) / "class", Path(tmp) / "out"
        klass.mkdir()
        make_class(klass)
        t0 = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "netdojo", "grade", LAB.id, str(klass),
                            "--workers", "2", "--out", str(out)], capture_output=True, text=True)
        seconds = time.monotonic() - t0
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        left = leftovers(before_ns)
        results = {}
        for student in ATTACKS:
            f = out / "students" / student / "results.json"
            doc = json.loads(f.read_text()) if f.is_file() else {}
            tests = doc.get("tests", [])
            lost = [t["output"] for t in tests if t.get("status") != "passed"]
            results[student] = {"score": doc.get("score"),
                                "max_score": sum(t.get("max_score", 0) for t in tests),
                                "messages": ([doc["output"]] if not tests and doc.get("output")
                                             else [m[:200] for m in lost[:3]])}
        leaked = [str(p) for p in out.rglob("*") if p.is_file()
                  and shadow.encode() in p.read_bytes()]
    doc = {"machine": f"{platform.node()} {platform.release()}",
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "grade_exit": r.returncode, "grade_stderr_tail": r.stderr[-600:],
           "seconds": round(seconds, 1), "peak_rss_mib": round(peak_mib),
           "results": results, "left": left, "host_secret_in_outputs": leaked}
    (OUT / "hostile.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    md = ["# A hostile class graded (issue 17)", "",
          f"Machine: {doc['machine']}; run {doc['when']}.  arp-routing's solution with one "
          "attack each, `netdojo grade --workers 2`: exit "
          f"{r.returncode} in {doc['seconds']} s; the largest process of the grading tree "
          f"{doc['peak_rss_mib']} MiB (target < 1024).", "",
          "| submission | score | what the feedback says (first lines that lost points) |",
          "|---|---|---|"]
    for s, v in results.items():
        said = "; ".join(m.replace("\n", " ").replace("|", "/") for m in v["messages"])
        md.append(f"| {s} | {v['score']}/{v['max_score']} | {said[:300] or '—'} |")
    md += ["", "Left afterwards: " + (", ".join(f"{k}: {v}" for k, v in left.items() if v)
                                       or "nothing (namespaces, scratch, cgroups, processes, "
                                          "files outside)") + ".",
           "The host's /etc/shadow line in any output: " + (", ".join(leaked) or "nowhere") + "."]
    (OUT / "hostile.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
