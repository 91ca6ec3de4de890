"""`netdojo class init`: the instructor's class file, and `--class FILE` for the commands that
draw students' values."""

from __future__ import annotations

import argparse
from pathlib import Path

from netdojo.labs import class_secret


def cmd_class_init(a: argparse.Namespace) -> int:
    path = Path(a.file)
    class_secret.init(path, a.name or "")
    print(f"wrote {path} (readable by you only).  Keep it away from students: it decides every "
          f"student's values.  Use it with --class {path} on grade, lab show and lab check.")
    return 0


def add_class_option(s: argparse.ArgumentParser) -> None:
    s.add_argument("--class", dest="class_file", metavar="FILE",
                   help="the instructor's class file (netdojo class init): its secret enters "
                        f"every student's values (or set {class_secret.FILE_ENV}=FILE)")


def apply_class_option(a: argparse.Namespace) -> None:
    if getattr(a, "class_file", None):
        class_secret.use(a.class_file)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("class", help="the instructor's class file: netdojo class init")
    csub = c.add_subparsers(dest="class_command", required=True)
    s = csub.add_parser("init", help="write a new class file with a random secret")
    s.add_argument("file", nargs="?", default="netdojo-class.yaml")
    s.add_argument("--name", help="the class's name, for your own records")
    s.set_defaults(func=cmd_class_init)
