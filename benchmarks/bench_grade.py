"""Issue 10's benchmark: a class of 20 submissions graded with 1 and with 2 workers — for
arp-routing and for a service lab (dns: BIND in containers) — mixed correct, partial, broken
and hostile.  Scores must be identical; reports time per submission and the speed-up.
Targets: >= 1.6x with 2 workers on 2 cores (>= 1.8x for dns); <= 30 s per arp-routing
submission, <= 4 s per dns submission, with 2 workers.

    .venv/bin/python benchmarks/bench_grade.py [--labs arp-routing dns] [--class-size 20] [--passes 3]

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
from netdojo.interrupts import tear_down_on_signals
from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import render_topology
from netdojo.labs.values import values_for

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


# what the numbers mean and how they came to be: appended to grade.md as written
READING = Path(__file__).resolve().parent / "grade_reading.md"


def _busy_cpu_s() -> float:
    """CPU seconds the whole machine spent busy (all processes, the engine included)."""
    v = list(map(int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]))
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def _engine_cpu_s() -> float:
    """CPU seconds dockerd and containerd have used so far."""
    total = 0
    for p in Path("/proc").iterdir():
        try:
            if p.name.isdigit() and (p / "comm").read_text().strip() in ("dockerd", "containerd"):
                f = (p / "stat").read_text().rsplit(")", 1)[1].split()
                total += int(f[11]) + int(f[12])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def _keep_others(new: list[dict]) -> list[dict]:
    """The committed rows of labs not measured this time (`--labs dns` reruns dns alone), each
    with the date it was measured."""
    path = OUT / "grade.json"
    if not path.is_file():
        return []
    old = json.loads(path.read_text())
    done = {r["lab"] for r in new}
    return [{"date": old["meta"]["date"], "kernel": old["meta"]["kernel"], **r}
            for r in old.get("rows", []) if r["lab"] not in done]


def _one_pass(lab, lab_id: str, cls: Path, tmp: Path, size: int) -> dict[int, dict]:
    """The class graded with 1 worker, then with 2: {workers: figures}."""
    per = {}
    for workers in (1, 2):
        out = tmp / f"out{workers}"
        shutil.rmtree(out, ignore_errors=True)
        t0, cpu0, eng0 = time.monotonic(), _busy_cpu_s(), _engine_cpu_s()
        res = grade_class(lab, [cls], out, workers=workers, regrade=True,
                          log=lambda m: print(f"  {m}", flush=True))
        wall = time.monotonic() - t0
        cpu, eng = _busy_cpu_s() - cpu0, _engine_cpu_s() - eng0
        per[workers] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                        "cores_busy": round(cpu / wall, 2),
                        "engine_cpu_share": round(eng / cpu, 2) if cpu else 0,
                        "per_submission_s": round(wall / size, 2),
                        "graded": res.graded, "not_graded": len(res.failed),
                        "phases": phases(out), "scores": scores(out)}
        print(f"{lab_id} {workers} worker(s): {wall:.1f} s", flush=True)
    return per


def main() -> int:
    # Ctrl-C and SIGTERM tear the live runs down, even when started from a script in the
    # background (which inherits SIGINT ignored)
    tear_down_on_signals()
    ap = argparse.ArgumentParser()
    ap.add_argument("--labs", nargs="*", default=["arp-routing", "dns"])
    ap.add_argument("--class-size", type=int, default=20)
    ap.add_argument("--passes", type=int, default=3,
                    help="passes of 1 then 2 workers; the median speed-up's pass is reported")
    ap.add_argument("--render", action="store_true",
                    help="only write grade.md again from grade.json (its reading edited)")
    a = ap.parse_args()
    if a.render:
        saved = json.loads((OUT / "grade.json").read_text())
        write_md(saved["meta"], saved["rows"])
        return 0
    rows = []
    for lab_id in a.labs:
        lab = find_lab(lab_id)
        with tempfile.TemporaryDirectory(prefix="netdojo-bench-grade-") as tmp:
            cls = Path(tmp) / "class"
            cls.mkdir()
            kinds = make_class(lab_id, cls, a.class_size)
            passes = [_one_pass(lab, lab_id, cls, Path(tmp), a.class_size)
                      for _ in range(a.passes)]
            # the pass whose speed-up is the median stands for the lab; every pass is kept
            ratios = [p[1]["wall_s"] / p[2]["wall_s"] for p in passes]
            per = passes[sorted(range(len(passes)), key=ratios.__getitem__)[len(passes) // 2]]
            same = all(p[w]["scores"] == per[2]["scores"] for p in passes for w in (1, 2))
            topo = render_topology(lab, values_for(lab, "s000"))
            rows.append({"lab": lab_id, "size": a.class_size,
                         "congestion": ", ".join(sorted({topo.congestion_of(n) for n, node
                                                         in topo.nodes.items()
                                                         if node.kind != "switch"})),
                         "kinds": {k: list(kinds.values()).count(k) for k in set(kinds.values())},
                         "one": {k: v for k, v in per[1].items() if k != "scores"},
                         "two": {k: v for k, v in per[2].items() if k != "scores"},
                         "speedup": round(per[1]["wall_s"] / per[2]["wall_s"], 2),
                         "passes": [{"one_s": p[1]["wall_s"], "two_s": p[2]["wall_s"],
                                     "speedup": round(r, 2)} for p, r in zip(passes, ratios,
                                                                             strict=True)],
                         "identical_scores": same, "scores": per[2]["scores"]})
    meta = {"date": time.strftime("%Y-%m-%d %H:%M"), "kernel": platform.release(),
            "cpus": os.cpu_count()}
    for r in rows:
        r["date"], r["kernel"] = meta["date"], meta["kernel"]
    rows = _keep_others(rows) + rows
    (OUT / "grade.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    write_md(meta, rows)
    return 0


def write_md(meta: dict, rows: list[dict]) -> None:
    when = "; ".join(f"{r['lab']} {r['date']} (kernel {r['kernel']}, TCP "
                     f"{r.get('congestion', 'not recorded')})" for r in rows)
    lines = ["# Grading a class: 1 worker against 2", "",
             f"Measured: {when}; {meta['cpus']} CPUs.  "
             "`benchmarks/bench_grade.py`: each class is half correct (the solution), a quarter "
             "partial (the starter), the rest broken (binary garbage) or hostile (an archive "
             "with `../`, symbolic links out and an 8 MB file).  Every submission is graded in "
             "its own run and process.  Each lab is graded in "
             "passes (1 worker, then 2); the table shows the pass with the median speed-up and "
             "lists every pass's.", "",
             "| lab | submissions | 1 worker | 2 workers | per submission (2 workers) | "
             "speed-up | every pass | identical scores |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        mix = ", ".join(f"{v} {k}" for k, v in sorted(r["kinds"].items()))
        lines.append(f"| {r['lab']} | {r['size']} ({mix}) | "
                     f"{r['one']['wall_s']} s | {r['two']['wall_s']} s | "
                     f"{r['two']['per_submission_s']} s | **{r['speedup']}×** | "
                     + (", ".join(f"{p['speedup']}×" for p in r.get("passes", [])) or "one")
                     + f" | {'yes' if r['identical_scores'] else '**no**'} |")
    lines += ["", "Targets: speed-up ≥ 1.6× with 2 workers on 2 cores (≥ 1.8× for dns, issue 18.4); "
              "≤ 30 s per arp-routing submission and ≤ 4 s per dns submission with 2 workers.", "",
              "Median seconds per phase of one graded submission (up: the run built, with "
              "config files that go in before their daemon's first start and the scripts that "
              "make them; apply: the student's other files; checks; rest: process start, "
              "intake and teardown):", "",
              "| lab | workers | up | apply | checks | rest | total |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        for key, n in (("one", 1), ("two", 2)):
            ph = r[key].get("phases") or {}
            lines.append(f"| {r['lab']} | {n} | " + " | ".join(
                f"{ph.get(k, 0):.2f}" for k in ("up", "apply", "checks", "rest", "total")) + " |")
    lines += ["", "CPU of each pass, the whole machine (busy time from /proc/stat; the engine's "
              "share is dockerd and containerd):", "",
              "| lab | workers | wall | CPU busy | cores busy | engine's share |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        for key, n in (("one", 1), ("two", 2)):
            p = r[key]
            lines.append(f"| {r['lab']} | {n} | {p['wall_s']} s | {p['cpu_s']} s | "
                         f"{p['cores_busy']} of {meta['cpus']} | "
                         f"{p['engine_cpu_share'] * 100:.0f} % |")
    lines += ["", READING.read_text().rstrip("\n")]
    (OUT / "grade.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
