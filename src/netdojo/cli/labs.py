"""`netdojo lab list|show|start|check` and `netdojo draw`: the student's commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from netdojo.cli.classes import add_class_option
from netdojo.cli.common import need_root, tear_down_on_signals
from netdojo.cli.lab_folder import prepare_dir, student_of
from netdojo.cli.shell import shell_until_exit  # at import: no gap before its try
from netdojo.cli.web import cmd_web
from netdojo.errors import NetdojoError
from netdojo.labs.catalog import all_labs, find_lab, lab_ids
from netdojo.labs.kit import build
from netdojo.labs.report import format_report
from netdojo.labs.runner import LabSession, check_lab, render_topology
from netdojo.labs.selftest import format_selftest, selftest
from netdojo.labs.values import check_student, shown, values_for
from netdojo.topo.draw import render
from netdojo.topo.resolve import resolve


def _progress(msg: str) -> None:
    print(msg, flush=True)


def cmd_lab_list(a: argparse.Namespace) -> int:
    labs = all_labs()
    if not labs:
        print("no labs found")
        return 0
    for lab in labs:
        title = lab.title_in(a.lang)
        print(f"{lab.id:20} {title}")
        print(f"{'':20} sections {', '.join(lab.sections)}; "
              f"{sum(1 for f in lab.files if not f.optional)} file(s) to hand in")
    return 0


def cmd_lab_show(a: argparse.Namespace) -> int:
    lab = find_lab(a.lab)
    sheet = lab.dir / ("README.ko.md" if a.lang == "ko" else "README.md")
    if not sheet.is_file():
        raise NetdojoError(f"{sheet}: the worksheet is missing")
    print(sheet.read_text())
    student = student_of(a, None, lab)
    values = shown(lab, values_for(lab, student))
    head = "학생 {s}의 값" if a.lang == "ko" else "values for student {s}"
    print("-" * 60)
    print(head.format(s=student) + ": " + (", ".join(f"{k}={v}" for k, v in values.items())
                                           or "none"))
    return 0


def cmd_lab_kit(a: argparse.Namespace) -> int:
    lab = find_lab(a.lab)
    files = build(lab, check_student(a.student), Path(a.output))
    print(f"wrote {a.output}: {len(files)} file(s) for student {a.student} "
          f"({', '.join(f for f in files if '/' not in f)}; starter/): no solution, no hidden "
          f"check.  Hand it out: the student reads README.md, works in starter/ and runs "
          f"`netdojo lab check {lab.id}` on the lab machine.")
    return 0


def cmd_lab_start(a: argparse.Namespace) -> int:
    if a.web:  # the same lab, in the browser instead of the shell
        return cmd_web(argparse.Namespace(topology=None, lab=a.lab, student=a.student,
                                          dir=a.dir, run=None, gradebook=None, port=a.port,
                                          host="127.0.0.1"))
    lab = find_lab(a.lab)
    folder = Path(a.dir or lab.id)
    student = student_of(a, folder, lab)
    need_root()
    if prepare_dir(lab, folder, student):
        print(f"copied the starter files into {folder}/")
    tear_down_on_signals()
    ls = LabSession(lab, student, folder, _progress, detached=a.detach)
    ls.up()
    net = ls.net
    assert net is not None

    def banner() -> None:
        print(f"\n{lab.id} is up (run {net.run.id}) for student {student}.  Your values: "
              + (", ".join(f"{k}={v}" for k, v in shown(lab, ls.params).items()) or "none"))
        for name, sf in ls.submission.files.items():
            if sf.error:
                print(f"  {name}: {sf.error}")
            for note in sf.notes:
                print(f"  {name}: {note}")
        print(f"Edit the files in {folder}/, then `netdojo lab check {lab.id} --dir {folder}` "
              "scores them on a fresh copy of the lab.", flush=True)

    # what the student measures stays hidden (as in `netdojo draw` of a lab)
    hide = any(p.secret for p in lab.parameters)
    return shell_until_exit(net, a.detach, ls.down, banner, hide_shaping=hide)


def cmd_lab_check(a: argparse.Namespace) -> int:
    lab = find_lab(a.lab)
    folder = Path(a.dir) if a.dir else (Path(lab.id) if Path(lab.id).is_dir() else Path("."))
    if not folder.is_dir():
        raise NetdojoError(f"{folder}: no such folder (hand in your files in a folder; "
                           f"`netdojo lab start {lab.id}` makes one)")
    student = student_of(a, folder, lab)
    need_root()
    tear_down_on_signals()
    report = check_lab(lab, student, folder, _progress, shaper=a.shaper)
    print()
    print(format_report(report, lab.id))
    if a.json:
        Path(a.json).write_text(json.dumps(report.as_dict(hidden=False), indent=1,
                                           ensure_ascii=False))
    return 0 if report.full_marks else 1


def cmd_lab_selftest(a: argparse.Namespace) -> int:
    lab = find_lab(a.lab)
    if not (lab.dir / "solution").is_dir():
        raise NetdojoError(f"{lab.id}: no solution/ here (a student's kit has none; run the "
                           "self-test where the instructor's files are)")
    need_root()
    tear_down_on_signals()
    rep = selftest(lab, a.student, _progress, shaper=a.shaper, only=a.only)
    print()
    print(format_selftest(rep))
    if a.json:
        Path(a.json).write_text(json.dumps(rep.as_dict(), indent=1, ensure_ascii=False))
    return 0 if rep.ok or (a.only and all(r.verdict == "killed" for r in rep.results)) else 1


def cmd_draw(a: argparse.Namespace) -> int:
    out = Path(a.output)
    hide = False
    if a.target in lab_ids() or (Path(a.target) / "lab.yaml").is_file():
        lab = find_lab(a.target)
        student = student_of(a, None, lab)
        topo = render_topology(lab, values_for(lab, student))
        title = f"{lab.id} — {lab.title_in('en')} (student {student})"
        hide = any(p.secret for p in lab.parameters)  # what the student measures stays hidden
    else:
        topo = resolve(a.target)
        title = topo.name
    render(topo, out, None if a.no_title else title, hide_shaping=hide)
    print(f"wrote {out}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    lab = sub.add_parser("lab", help="lab exercises: list, show, start, check")
    lsub = lab.add_subparsers(dest="lab_command", required=True)

    s = lsub.add_parser("list", help="the labs and the chapter sections they teach")
    s.add_argument("--lang", default="en", choices=["en", "ko"])
    s.set_defaults(func=cmd_lab_list)

    s = lsub.add_parser("show", help="a lab's worksheet and your values")
    s.add_argument("lab")
    s.add_argument("--lang", default="en", choices=["en", "ko"])
    s.add_argument("--student")
    add_class_option(s)
    s.set_defaults(func=cmd_lab_show)

    s = lsub.add_parser("start", help="copy the starter, build the lab with your files, "
                                      "open its shell")
    s.add_argument("lab")
    s.add_argument("--student")
    s.add_argument("--dir", help="your working folder (default ./LAB)")
    s.add_argument("--web", action="store_true",
                   help="open the lab in the browser (netdojo web) instead of the shell")
    s.add_argument("--port", type=int, default=8765, help="with --web: the page's port")
    s.add_argument("--detach", "-d", action="store_true",
                   help="leave the lab up and return (netdojo down RUN removes it)")
    add_class_option(s)
    s.set_defaults(func=cmd_lab_start)

    s = lsub.add_parser("check", help="score your files on a fresh copy of the lab")
    s.add_argument("lab")
    s.add_argument("--dir", help="the folder with your files (default ./LAB, else .)")
    s.add_argument("--student")
    s.add_argument("--json", help="also write the result as JSON here")
    s.add_argument("--shaper", default="auto")
    add_class_option(s)
    s.set_defaults(func=cmd_lab_check)

    s = lsub.add_parser("kit", help="what one student is handed: worksheets, starter, visible "
                                    "checks, their values; no solution, no hidden check")
    s.add_argument("lab")
    s.add_argument("--student", required=True)
    s.add_argument("-o", "--output", required=True, help="a new folder")
    add_class_option(s)
    s.set_defaults(func=cmd_lab_kit)

    s = lsub.add_parser("selftest", help="prove each check can fail: grade the solution's "
                                         "mutants (instructors)")
    s.add_argument("lab")
    s.add_argument("--student", default="alice")
    s.add_argument("--only", metavar="CHECK", help="only the mutant of this check")
    s.add_argument("--json", help="also write the result as JSON here")
    s.add_argument("--shaper", default="auto")
    add_class_option(s)
    s.set_defaults(func=cmd_lab_selftest)

    s = sub.add_parser("draw", help="draw a topology or a lab: netdojo draw arp-routing -o x.svg")
    s.add_argument("target", help="a lab id, a topology file or name, or a generator")
    s.add_argument("-o", "--output", required=True, help="FILE.svg, FILE.png or FILE.dot")
    s.add_argument("--student", help="a lab's values for this student")
    s.add_argument("--no-title", action="store_true")
    add_class_option(s)
    s.set_defaults(func=cmd_draw)
