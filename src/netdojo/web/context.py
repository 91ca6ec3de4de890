"""What one `netdojo web` serves: a running Session, and — for a lab — the lab, the student,
their folder and the values they may see.  Everything the pages read is built here, as plain
data, so it is tested without a browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.labs.model import Lab
from netdojo.labs.values import shown, values_for
from netdojo.session import Session

MAX_FILE = 256 * 1024  # a handed-in file edited in the page (answers, configs, scripts)
PICTURES = {".svg": "image/svg+xml", ".png": "image/png"}


@dataclass
class WebLab:
    lab: Lab
    student: str
    folder: Path

    @property
    def values(self) -> dict[str, Any]:
        """Only what the student may see: never a secret value."""
        return shown(self.lab, values_for(self.lab, self.student))

    @property
    def hides_shaping(self) -> bool:
        return any(p.secret for p in self.lab.parameters)


@dataclass
class WebContext:
    session: Session
    lab: WebLab | None = None
    title: str = ""
    notes: list[str] = field(default_factory=list)

    # ----- the drawing --------------------------------------------------------------------------
    def topology(self) -> dict[str, Any]:
        net = self.session.net
        topo = net.topo
        hide = self.lab is not None and self.lab.hides_shaping
        nodes = []
        for name, node in topo.nodes.items():
            addrs = [f"{ifname} {iface}" for ifname, iface in net.addr.addresses_of(name)]
            nodes.append({"id": name, "kind": node.kind + (" (hub)" if node.hub else ""),
                          "addresses": addrs, "services": sorted(node.services)})
        links, seen = [], set()
        for lk in topo.links:
            name = f"{lk.a.node}-{lk.b.node}"
            if name in seen:  # a second link between the same two nodes
                continue
            seen.add(name)
            p = lk.params
            shaping = ("measure it" if hide else
                       ", ".join(s for s in (f"{p.bw:g} Mbit/s" if p.bw else "",
                                             f"{p.delay:g} ms" if p.delay else "",
                                             f"{p.loss:g} % loss" if p.loss else "") if s))
            links.append({"id": name, "source": lk.a.node, "target": lk.b.node,
                          "a_if": lk.a.ifname, "b_if": lk.b.ifname, "shaping": shaping})
        return {"name": topo.name, "run": self.session.run_id, "title": self.title or topo.name,
                "nodes": nodes, "links": links, "failed": self.session.failed(),
                "lab": self.lab.lab.id if self.lab else None,
                "student": self.lab.student if self.lab else None}

    # ----- the worksheet and the student's files ---------------------------------------------
    def worksheet(self, lang: str) -> dict[str, Any]:
        wl = self._need_lab()
        sheet = wl.lab.dir / ("README.ko.md" if lang == "ko" else "README.md")
        return {"lab": wl.lab.id, "lang": lang, "markdown": sheet.read_text(),
                "values": wl.values, "student": wl.student, "title": wl.lab.title_in(lang)}

    def picture(self, name: str) -> tuple[bytes, str]:
        """A picture the worksheet shows (its topology drawing): top-level files of the lab
        folder only, by exact name — no path reaches anything else."""
        wl = self._need_lab()
        allowed = {p.name: p for p in wl.lab.dir.iterdir()
                   if p.is_file() and p.suffix in PICTURES}
        if name not in allowed:
            raise FileNotFoundError(name)
        return allowed[name].read_bytes(), PICTURES[allowed[name].suffix]

    def files(self) -> list[dict[str, Any]]:
        wl = self._need_lab()
        out = []
        for f in wl.lab.files:
            path = wl.folder / f.name
            text = path.read_text(errors="replace") if path.is_file() else ""
            out.append({"name": f.name, "kind": f.kind, "optional": f.optional,
                        "description": f.description, "text": text[:MAX_FILE]})
        return out

    def save_file(self, name: str, data: bytes) -> int:
        """Write one of the lab's hand-in files into the student's folder (by its declared name
        only) and say how many bytes."""
        wl = self._need_lab()
        if name not in {f.name for f in wl.lab.files}:
            raise NetdojoError(f"{name!r} is not a file of {wl.lab.id} (its files: "
                               f"{', '.join(f.name for f in wl.lab.files)})")
        if len(data) > MAX_FILE:
            raise NetdojoError(f"{name}: {len(data)} bytes; the page takes at most {MAX_FILE}")
        wl.folder.mkdir(parents=True, exist_ok=True)
        (wl.folder / name).write_bytes(data)
        return len(data)

    def _need_lab(self) -> WebLab:
        if self.lab is None:
            raise NetdojoError("this page serves a topology, not a lab: there is no worksheet")
        return self.lab
