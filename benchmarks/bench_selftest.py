"""Issue 17.6's proof, for every lab: the reference solution scores full marks and each check
has a mutant of the solution (labs/LAB/mutants.yaml) that it catches alone.  Too long for CI
(a fresh lab per mutant); run by scripts/lab-proofs.sh selftest, whose committed results
tests/unit/test_selftest_results.py reads, refusing results older than the lab's files.

    .venv/bin/python benchmarks/bench_selftest.py [--labs arp-routing dns] [--student alice]

(as root).  Writes results/selftest.{json,md}; a lab given with --labs is updated in place.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from lab_results import taken  # benchmarks/, beside this script

from netdojo.errors import NetdojoError
from netdojo.interrupts import tear_down_on_signals
from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.checks import load_checks
from netdojo.labs.fingerprint import checks_hash
from netdojo.labs.selftest import load_mutants, selftest
from netdojo.net import hwsim

OUT = Path(__file__).resolve().parent / "results"


def one(lab_id: str, student: str) -> dict:
    lab = find_lab(lab_id)
    t0 = time.monotonic()
    if not load_mutants(lab):
        names = [c.name for c in load_checks(lab.dir / "checks.py", lab.id).checks]
        return {"lab": lab.id, "checks_hash": checks_hash(lab), "student": student, "ok": False,
                "mutants": [], "unproven": names, "seconds": 0.0}
    try:
        rep = selftest(lab, student, log=lambda m: print("  " + m, flush=True))
    except NetdojoError as e:
        return {"lab": lab.id, "checks_hash": checks_hash(lab), "student": student, "ok": False,
                "mutants": [], "unproven": [], "error": str(e),
                "seconds": round(time.monotonic() - t0, 1)}
    return {**rep.as_dict(), "seconds": round(time.monotonic() - t0, 1)}


def markdown(doc: dict) -> str:
    lines = ["# Mutation self-tests (issue 17.6)", "",
             f"Machine: {doc['machine']}; run {doc['when']}.  A mutant is a small mistake made "
             "to the reference solution for one check; *killed* means that check lost points "
             "and no other check did — or, where two checks are one idea by design, exactly "
             "the checks its `also` names (listed under *fail together*).  Produced by "
             "`scripts/lab-proofs.sh selftest`.", "",
             "| lab | mutants killed | fail together | checks with no mutant | verdict | time |",
             "|---|---|---|---|---|---|"]
    for r in doc["labs"]:
        killed = sum(m["verdict"] == "killed" for m in r["mutants"])
        bad = [f"{m['check']} {m['verdict']}" for m in r["mutants"] if m["verdict"] != "killed"]
        verdict = "all proven" if r["ok"] else (r.get("error") or "; ".join(bad) or "unproven")
        if r.get("machine"):  # a lab proven elsewhere (wifi: in the lab VM, for its radios)
            verdict += f" (on {r['machine']})"
        together = ", ".join(f"{m['check']} with {' and '.join(m['also'])}"
                             for m in r["mutants"] if m.get("also")) or "—"
        lines.append(f"| {r['lab']} | {killed} of {len(r['mutants'])} | {together} | "
                     f"{', '.join(r['unproven']) or '—'} | {verdict} | {r['seconds']:.0f} s |")
    return "\n".join(lines) + "\n"


def main() -> None:
    # Ctrl-C and SIGTERM tear the live runs down, even when started from a script in the
    # background (which inherits SIGINT ignored)
    tear_down_on_signals()
    ap = argparse.ArgumentParser()
    ap.add_argument("--labs", nargs="*", help="only these labs (default: every lab)")
    ap.add_argument("--student", default="alice")
    ap.add_argument("--take-from", type=Path, metavar="FILE",
                    help="take --labs' results from FILE (this benchmark's output in the lab "
                         "VM; scripts/lab-proofs.sh does it) instead of running them here")
    a = ap.parse_args()
    path = OUT / "selftest.json"
    old = json.loads(path.read_text()) if path.exists() else {"labs": []}
    # a lab not run here (wifi without radios) keeps its last result; a removed lab goes
    known = set(lab_ids())
    done = {r["lab"]: r for r in old["labs"] if r["lab"] in known}
    if a.take_from:
        done.update(taken(a.take_from, a.labs or []))
    for lab_id in [] if a.take_from else a.labs or lab_ids():
        if not (find_lab(lab_id).dir / "solution").is_dir():
            continue
        if "wifi" in find_lab(lab_id).needs and not hwsim.available():
            print(f"{lab_id}: its last result kept — it needs mac80211_hwsim radios: "
                  f"scripts/lab-proofs.sh selftest {lab_id} runs it in the lab VM", flush=True)
            continue
        print(f"{lab_id}…", flush=True)
        done[lab_id] = one(lab_id, a.student)
    doc = {"machine": f"{platform.node()} {platform.release()}",
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "labs": [done[k] for k in sorted(done)]}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    (OUT / "selftest.md").write_text(markdown(doc))
    print((OUT / "selftest.md").read_text())


if __name__ == "__main__":
    main()
