"""The CLI loads only the group of the command typed (netdojo/cli/main.py's GROUPS): the table
must name every command each group module adds, or that command would be unreachable."""

import argparse
import importlib
import subprocess
import sys

from netdojo.cli.main import GROUPS, parser


def test_the_table_names_exactly_what_each_group_adds():
    for module, commands in GROUPS.items():
        p = argparse.ArgumentParser()
        sub = p.add_subparsers(dest="command")
        importlib.import_module(module).add_parsers(sub)
        assert tuple(sub.choices) == commands, module


def test_one_command_loads_one_group_and_help_loads_all():
    assert set(parser("down")._subparsers._group_actions[0].choices) == set(GROUPS["netdojo.cli.network"])
    every = {c for cmds in GROUPS.values() for c in cmds}
    assert set(parser(None)._subparsers._group_actions[0].choices) == every
    assert set(parser("nonsense")._subparsers._group_actions[0].choices) == every


def test_netdojo_down_does_not_import_the_grader_or_the_web_console():
    code = ("import sys; from netdojo.cli.main import parser; parser('down'); "
            "print(sorted(m for m in sys.modules if m.startswith(('netdojo.grade', "
            "'netdojo.web', 'netdojo.failover', 'matplotlib', 'starlette'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_old_name_of_failover_still_parses():
    a = parser("run").parse_args(["run", "lb-failover", "--no-fail"])
    b = parser("failover").parse_args(["failover", "--no-fail"])
    assert a.func is b.func and a.job == "lb-failover"
