"""The `netdojo` command: the parser of the command asked for, and its errors in one line.

Each command group lives in its own module (network, labs, grade, …) with its parser and its
handlers; only the group of the command typed is imported, as pip does with its commands, so
`netdojo down` does not load the grader, the failover reports or the web console.
`netdojo --help` loads them all."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from netdojo.cli.classes import apply_class_option
from netdojo.errors import NetdojoError

# module -> the top-level commands it adds (tests/unit/test_cli_registry.py keeps this whole)
GROUPS: dict[str, tuple[str, ...]] = {
    "netdojo.cli.network": ("validate", "up", "down", "status", "exec", "cp", "fail",
                            "restore", "logs"),
    "netdojo.cli.failover": ("failover", "run"),
    "netdojo.cli.system": ("images", "doctor"),
    "netdojo.cli.measure": ("measure", "capture", "verify"),
    "netdojo.cli.labs": ("lab", "draw"),
    "netdojo.cli.web": ("web",),
    "netdojo.cli.grade": ("autograder", "grade"),
    "netdojo.cli.classes": ("class",),
    "netdojo.cli.vm": ("vm",),
}


DESCRIPTION = ("Emulated network labs on real kernel objects: build a topology, run a lab "
               "exercise, grade a class, reproduce a load balancer's failover.  "
               "`netdojo COMMAND --help` for one command.")


def parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser with `command`'s group only, or with every group."""
    p = argparse.ArgumentParser(prog="netdojo", description=DESCRIPTION)
    sub = p.add_subparsers(dest="command", required=True)
    wanted = [m for m, cmds in GROUPS.items() if command in cmds] or list(GROUPS)
    for name in wanted:
        importlib.import_module(name).add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((x for x in argv if not x.startswith("-")), None)
    try:
        args = parser(first).parse_args(argv)
        apply_class_option(args)
        return args.func(args)
    except BrokenPipeError:  # `netdojo lab list | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except NetdojoError as e:
        print(f"netdojo: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("netdojo: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        if e.filename is None:
            raise  # not about a path someone gave: a bug to see whole
        # a path a person gave that is a file where a folder belongs, unreadable, missing…
        print(f"netdojo: {e.filename}: {e.strerror or e} — check that path", file=sys.stderr)
        return 2
