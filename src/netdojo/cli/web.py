"""`netdojo web`: a running lab in the browser (issue 21)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from netdojo.cli.common import need_root, tear_down_on_signals
from netdojo.cli.lab_folder import prepare_dir, student_of
from netdojo.errors import NetdojoError
from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import LabSession, check_lab
from netdojo.session import Session
from netdojo.topo.resolve import resolve
from netdojo.web.context import WebContext, WebLab


def _announce(url: str) -> None:
    print(f"netdojo web: open {url}\n  (the token in it is your key to this lab: do not share "
          "it; Ctrl-C stops the page and tears the lab down)", flush=True)


def _announce_class(url: str) -> None:
    print(f"netdojo web: the class, read-only — open {url}\n  (the token in it keeps the page "
          "for you alone; Ctrl-C stops it)", flush=True)


def _check(lab, student: str, folder: Path, log) -> dict[str, Any]:
    return check_lab(lab, student, folder, log).as_dict(hidden=False)


def cmd_web(a: argparse.Namespace) -> int:
    # the web server (Starlette, uvicorn: 80 ms at import) only for this command, not for every
    # `netdojo lab …` that imports this module for `lab start --web`
    from netdojo.web.serve import serve, serve_class

    given = [x for x in (a.topology, a.lab, a.run, a.gradebook) if x]
    if len(given) != 1:
        raise NetdojoError("netdojo web takes one of: TOPOLOGY, --lab LAB --student ID, "
                           "--run ID or --gradebook OUT (`netdojo web --lab arp-routing "
                           "--student s01`)")
    if a.gradebook:  # the instructor's class view: reads a file, builds nothing, needs no root
        serve_class(Path(a.gradebook), a.host, a.port, announce=_announce_class)
        return 0
    need_root()
    tear_down_on_signals()
    if a.run:
        ctx = WebContext(Session.attach(a.run), title=f"run {a.run}")
        serve(ctx, a.host, a.port, announce=_announce)
        return 0
    if a.lab:
        lab = find_lab(a.lab)
        folder = Path(a.dir or lab.id)
        student = student_of(a, folder, lab)
        if prepare_dir(lab, folder, student):
            print(f"copied the starter files into {folder}/", flush=True)
        ls = LabSession(lab, student, folder, lambda m: print(m, flush=True))
        ls.up()
        assert ls.net is not None
        session = Session(ls.net, owned=True)
        ctx = WebContext(session, WebLab(lab, student, folder), title=lab.title_in("en"))
        with session:
            serve(ctx, a.host, a.port, check=_check, announce=_announce)
        return 0

    topo = resolve(a.topology)
    print(f"building {topo.name} ({len(topo.nodes)} nodes)…", file=sys.stderr, flush=True)
    with Session.start(topo, log=lambda m: print(f"  {m}", file=sys.stderr)) as session:
        serve(WebContext(session), a.host, a.port, announce=_announce)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("web", help="the lab in a browser: topology with live link rates, "
                       "terminals, service panels, worksheet and checks")
    s.add_argument("topology", nargs="?", help="a topology file, name or generator to build")
    s.add_argument("--lab", help="a lab to start for --student (worksheet, files, checks)")
    s.add_argument("--student")
    s.add_argument("--dir", help="the lab's working folder (default ./LAB)")
    s.add_argument("--run", help="a run that is up already (netdojo up --detach, lab start -d)")
    s.add_argument("--gradebook", metavar="OUT",
                   help="the instructor's view of a graded class (the folder `netdojo grade -o` "
                        "wrote): scores, each check's pass rate, feedback, regrades; read-only")
    s.add_argument("--port", type=int, default=8765, help="0: any free port")
    s.add_argument("--host", default="127.0.0.1",
                   help="where to listen (default only this machine; the token guards any)")
    s.set_defaults(func=cmd_web)
