"""Issue 10's benchmark: a class of 20 submissions graded with 1 and with 2 workers — for
arp-routing and for a service lab (dns: BIND in containers) — mixed correct, partial, broken
and hostile.  Scores must be identical; reports time per submission and the speed-up.
Targets: >= 1.6x with 2 workers on 2 cores (>= 1.8x for dns); <= 30 s per arp-routing
submission, <= 4 s per dns submission, with 2 workers.

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
from netdojo.interrupts import tear_down_on_signals
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
- **dns** (BIND and a web server in five containers): the checker's probes and the services'
  readiness polls run from the host side into the nodes' namespaces (`nsenter`) since
  2026-12-03.  Since 2026-12-05 a container starts with the engine's networking disabled
  (runc makes the empty network namespace; no `libnetwork-setkey` hook and no `set-ipv6`
  re-exec of dockerd: 94 ms of CPU a container instead of 215, one perf trace each), its
  /etc/hosts and resolv.conf bound in from the run's folder; a service's files, its check and its
  start are one `docker exec` (was two or three), a zone file is judged by named-checkzone
  as nobody from the host side, and a replaced zone restarts BIND in that same exec.  A dns
  run now makes 6 `docker exec` instead of 12 (counted with perf), and one graded submission
  costs the machine 2.6–3.0 s of CPU instead of 3.4 s (CPU busy of the passes / 22 grades).
- Measured on 2026-12-05, same machine, same hour: before, 91.7 s with one worker and 56.4 s
  with two (1.63×, 2.82 s a submission); after, three passes: 85.9 / 48.4 s (1.77×),
  81.4 / 48.1 s (1.69×), 78.4 / 47.8 s (1.64×, the table).  Two workers grade a class 15 %
  sooner and every submission in 2.4 s (target ≤ 4 s, met); the **1.8× target is still not
  met**: the one-worker pass got faster by as much as the two-worker pass, and what two
  workers still share is bringing runs up (1.3 s a submission alone, 1.9 s side by side; in
  a one-off trial, five containers made at once took 0.22 s alone, 0.42 s beside five more) while
  the checks (1.4 s, mostly waiting on the network) overlap well.  The one-worker time moves
  by ±5 % between passes; the two-worker time by ±1 %.
- Where the two-worker time goes (2026-12-06: one dns `lab check` of the solution, timed part
  by part, twice alone and twice beside another): the containers' start took 0.52–0.55 s alone
  and 0.66–1.13 s side by side, their removal 0.24–0.25 s alone and 0.26–0.44 s side by side;
  the services' starts and the checks moved by less than 0.1 s.  Five containers cost the
  engine 0.59 s of CPU (about 120 ms each, median of five trials), and dropping a container's
  log, its init process or its resource limits changed that by at most 0.03 s.  So two runs'
  container starts meet head-on on two cores; 1.8× needs fewer containers per run (pc, res,
  root and ns1 are containers because BIND and the student's tools come from the lab image,
  not the host) — a change to the lab, not made.
- The checker's traceroute (the `locate` check) waits 2 s for the probes that web's ICMP rate
  limit leaves unanswered (`-w 2`).  `-w 2,3,10` ended the same trace in 0.04 s (measured
  2026-12-05), but by the tool's rule it then gives up on a probe 3 times a sibling's round
  trip after that one answered: on links of a tenth of a millisecond, a router's answer that
  the scheduler delays by less than a millisecond would read `*`, and the path checks
  (arp-routing, diagnostics, dns, topologies) could fail a correct submission under load.
  Not changed.
"""


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


def main() -> int:
    # Ctrl-C and SIGTERM tear the live runs down, even when started from a script in the
    # background (which inherits SIGINT ignored)
    tear_down_on_signals()
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
                t0, cpu0, eng0 = time.monotonic(), _busy_cpu_s(), _engine_cpu_s()
                res = grade_class(lab, [cls], out, workers=workers, regrade=True,
                                  log=lambda m: print(f"  {m}", flush=True))
                wall = time.monotonic() - t0
                cpu, eng = _busy_cpu_s() - cpu0, _engine_cpu_s() - eng0
                per[workers] = {"wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
                                "cores_busy": round(cpu / wall, 2),
                                "engine_cpu_share": round(eng / cpu, 2) if cpu else 0,
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
    for r in rows:
        r["date"], r["kernel"] = meta["date"], meta["kernel"]
    rows = _keep_others(rows) + rows
    (OUT / "grade.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=1) + "\n")
    when = "; ".join(f"{r['lab']} {r['date']} (kernel {r['kernel']})" for r in rows)
    lines = ["# Grading a class: 1 worker against 2", "",
             f"Measured: {when}; {meta['cpus']} CPUs.  "
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
    lines += ["", "Targets: speed-up ≥ 1.6× with 2 workers on 2 cores (≥ 1.8× for dns, issue 18.4); "
              "≤ 30 s per arp-routing submission and ≤ 4 s per dns submission with 2 workers.", "",
              "Median seconds per phase of one graded submission (up: the run built; apply: "
              "the student's files; checks; rest: process start, intake and teardown):", "",
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
    lines += ["", READING]
    (OUT / "grade.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
