"""lab.yaml → Lab, with the file and line of every mistake (the topology loader's YAML reader)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from netdojo.errors import SpecError
from netdojo.labs.model import FILE_KINDS, FileSpec, Lab, ParamSpec
from netdojo.topo.spec import Map, parse_yaml, read_text

TOP_KEYS = {"id", "title", "summary", "sections", "topology", "parameters", "files", "time_limit",
            "needs"}
NEEDS = {"wifi"}  # what a lab needs of the kernel beyond namespaces (wifi: mac80211_hwsim)
FILE_KEYS = {"kind", "node", "service", "path", "allow", "output", "makes", "optional", "timeout",
             "description"}
PARAM_KEYS = {"choice", "range", "step", "secret"}
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
LANGS = ("en", "ko")


def load_lab(lab_dir: Path) -> Lab:
    source = str(lab_dir / "lab.yaml")
    doc = parse_yaml(read_text(source, "lab"), source, "lab")

    def fail(msg: str, m: Map | None = None, key: str | None = None) -> SpecError:
        m = m if m is not None else doc
        return SpecError(msg, source, m.key_lines.get(key, m.line) if key else m.line)

    for key in doc:
        if key not in TOP_KEYS:
            raise fail(f"unknown key {key!r} (allowed: {', '.join(sorted(TOP_KEYS))})", key=key)
    for key in ("id", "title", "topology", "files"):
        if key not in doc:
            raise fail(f"missing {key!r}")
    if doc["id"] != lab_dir.name:
        raise fail(f"id {doc['id']!r} must match the folder's name {lab_dir.name!r}", key="id")
    texts: dict[str, dict[str, str]] = {"summary": {}}
    for key in ("title", "summary"):
        if key not in doc:
            continue  # the title is required above; a summary is optional
        v = doc[key]
        if not isinstance(v, dict) or not all(isinstance(v.get(lang), str) for lang in LANGS):
            raise fail(f"{key!r} maps each language ({', '.join(LANGS)}) to a text", key=key)
        texts[key] = {str(k): str(t) for k, t in v.items()}
    topology = doc["topology"]
    if not isinstance(topology, str) or not (lab_dir / topology).is_file():
        raise fail(f"topology {topology!r} is not a file in {lab_dir}", key="topology")
    sections = doc.get("sections") or []
    if not isinstance(sections, list):
        raise fail("'sections' is a list of the chapter's section numbers", key="sections")
    limit = doc.get("time_limit", 120)
    if isinstance(limit, bool) or not isinstance(limit, int | float) or limit <= 0:
        raise fail("'time_limit' is a positive number of seconds", key="time_limit")

    needs = doc.get("needs") or []
    if not isinstance(needs, list) or not set(needs) <= NEEDS:
        raise fail(f"'needs' lists what the lab needs of the kernel: {', '.join(sorted(NEEDS))}",
                   key="needs")

    params = []
    raw_params = doc.get("parameters") or Map()
    if not isinstance(raw_params, Map):
        raise fail("'parameters' maps a name to {choice: [...]} or {range: [lo, hi]}",
                   key="parameters")
    for name, spec in raw_params.items():
        params.append(_param(str(name), spec, raw_params.key_lines[name], source))

    raw_files = doc["files"]
    if not isinstance(raw_files, Map) or not raw_files:
        raise fail("'files' maps each file a student hands in to {kind: ...}", key="files")
    files = [_file(str(n), spec, raw_files.key_lines[n], source) for n, spec in raw_files.items()]
    names = {f.name for f in files}
    for f in files:
        for made in f.products:
            if made not in names or made == f.name:
                raise SpecError(f"file {f.name!r}: it makes {made!r}, which is not another "
                                "declared file", source, f.line)
    return Lab(id=doc["id"], dir=lab_dir, title=texts["title"], summary=texts["summary"],
               sections=[str(s) for s in sections], topology=topology, parameters=params,
               files=files, time_limit=float(limit), needs=[str(n) for n in needs])


def _param(name: str, spec: Any, line: int, source: str) -> ParamSpec:
    if not isinstance(spec, dict) or not set(spec) <= PARAM_KEYS or \
            ("choice" in spec) == ("range" in spec):
        raise SpecError(f"parameter {name!r}: give either choice: [...] or range: [lo, hi] "
                        "(with an optional step, and secret: true for a value the student must "
                        "find out)", source, line)
    if "choice" in spec:
        if not isinstance(spec["choice"], list) or not spec["choice"]:
            raise SpecError(f"parameter {name!r}: choice must be a non-empty list", source, line)
        return ParamSpec(name, choice=list(spec["choice"]), secret=bool(spec.get("secret")),
                         line=line)
    lo_hi, step = spec["range"], spec.get("step", 1)
    if (not isinstance(lo_hi, list) or len(lo_hi) != 2
            or not all(isinstance(v, int | float) for v in [*lo_hi, step])
            or lo_hi[0] > lo_hi[1] or step <= 0):
        raise SpecError(f"parameter {name!r}: range is [lo, hi] with lo <= hi and step > 0",
                        source, line)
    return ParamSpec(name, range=(lo_hi[0], lo_hi[1]), step=step,
                     secret=bool(spec.get("secret")), line=line)


def _file(name: str, spec: Any, line: int, source: str) -> FileSpec:
    def fail(msg: str) -> SpecError:
        return SpecError(f"file {name!r}: {msg}", source, line)

    if not FILE_NAME.match(name):
        raise fail("a plain file name (letters, digits, '.', '-', '_'), no folders")
    if not isinstance(spec, dict):
        raise fail("must be a mapping with 'kind'")
    unknown = set(spec) - FILE_KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)} (allowed: {', '.join(sorted(FILE_KEYS))})")
    kind = spec.get("kind")
    if kind not in FILE_KINDS:
        raise fail(f"kind must be one of {', '.join(FILE_KINDS)}, got {kind!r}")
    f = FileSpec(name, kind, node=spec.get("node"), service=spec.get("service"),
                 path=str(spec["path"]) if spec.get("path") else None,
                 allow=[str(a) for a in spec.get("allow") or []], output=spec.get("output"),
                 makes=[str(m) for m in spec.get("makes") or []],
                 optional=bool(spec.get("optional", False)),
                 timeout=float(spec.get("timeout", 60)),
                 description=str(spec.get("description", "")), line=line)
    if kind == "config" and not (f.node and f.service):
        raise fail("a config names the node and the service it replaces")
    if kind == "script" and not f.node:
        raise fail("a script names the node it runs on")
    if f.path and kind != "config":
        raise fail("only a config has a 'path' (the file of its service it replaces)")
    if kind != "script" and (f.output or f.makes):
        raise fail("only a script has 'output' or 'makes'")
    if kind == "commands" and not f.allow:
        raise fail("a commands file lists the commands it allows (allow: [\"ip route\"])")
    return f
