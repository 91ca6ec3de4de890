"""Issue 17.4's proof: worksheet examples earn nothing, and a constant answer (the median of
the other students' answers for each key) earns a check's points for at most one student in
ten.  Each student's reference solution is checked live; then, in the same session, the answers
are replaced by each example block of both worksheets, by a blank sheet, and by the constant
sheet copied from the others.  Too long
for CI (a lab session per student); run by scripts/lab-proofs.sh free-points, whose committed results
tests/unit/test_free_points_results.py reads, refusing results older than the lab's files.

    .venv/bin/python benchmarks/bench_free_points.py [--labs arp-routing dns] [--students 20]

(as root).  Writes results/free_points.{json,md}; a lab given with --labs is updated in place.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from lab_results import elsewhere, taken  # benchmarks/, beside this script

from netdojo.interrupts import tear_down_on_signals
from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.fingerprint import checks_hash
from netdojo.labs.freepoints import example_sheets, measure
from netdojo.net import hwsim

OUT = Path(__file__).resolve().parent / "results"
LIMIT = 0.1  # a constant answer may earn a check's points for at most one student in ten


def one(lab_id: str, n: int) -> dict:
    lab = find_lab(lab_id)
    t0 = time.monotonic()
    students = [f"fp{i:03d}" for i in range(1, n + 1)]
    fp = measure(lab, students, log=lambda m: print("  " + m, flush=True))
    doc = fp.as_dict()
    share = doc["constant_share"]
    doc.update({"checks_hash": checks_hash(lab),
                "example_answers": [sheet for _, sheet in example_sheets(lab)],
                "seconds": round(time.monotonic() - t0, 1),
                "answer_checks": sorted(c for c, keys in fp.reads.items() if keys),
                "over_limit": sorted(c for c, keys in fp.reads.items()
                                     if keys and share.get(c, 0) > LIMIT),
                "all_full": all(s.baseline_full for s in fp.students),
                "constant_blocks": "per key",  # see freepoints._constant
                "machine": f"{platform.node()} {platform.release()}",  # wifi's is the lab VM
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())})
    return doc


def markdown(doc: dict) -> str:
    lines = ["# Free points (issue 17.4)", "",
             f"Machine: {doc['machine']}; run {doc['when']}.  For each lab, N students' reference "
             "solutions checked live; in the same session the answers are replaced by every "
             "YAML example block of both worksheets, and by a constant sheet: per key, the median "
             "of the other students' answers (the most common value for a non-number; labs "
             "marked *class* used the whole class's median, which counts the middle students' "
             "own answers as constant wins — a stricter count).  *Example earns* is the most any "
             "example earned on a check for any student (over a blank sheet); *constant wins* "
             f"is the share of students for whom the constant sheet earned the check's points "
             f"(limit {LIMIT:.0%}).  Produced by `scripts/lab-proofs.sh free-points`.", "",
             "| lab | students | solutions | examples | example earns | checks over the limit "
             "(constant wins) | time |", "|---|---|---|---|---|---|---|"]
    for r in doc["labs"]:
        ex = ", ".join(f"{c} {p:g}" for c, p in r["example_earnings"].items()) or "nothing"
        over = ", ".join(f"{c} {r['constant_share'][c]:.0%}" for c in r["over_limit"]) or "none"
        of = "" if r.get("constant_of") == "others" else " (class)"
        short = [f"{s['student']} short on {', '.join(s['short'])}" for s in r["students"]
                 if not s["baseline_full"] and s.get("short")]
        sols = "all full" if r["all_full"] else "; ".join(short) or "not all full"
        lines.append(f"| {r['lab']}{of} | {len(r['students'])} | {sols} | {len(r['examples'])} | "
                     f"{ex} | "
                     f"{over} | {r['seconds']:.0f} s |")
    if away := elsewhere(doc):
        lines += ["", "Run on another machine (a lab needing radios runs in the lab VM):", "",
                  *away]
    lines += ["", "Constant share of every check that reads answers:", ""]
    for r in doc["labs"]:
        parts = [f"{c} {r['constant_share'][c]:.0%}" for c in r["answer_checks"]]
        lines.append(f"- **{r['lab']}**: " + (", ".join(parts) or "no answer checks"))
    return "\n".join(lines) + "\n"


def main() -> None:
    # Ctrl-C and SIGTERM tear the live runs down, even when started from a script in the
    # background (which inherits SIGINT ignored)
    tear_down_on_signals()
    ap = argparse.ArgumentParser()
    ap.add_argument("--labs", nargs="*", help="only these labs (default: every lab)")
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--take-from", type=Path, metavar="FILE",
                    help="take --labs' results from FILE (this benchmark's output in the lab "
                         "VM; scripts/lab-proofs.sh does it) instead of running them here")
    a = ap.parse_args()
    path = OUT / "free_points.json"
    old = json.loads(path.read_text()) if path.exists() else {"labs": []}
    done = {r["lab"]: r for r in old["labs"]}
    if a.take_from:
        done.update(taken(a.take_from, a.labs or []))
        _write(path, done)
        print((OUT / "free_points.md").read_text())
        return
    for lab_id in a.labs or lab_ids():
        lab = find_lab(lab_id)
        if not (lab.dir / "solution").is_dir() or not (lab.dir / "starter" / "answers.yaml").is_file():
            continue
        if "wifi" in find_lab(lab_id).needs and not hwsim.available():
            print(f"{lab_id}: its last result kept — it needs mac80211_hwsim radios: "
                  f"scripts/lab-proofs.sh free-points {lab_id} runs it in the lab VM", flush=True)
            continue
        print(f"{lab_id}…", flush=True)
        done[lab_id] = one(lab_id, a.students)
        _write(path, done)  # after each lab: an interrupted run keeps the labs it finished
    print((OUT / "free_points.md").read_text())


def _write(path: Path, done: dict[str, dict]) -> None:
    doc = {"machine": f"{platform.node()} {platform.release()}, {os.cpu_count()} CPUs",
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "labs": [done[k] for k in sorted(done)]}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n")
    (OUT / "free_points.md").write_text(markdown(doc))

if __name__ == "__main__":
    main()
