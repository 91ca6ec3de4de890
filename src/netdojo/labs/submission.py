"""A student's folder → the files the lab declares, each read safely: a missing, oversized,
linked, binary or non-UTF-8 file, or one that does not parse, becomes a message naming the
file and the problem, and the checks that need it score 0 while the others still run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netdojo.errors import SpecError
from netdojo.labs.commands import parse_commands
from netdojo.labs.model import FileSpec, Lab
from netdojo.labs.pem import PemError, parse_pem
from netdojo.measure.pcap import PcapError, read_pcap
from netdojo.topo.spec import Map, parse_yaml

MAX_BYTES = 1 << 20
STATE_FILE = ".netdojo-lab.yaml"


@dataclass
class StudentFile:
    spec: FileSpec
    text: str | None = None
    error: str | None = None
    origin: str = "handed in"
    data: Any = None  # answers: the mapping; commands: the parsed lines; pcap: frames; pem
    notes: list[str] = field(default_factory=list)  # what applying it reported
    raw: bytes | None = None  # a binary kind's bytes (pcap)

    @property
    def present(self) -> bool:
        return self.text is not None or self.raw is not None

    @property
    def ok(self) -> bool:
        return self.present and self.error is None

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass
class Submission:
    dir: Path
    files: dict[str, StudentFile]
    ignored: list[str]

    def __getitem__(self, name: str) -> StudentFile:
        return self.files[name]


def decode(raw: bytes, name: str) -> str:
    """Bytes → text, or a SpecError that says plainly why it is not a text file."""
    if b"\0" in raw:
        raise SpecError("is not a text file (it holds binary data); hand in plain text", name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SpecError(f"is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                        "save it as UTF-8", name) from None


def read_bytes(path: Path) -> bytes:
    name = str(path)
    if path.is_symlink():
        raise SpecError("is a symbolic link; hand in the file itself", name)
    if not path.is_file():
        raise SpecError("is not a regular file", name)
    if path.stat().st_size > MAX_BYTES:
        raise SpecError(f"is larger than {MAX_BYTES // 1024} KiB", name)
    try:
        return path.read_bytes()
    except OSError as e:
        raise SpecError(f"cannot be read: {e.strerror}", name) from None


def read_file(path: Path) -> str:
    return decode(read_bytes(path), str(path))


def parse_file(sf: StudentFile, source: str, nodes: list[str]) -> None:
    """Fill sf.data from sf.text for the kinds that have a structure; errors go to sf.error."""
    try:
        if sf.spec.kind == "answers":
            doc = parse_yaml(sf.text or "", source, "answers file (key: value lines)")
            sf.data = _plain(doc)
        elif sf.spec.kind == "commands":
            sf.data = parse_commands(sf.text or "", source, nodes, sf.spec.allow)
        elif sf.spec.kind == "pcap":
            sf.data = read_pcap(sf.raw or b"")
        elif sf.spec.kind == "pem":
            sf.data = parse_pem(sf.text or "")
    except SpecError as e:
        sf.error = str(e)
    except (PcapError, PemError) as e:
        sf.error = f"{source}: {e}"


def _plain(m: Any) -> Any:
    if isinstance(m, Map | dict):
        return {str(k): _plain(v) for k, v in m.items()}
    if isinstance(m, list):
        return [_plain(v) for v in m]
    return m


def read_submission(lab: Lab, folder: Path, nodes: list[str]) -> Submission:
    files: dict[str, StudentFile] = {}
    made_by = {made: f.name for f in lab.files if f.kind == "script" for made in f.products}
    for spec in lab.files:
        sf = StudentFile(spec)
        files[spec.name] = sf
        path = folder / spec.name
        if not path.exists() and not path.is_symlink():
            maker = made_by.get(spec.name)
            if maker and (folder / maker).exists():
                sf.origin = f"made by {maker}"  # filled in when the script has run
            elif spec.optional:
                sf.origin = "not handed in (optional)"
            else:
                sf.error = (f"{path}: missing — hand in {spec.name}"
                            + (f" (or {maker}, which makes it)" if maker else ""))
            continue
        try:
            if spec.kind == "pcap":
                sf.raw = read_bytes(path)
            else:
                sf.text = read_file(path)
        except SpecError as e:
            sf.error = str(e)
            continue
        parse_file(sf, str(path), nodes)
    declared = {f.name for f in lab.files} | {STATE_FILE}
    ignored = sorted(p.name for p in folder.iterdir() if p.name not in declared) \
        if folder.is_dir() else []
    return Submission(folder, files, ignored)
