"""Issue 10's benchmark: a class of 20 submissions graded with 1 and with 2 workers — for
arp-routing and for a service lab (dns: BIND in containers) — mixed correct, partial, broken
and hostile.  Scores must be identical; reports time per submission and the speed-up.
Targets: >= 1.6x with 2 workers on 2 cores; <= 30 s per arp-routing submission with 2 workers.

    .venv/bin/python benchmarks/bench_grade.py [--labs arp-routing dns] [--class-size 20]

(as root; these machines have no sudo).  Writes results/grade.{json,md}.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from netdojo.grade.gradebook import Gradebook
from netdojo.grade.grader import grade_class
from netdojo.labs.catalog import find_lab

OUT = Path(__file__).resolve().parent / "results"


def make_class(lab_id: str, folder: Path, size: int) -> dict[str, str]:
    """size submissions: half the solution, a quarter the starter, the rest broken or hostile.
    Returns student → kind."""
    lab = find_lab(lab_id)
    kinds = {}
    for i in range(size):
        sid = f"s{i:03d}"
        kind = ("correct", "correct", "partial")[i % 4] if i % 4 != 3 else \
            ("broken" if i % 8 == 3 else "hostile")
        kinds[sid] = kind
        dest = folder / sid
        if kind in ("correct", "partial"):
            shutil.copytree(lab.dir / ("solution" if kind == "correct" else "starter"), dest)
        elif kind == "broken":  # binary garbage where every file is expected
            dest.mkdir()
            for f in lab.files:
                if not f.optional:
                    (dest / f.name).write_bytes(os.urandom(512))
        else:  # an archive that tries to escape, links out, and hides a big file
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w:gz") as t:
                for name, data in {"../../escape": b"x", "big.bin": b"\0" * (8 << 20)}.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    t.addfile(info, io.BytesIO(data))
                for f in lab.files:
                    link = tarfile.TarInfo(f.name)
                    link.type, link.linkname = tarfile.SYMTYPE, "/etc/shadow"
                    t.addfile(link)
            (folder / f"{sid}.tar.gz").write_bytes(buf.getvalue())
    return kinds


def phases(out: Path) -> dict[str, float]:
    """Median seconds per phase of the graded attempts: building the run, applying the
    student's files, the checks, and the rest (process start, intake, teardown)."""
    import statistics

    book = Gradebook(out / "gradebook.sqlite")
    try:
        rows = []
        for a in book.latest():
            if a.status not in ("graded", "regrade"):
                continue
            up, apply = a.timings.get("up", 0.0), a.timings.get("apply", 0.0)
            checks = sum(c.get("seconds") or 0.0 for c in a.checks)
            rows.append({"up": up, "apply": apply, "checks": checks,
                         "rest": a.seconds - up - apply - checks, "total": a.seconds})
    finally:
        book.close()
    return {k: round(statistics.median(r[k] for r in rows), 2) for k in rows[0]} if rows else {}


def scores(out: Path) -> dict[str, float]:
    book = Gradebook(out / "gradebook.sqlite")
    try:
        return {a.student: a.score for a in book.latest()}
    finally:
        book.close()


READING = """## Reading it

- Each pass also grades the lab's reference solution before every 10 submissions (the
  calibration), in the same worker pool; its time is in the totals.
- **arp-routing** (namespaces only) meets both targets.
- **dns** (BIND in containers: each run starts and removes three containers, each a pod of two)
  misses 1.6×: 1.47× on 2026-11-29 17:17 (1.48× and 1.53× in earlier runs). The per-phase
  medians above now show where the time goes. With two workers, the phases that create,
  configure and remove containers slow down: building the run goes from 3.6 to 5.8 s, applying
  the zones (docker exec, BIND restarted) from 1.8 to 2.4 s, and the teardown from 1.0 to
  1.4 s. The checks themselves (dig from a namespace) do not slow down (2.2 to 1.9 s). The
  container life cycle of two runs at once (dockerd, containerd and runc on the same two
  cores) is what keeps dns below 1.6×, not the grader. Fewer containers per run would help:
  a pod holder is needed only on nodes a lab crashes and restarts. That is not done.
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labs", nargs="*", default=["arp-routing", "dns"])
    ap.add_argument("--class-size", type=int, default=20)
    a = ap.parse_args()
    rows = []
    for lab_id in a.labs:
        lab = find_lab(lab_id)
        with tempfile.TemporaryDirectory(prefix="netdojo-bench-grade-") as tmp:
            cls = Path(tmp) / "class"
            cls.mkdir()
            kinds = make_class(lab_id, cls, a.class_size)
            per = {}
            for workers in (1, 2):
                out = Path(tmp) / f"out{workers}"
                t0 = time.monotonic()
                res = grade_class(lab, [cls], out, workers=workers, regrade=True,
                                  log=lambda m: print(f"  {m}", flush=True))
                wall = time.monotonic() - t0
                per[workers] = {"wall_s": round(wall, 1),
                                "per_submission_s": round(wall / a.class_size, 2),
                                "graded": res.graded, "not_graded": len(res.failed),
                                "phases": phases(out),
                                "scores": scores(out)}
                print(f"{lab_id} {workers} worker(s): {wall:.1f} s", flush=True)
            same = per[1]["scores"] == per[2]["scores"]
            rows.append({"lab": lab_id, "size": a.class_size,
                         "kinds": {k: list(kinds.values()).count(k) for k in set(kinds.values())},
                         "one": {k: v for k, v in per[1].items() if k != "scores"},
                         "two": {k: v for k, v in per[2].items() if k != "scores"},
                         "speedup": round(per[1]["wall_s"] / per[2]["wall_s"], 2),
                         "identical_scores": same, "scores": per[2]["scores"]})
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "kernel": platform.release(),
            "cpus": os.cpu_count()}
    (OUT / "grade.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    lines = ["# Grading a class: 1 worker against 2", "",
             f"{meta['date']}, kernel {meta['kernel']}, {meta['cpus']} CPUs.  "
             "`benchmarks/bench_grade.py`: each class is half correct (the solution), a quarter "
             "partial (the starter), the rest broken (binary garbage) or hostile (an archive "
             "with `../`, symbolic links out and an 8 MB file).  Every submission is graded in "
             "its own run and process.", "",
             "| lab | submissions | 1 worker | 2 workers | per submission (2 workers) | "
             "speed-up | identical scores |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        mix = ", ".join(f"{v} {k}" for k, v in sorted(r["kinds"].items()))
        lines.append(f"| {r['lab']} | {r['size']} ({mix}) | "
                     f"{r['one']['wall_s']} s | {r['two']['wall_s']} s | "
                     f"{r['two']['per_submission_s']} s | **{r['speedup']}×** | "
                     f"{'yes' if r['identical_scores'] else '**no**'} |")
    lines += ["", "Targets: speed-up ≥ 1.6× with 2 workers on 2 cores; ≤ 30 s per arp-routing "
              "submission with 2 workers.", "",
              "Median seconds per phase of one graded submission (up: the run built; apply: "
              "the student's files; checks; rest: process start, intake and teardown):", "",
              "| lab | workers | up | apply | checks | rest | total |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        for key, n in (("one", 1), ("two", 2)):
            ph = r[key].get("phases") or {}
            lines.append(f"| {r['lab']} | {n} | " + " | ".join(
                f"{ph.get(k, 0):.2f}" for k in ("up", "apply", "checks", "rest", "total")) + " |")
    lines += ["", READING]
    (OUT / "grade.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
