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
- **dns** (BIND and a web server in four containers; pc, the client, is a namespace node
  since 2026-12-06): the checker's probes and the services' readiness polls run from the host
  side into the nodes' namespaces (`nsenter`) since 2026-12-03.  Since 2026-12-05 a container
  starts with the engine's networking disabled (no `libnetwork-setkey` hook and no `set-ipv6`
  re-exec of dockerd: 94 ms of CPU a container instead of 215), its /etc/hosts and resolv.conf
  bound in from the run's folder; a service's files, its check and its start are one
  `docker exec`, a zone file is judged by named-checkzone as nobody from the host side.
- 2026-12-06, five changes, each measured on one machine (one pass each unless said; the
  one-worker time moves by ±5 % between passes):

  | code | 1 worker | 2 workers | speed-up |
  |---|---|---|---|
  | before (five containers) | 87.1 s | 50.2 s | 1.74× |
  | pc a namespace node (a) | 83.1 s | 51.6 s | 1.61× |
  | (a) and (b) | 81.0 s | 47.1 s | 1.72× |
  | (a) and (b), again | 77.5 s | 44.9 s | 1.73× |
  | (c) web's page from nginx | 66.5 s | 36.7 s | 1.81× |
  | (c) and (d) | 72.1 s | 40.7 s | 1.77× |
  | (c) and (d), again | 68.9 s | 39.7 s | 1.74× |
  | (e) zones in before BIND's first start | 62.1 s | 34.5 s | 1.80× |
  | (e), again | 62.2 s | 35.7 s | 1.74× |
  | (e), again (the table) | 61.0 s | 34.7 s | 1.76× |

  (a): pc's tools are the host's, its scripts run in the sandbox over the lab image.  (b):
  hypercorn serves in one process (`--workers 0`), and each submission is forked from a fork
  server that imported netdojo once instead of a fresh interpreter.

  The fork server took the "rest" phase from 0.48 s to 0.26 s (a fresh interpreter spent
  0.35 s of CPU importing netdojo, `-X importtime`); `--workers 0` took a web node's start from
  0.36 s to 0.30 s of CPU (its cgroup's `cpu.stat`; hypercorn's one worker was a second Python
  importing everything again).  A class is graded 11 % sooner with either number of workers,
  a submission in 2.25 s (target ≤ 4 s, met).

  (c), 2026-12-06 evening: the dns lab's web is a `page` service (nginx, one page over
  HTTP/1.1) instead of hypercorn, whose start took 0.30 s of CPU and was the last node ready:
  up 1.41 → 1.00–1.15 s alone, the machine's CPU for a class 56 → 44–52 s.  (d): readiness
  polls ask /proc/PID/net/{udp,tcp} from the host before starting a dig or a curl, a
  container's PID is remembered with its start time instead of asked of the engine per probe,
  and the grader probes the host's capabilities once for all its workers (30 ms a run).
  (d) moved one check's CPU by less than the noise (2.28 against 2.23 s, medians of six).
  The three passes of the same kind of code give 1.74–1.81×: the pass-to-pass spread is as
  wide as the gap left.
  (e), 2026-12-06 night (kernel 6.18.44-fc-v1300): a student's zone files go in before ns1's
  first start — a script that makes them runs once the network stands, "before the zones are
  served" as the worksheet says — so BIND starts once on them instead of on netdojo's zones
  and again on the student's (`labs/handin.py`, `Session.start(..., given=)`): apply 0.43 →
  0.19 s, a `docker exec` and a daemon start fewer, the machine's CPU for a class 47–49 →
  40 s, a submission 1.7–1.8 s with 2 workers.  Three passes: 1.80×, 1.74×, 1.76×.
  **1.8× is met by one pass in three, not reliably (median 1.76×; the table is that pass).**
- Why (2026-12-06, one dns check of the solution timed part by part, twice alone and twice
  with two started at once): the four containers' start took 0.39–0.40 s alone and
  0.51–0.71 s side by side; the services' starts 0.81–0.85 s and 0.79–1.01 s; the whole check
  4.8–5.0 s and 5.2–5.6 s.  The containers start in parallel, and alone they already keep both
  cores busy for that 0.4 s (each costs the engine, its shim, runc and the node's own
  processes ~0.1–0.2 s of CPU: ns1 0.18 s, res 0.11 s, root 0.09–0.12 s, web 0.30 s); two runs'
  starts meeting is the whole gap (up: 1.41 s a submission alone, 1.84 s side by side; the
  checks, apply and the rest move by less than 0.1 s).  What is left is the engine itself:
  services on namespace nodes under the lab image's files (bubblewrap, as student scripts
  already run, ~30 ms to start) instead of containers — a new node kind, not made.
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
    write_md(meta, rows)
    return 0


def write_md(meta: dict, rows: list[dict]) -> None:
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
    lines += ["", READING]
    (OUT / "grade.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    raise SystemExit(main())
