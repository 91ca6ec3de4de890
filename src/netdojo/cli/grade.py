"""`netdojo grade`: a class's submissions graded in parallel into a gradebook and every export;
`netdojo grade merge`: shards' gradebooks into one; `netdojo grade verify`: nothing edited."""

from __future__ import annotations

import argparse
from pathlib import Path

from netdojo.cli.classes import add_class_option
from netdojo.cli.common import need_root
from netdojo.errors import NetdojoError
from netdojo.grade import autograder
from netdojo.grade.exports import FORMATS
from netdojo.grade.grader import grade_class, merge, parse_shard
from netdojo.grade.similar import from_gradebook, html_report
from netdojo.grade.verify import verify
from netdojo.labs.catalog import find_lab


def _formats(text: str) -> tuple[str, ...]:
    got = tuple(x.strip() for x in text.split(",") if x.strip())
    unknown = [x for x in got if x not in FORMATS]
    if unknown:
        raise NetdojoError(f"--format: unknown {', '.join(unknown)} (known: {', '.join(FORMATS)})")
    return got


def cmd_grade(a: argparse.Namespace) -> int:
    if a.lab == "verify":
        return _verify(a)
    if a.lab == "similar":
        return _similar(a)
    if a.lab == "merge":
        if not a.submissions:
            raise NetdojoError("netdojo grade merge SHARD_OUT… --out DIR")
        n, written = merge([Path(p) for p in a.submissions], Path(a.out), _formats(a.format))
        print(f"merged {n} attempt(s) into {Path(a.out) / 'gradebook.sqlite'}; "
              f"{len(written)} export file(s) written")
        return 0
    lab = find_lab(a.lab)
    if not a.submissions:
        raise NetdojoError("give the submissions: folders, .zip or .tar.gz files, or a folder "
                           "of them")
    need_root()
    res = grade_class(lab, [Path(p) for p in a.submissions], Path(a.out), a.workers,
                      Path(a.roster) if a.roster else None, _formats(a.format), a.regrade,
                      parse_shard(a.shard), regrade_errors=a.regrade_errors,
                      calibrate_every=a.calibrate_every)
    print(f"\n{res.graded} graded, {res.skipped} unchanged, {len(res.failed)} not graded, "
          f"{len(res.missing)} missing, in {res.seconds:.0f} s")
    for f in res.failed:
        print(f"  not graded: {f}")
    if res.regrade:
        print(f"  timing checks to regrade ({len(res.regrade)}): {', '.join(res.regrade)} — run "
              "again with --regrade-errors when the machine is quiet")
    for s in res.missing:
        print(f"  missing: {s} (on the roster, no submission)")
    print(f"gradebook and exports in {a.out}/ (grades.csv, junit.xml, students/ID/results.json, "
          "feedback.md)")
    return 0 if not res.failed else 1


def _verify(a: argparse.Namespace) -> int:
    if len(a.submissions) != 1:
        raise NetdojoError("netdojo grade verify OUT [--sample N]: one output folder")
    if a.sample:
        need_root()
    v = verify(Path(a.submissions[0]), a.sample)
    for p in v.problems:
        print(f"  CHANGED: {p}")
    for n in v.notes:
        print(f"  note: {n}")
    print(f"{v.checked} record(s) checked, {v.regraded} submission(s) graded again: "
          + ("nothing was changed" if not v.problems else f"{len(v.problems)} problem(s)"))
    return 1 if v.problems else 0


def _similar(a: argparse.Namespace) -> int:
    if len(a.submissions) != 1:
        raise NetdojoError("netdojo grade similar OUT: one output folder")
    out = Path(a.submissions[0])
    lab, pairs = from_gradebook(out)
    for p in pairs[:10]:
        print(f"  {p.score:5.0%}  {p.a} ↔ {p.b}: {len(p.shared)} line(s) of their own shared")
    path = html_report(lab, pairs, out / "similar.html")
    print(f"{len(pairs)} pair(s) share lines of their own; all of them side by side: {path}")
    return 0


def cmd_autograder(a: argparse.Namespace) -> int:
    lab = find_lab(a.lab)
    if a.platform == "gradescope":
        out = Path(a.output or f"{lab.id}-gradescope.zip")
        autograder.gradescope_zip(lab, out)
        print(f"wrote {out}: upload it as the assignment's autograder (setup.sh, run_autograder, "
              "netdojo and the lab)")
        return 0
    if not a.netdojo_repo:
        raise NetdojoError("--netdojo-repo OWNER/NAME: the GitHub repository the runners "
                           "install netdojo from")
    if a.platform == "classroom":
        text = autograder.classroom_workflow(lab, a.netdojo_repo, a.ref)
        default = ".github/workflows/classroom.yml"
    else:
        text = autograder.shards_workflow(lab, a.netdojo_repo, a.shards, a.ref)
        default = f".github/workflows/grade-{lab.id}.yml"
    out = Path(a.output or default)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {out}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("autograder", help="bundles for Gradescope, GitHub Classroom, and a "
                                          "sharded grading workflow for GitHub Actions")
    s.add_argument("platform", choices=["gradescope", "classroom", "shards"])
    s.add_argument("lab")
    s.add_argument("-o", "--output", help="where to write it")
    s.add_argument("--netdojo-repo", help="OWNER/NAME of the netdojo repository (workflows)")
    s.add_argument("--ref", default="main", help="its branch or tag (workflows)")
    s.add_argument("--shards", type=int, default=4, help="runners at once (shards)")
    add_class_option(s)
    s.set_defaults(func=cmd_autograder)

    s = sub.add_parser("grade", help="grade a class: netdojo grade LAB SUBMISSIONS… "
                                     "[--workers N] (or: netdojo grade merge SHARDS… --out DIR)")
    s.add_argument("lab", help="a lab id; `merge` to merge shards' gradebooks; `verify OUT` to "
                               "check a graded class's records and exports; "
                               "`similar OUT` to rank copied-looking submissions")
    s.add_argument("submissions", nargs="*",
                   help="folders, .zip or .tar.gz files, or folders of them")
    s.add_argument("--workers", type=int, default=1, help="submissions graded at once")
    s.add_argument("--roster", help="CSV with columns student,submission")
    s.add_argument("--out", default="grades", help="output folder (default ./grades)")
    s.add_argument("--format", default=",".join(FORMATS),
                   help=f"exports, comma-separated (default all: {','.join(FORMATS)})")
    s.add_argument("--regrade", action="store_true",
                   help="grade again even submissions unchanged since their last grading")
    s.add_argument("--shard", help="K/N: grade only this shard of the class (see grade merge)")
    s.add_argument("--regrade-errors", action="store_true",
                   help="grade again only the submissions with checks marked error — regrade")
    s.add_argument("--sample", type=int, default=2,
                   help="grade verify: how many submissions to grade again (0: none)")
    s.add_argument("--calibrate-every", type=int, default=10, metavar="K",
                   help="run the lab's reference solution before every K submissions (0: never)")
    add_class_option(s)
    s.set_defaults(func=cmd_grade)
