"""A student's files put into a running lab, in the order they depend on each other: scripts
that make configs first, then commands and configs, then the other scripts (which may measure
what the files configured).

The configs a lab's services read go in before those daemons first start whenever they can:
the files handed in, and those a script makes on a node once the network stands (the dns
lab's make-zones.sh, "before the zones are served").  BIND then starts once on the student's
zones instead of starting on netdojo's and restarting on theirs — a `docker exec` and a daemon
start fewer for each graded submission (issue 18.4).  A config that is a daemon's main file
still goes in after the start (services/startup._put_in_place says why)."""

from __future__ import annotations

import re
import string
from typing import TYPE_CHECKING

from netdojo.errors import NetdojoError, SpecError
from netdojo.labs.submission import StudentFile, decode, parse_file
from netdojo.labs.values import environment
from netdojo.net.sandbox import Sandbox
from netdojo.services.install import replace_files

if TYPE_CHECKING:
    from netdojo.labs.runner import LabSession
    from netdojo.net.network import Network


def config_makers(ls: LabSession) -> list[StudentFile]:
    files = ls.submission.files
    return [f for f in files.values() if f.spec.kind == "script"
            and any(files[m].spec.kind == "config" for m in f.spec.products)]


def before_services(ls: LabSession, net: Network) -> dict[tuple[str, str], dict[str, str]]:
    """Once the network stands, before any daemon starts: run the scripts that make configs,
    and return every config that has a path of its own, per (node, service)."""
    ls.net = net
    ls.ran_early = config_makers(ls)
    for sf in ls.ran_early:
        run_script(ls, sf)
    out: dict[tuple[str, str], dict[str, str]] = {}
    for sf in _configs(ls):
        if sf.spec.path:  # no path: the daemon's main config, which goes in after the start
            out.setdefault((sf.spec.node, sf.spec.service), {})[_path(ls, sf)] = sf.text or ""
    return out


def apply(ls: LabSession) -> None:
    """Everything not yet applied, in order; then the self-test's answer overrides."""
    files = ls.submission.files
    scripts = [f for f in files.values() if f.spec.kind == "script"]
    first = [f for f in scripts if any(files[m].spec.kind in ("commands", "config")
                                       for m in f.spec.products)]
    for sf in first:
        if sf not in ls.ran_early:
            run_script(ls, sf)
    for sf in files.values():
        if sf.spec.kind == "commands" and sf.ok:
            _commands(ls, sf)
    # a service's files go in together: one restart of the daemon, not one per file
    by_service: dict[tuple[str, str], list[StudentFile]] = {}
    for sf in _configs(ls):
        by_service.setdefault((sf.spec.node, sf.spec.service), []).append(sf)
    for group in by_service.values():
        _service_files(ls, group)
    for sf in scripts:
        if sf not in first:
            run_script(ls, sf)
    for name, keys in ls.overrides.items():
        sf = files.get(name)
        if sf is not None and sf.ok and isinstance(sf.data, dict):
            sf.data.update(keys)


def _configs(ls: LabSession) -> list[StudentFile]:
    return [sf for sf in ls.submission.files.values() if sf.spec.kind == "config" and sf.ok]


def _path(ls: LabSession, sf: StudentFile, main: str = "") -> str:
    return string.Template(sf.spec.path).safe_substitute(ls.params) if sf.spec.path else main


def _commands(ls: LabSession, sf: StudentFile) -> None:
    """Each line in its node's sandbox, like a script: the lab's prefix list is one fence,
    the jail (no host files, nobody with NET_ADMIN only) the other."""
    assert ls.net is not None
    if not sf.data:
        return
    env = {**environment(ls.params, ls.lab, ls.student), "LAB_RUN": ls.net.run.id}
    with Sandbox(ls.net, sf.data[0].node, env, name=sf.name) as box:
        for cmd in sf.data:
            r = box.run(cmd.node, cmd.argv, timeout=10)
            if not r.ok:
                why = r.problem or (r.stderr or r.stdout.decode(errors="replace")).strip()
                sf.notes.append(f"line {cmd.line}: `{cmd}` failed: {why[:200]}")
    ls.log(f"applied {sf.name}: {len(sf.data)} commands"
           + (f", {len(sf.notes)} failed" if sf.notes else ""))


def _service_files(ls: LabSession, group: list[StudentFile]) -> None:
    assert ls.ctx is not None
    node, service = group[0].spec.node, group[0].spec.service
    svc = ls.ctx.service(node, service)  # type: ignore[arg-type]
    paths = {sf.name: _path(ls, sf, svc.config_path) for sf in group}
    if all(p in svc.given for p in paths.values()):  # in since the daemon's first start
        problems = {p: words for p, words in svc.given.items() if words is not None}
        when = " (before its first start)"
    else:
        when = ""
        try:
            problems = replace_files(svc, {paths[sf.name]: sf.text or "" for sf in group})
        except NetdojoError as e:  # the daemon's words, on the main config if handed in
            words = after_service(str(e))
            mains = [p for p in paths.values() if p == svc.config_path]
            problems = {p: words for p in (mains or paths.values())}
    for sf in group:
        words = problems.get(paths[sf.name])
        if words is None:
            ls.log(f"applied {sf.name} to {node}/{service}{when}")
            continue
        if sf.spec.path:  # the student knows the file by its own name, not the daemon's path
            words = words.replace(paths[sf.name], sf.name)
        sf.error = f"{ls.folder / sf.name}: {words}"
        ls.log(f"{sf.name} was not accepted: {sf.error}")


def run_script(ls: LabSession, sf: StudentFile) -> None:
    """Run a student's script on its node; what it prints and what it writes into $LAB_OUT
    become the files it makes (unless those were handed in)."""
    assert ls.net is not None
    pending = [ls.submission.files[m] for m in sf.spec.products
               if ls.submission.files[m].origin != "handed in"]
    if sf.spec.products and not pending:
        return  # a handed-in file wins over the script that would make it
    if not sf.ok:
        for out in pending:
            if sf.error:
                out.error = f"{out.name} was not made: {sf.error}"
        return
    node = sf.spec.node
    env = {**environment(ls.params, ls.lab, ls.student), "LAB_RUN": ls.net.run.id}
    ls.log(f"running {sf.name} on {node} (in its sandbox)…")
    with Sandbox(ls.net, node, env, name=sf.name) as box:
        res = box.run_script(sf.text or "", sf.spec.timeout)
    if not res.ok:
        why = res.problem or f"exit {res.code}"
        msg = f"{ls.folder / sf.name} failed on {node} ({why}): {res.stderr.strip()[-400:]}"
        sf.notes.append(msg.rstrip(": "))
        for out in pending:
            out.error = msg.rstrip(": ")
        return
    for out in pending:
        _take(ls, out, sf, res.stdout if out.name == sf.spec.output else res.files.get(out.name))


def _take(ls: LabSession, out: StudentFile, maker: StudentFile, content: bytes | None) -> None:
    where = f"{ls.folder / out.name} (made by {maker.name})"
    out.origin = f"made by {maker.name}"
    if content is None:
        out.error = f"{maker.name} did not write {out.name} into $LAB_OUT"
        return
    try:
        if out.spec.kind == "pcap":
            out.raw = content
        else:
            out.text = decode(content, where)
    except SpecError as e:
        out.error = str(e)
        return
    out.error = None
    parse_file(out, where, list(ls.topo.nodes))


def after_service(msg: str) -> str:
    """A ServiceError names the topology file and node; the student needs the daemon's words."""
    m = re.match(r"^.*?: node '[^']*', service '[^']*': ", msg, flags=re.S)
    return msg[m.end():] if m else msg
