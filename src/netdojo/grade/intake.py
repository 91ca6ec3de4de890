"""Submissions in: a folder, a .zip or a .tar.gz (or a folder of them), each becoming a folder
that holds only the files the lab declares.  Archives are read entry by entry and never
extracted as they are: absolute paths, `..`, links and devices are refused, every read is
capped (a zip bomb's header can lie about its size), and everything else is listed as ignored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from netdojo.errors import NetdojoError
from netdojo.labs.model import Lab
from netdojo.labs.submission import MAX_BYTES
from netdojo.labs.values import check_student

ARCHIVE_MAX = 50 << 20      # bytes of an archive as handed in
MAX_ENTRIES = 10_000        # entries looked at in one archive
SUFFIXES = (".tar.gz", ".tgz", ".zip")


@dataclass
class Intake:
    student: str
    source: Path                # as handed in
    folder: Path | None = None  # the declared files, copied out
    sha256: str = ""            # of the files taken (names and bytes)
    taken: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)   # present but not the lab's
    refused: list[str] = field(default_factory=list)   # hostile or too large, with why
    error: str | None = None    # nothing could be read at all

    def as_dict(self) -> dict:
        return {"student": self.student, "source": str(self.source), "sha256": self.sha256,
                "taken": self.taken, "ignored": self.ignored, "refused": self.refused,
                "error": self.error}


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(SUFFIXES)


def stem(path: Path) -> str:
    name = path.name
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def read_roster(path: Path) -> dict[str, str]:
    """A CSV with a `student` column and a `submission` column (the folder or archive name,
    with or without its suffix): submission → student id."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise NetdojoError(f"{path}: cannot be read as UTF-8 CSV ({e})") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"student", "submission"} <= set(rows[0]):
        raise NetdojoError(f"{path}: a roster needs the columns student,submission "
                           f"(found {', '.join(rows[0]) if rows else 'no rows'})")
    out = {}
    for i, row in enumerate(rows, 2):
        sub, student = (row.get("submission") or "").strip(), (row.get("student") or "").strip()
        if not sub or not student:
            raise NetdojoError(f"{path}:{i}: student and submission must both be given")
        out[stem(Path(sub))] = check_student(student)
    return out


def discover(paths: list[Path], lab: Lab) -> list[Path]:
    """Each path: an archive, a folder holding the lab's files (one submission), or a folder of
    submissions (each child folder or archive is one)."""
    declared = {f.name for f in lab.files}
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise NetdojoError(f"{p}: no such file or folder")
        if is_archive(p):
            found.append(p)
        elif p.is_dir() and any((p / n).exists() or (p / n).is_symlink() for n in declared):
            found.append(p)
        elif p.is_dir():
            kids = sorted(c for c in p.iterdir() if (c.is_dir() and not c.is_symlink())
                          or is_archive(c))
            found += kids
        else:
            raise NetdojoError(f"{p}: not a folder, a .zip or a .tar.gz")
    return found


def take(path: Path, lab: Lab, work: Path, roster: dict[str, str] | None = None) -> Intake:
    """The submission at `path`, its declared files copied into a folder under `work`."""
    name = stem(path)
    student = (roster or {}).get(name, name)
    intake = Intake(student, path)
    try:
        intake.student = check_student(student)
    except NetdojoError as e:
        intake.error = f"{path.name}: {e} — add it to the roster"
        return intake
    dest = work / intake.student
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    intake.folder = dest
    declared = {f.name for f in lab.files}
    try:
        entries = _archive_entries(path) if is_archive(path) else _folder_entries(path)
        digest = hashlib.sha256()
        for rel, kind, size, read in entries:
            parts = PurePosixPath(rel).parts
            base = parts[-1] if parts else rel
            if kind == "hostile":
                intake.refused.append(f"{rel}: {size}")  # size holds the reason here
            elif base not in declared or kind != "file" or len(parts) != 1:
                if kind != "dir":
                    where = " (in a subfolder)" if kind == "file" and len(parts) > 1 else ""
                    intake.ignored.append(rel + (where if kind == "file" else f" ({kind})"))
            elif base in intake.taken:
                intake.ignored.append(f"{rel} (a second {base}; the first was taken)")
            elif size > MAX_BYTES:
                intake.refused.append(f"{rel}: {size:,} bytes, over the {MAX_BYTES:,}-byte limit")
            else:
                data = read()
                if data is None:
                    intake.refused.append(f"{rel}: larger than it says (over "
                                          f"{MAX_BYTES:,} bytes when unpacked)")
                    continue
                (dest / base).write_bytes(data)
                intake.taken.append(base)
                digest.update(base.encode() + b"\0" + hashlib.sha256(data).digest())
        intake.taken.sort()
        intake.sha256 = digest.hexdigest()
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as e:
        intake.error = f"{path.name}: not a readable archive ({type(e).__name__}: {e})"
    return intake


Entry = tuple[str, str, int, object]  # relative name, kind, size (or reason), reader


def _capped(f) -> bytes | None:
    with f:
        data = f.read(MAX_BYTES + 1)
    return None if len(data) > MAX_BYTES else data


def _clean(name: str) -> str | None:
    """A member name made relative, or None when it points outside the submission."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or re.match(r"^[A-Za-z]:", name):
        return None
    return str(p)


def _strip_top(names: list[str]) -> str:
    """Students zip a folder: one common top folder is not part of the names."""
    tops = {PurePosixPath(n).parts[0] for n in names if PurePosixPath(n).parts}
    multi = all(len(PurePosixPath(n).parts) > 1 for n in names if n)
    return next(iter(tops)) + "/" if len(tops) == 1 and multi and names else ""


def _archive_entries(path: Path) -> Iterator[Entry]:
    if path.stat().st_size > ARCHIVE_MAX:
        raise ValueError(f"the archive is {path.stat().st_size:,} bytes, over "
                         f"{ARCHIVE_MAX:,}")
    if path.name.lower().endswith(".zip"):
        yield from _zip_entries(path)
    else:
        yield from _tar_entries(path)


def _zip_entries(path: Path) -> Iterator[Entry]:
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()[:MAX_ENTRIES]
        safe = [i for i in infos if _clean(i.filename) is not None]
        top = _strip_top([_clean(i.filename) or "" for i in safe if not i.is_dir()])
        for info in infos:
            rel = _clean(info.filename)
            if rel is None:
                yield info.filename, "hostile", "points outside the submission: not taken", None
                continue
            rel = rel.removeprefix(top) if top else rel
            mode = info.external_attr >> 16
            if info.is_dir():
                yield rel, "dir", 0, None
            elif mode and (mode & 0o170000) == 0o120000:
                yield rel, "symbolic link", 0, None
            else:
                yield rel, "file", info.file_size, lambda i=info: _capped(z.open(i))


def _tar_entries(path: Path) -> Iterator[Entry]:
    with tarfile.open(path, "r:*") as t:
        members = []
        for m in t:
            members.append(m)
            if len(members) >= MAX_ENTRIES:
                break
        top = _strip_top([_clean(m.name) or "" for m in members
                          if m.isfile() and _clean(m.name) is not None])
        for m in members:
            rel = _clean(m.name)
            if rel is None:
                yield m.name, "hostile", "points outside the submission: not taken", None
                continue
            rel = rel.removeprefix(top) if top else rel
            if m.isdir():
                yield rel, "dir", 0, None
            elif m.issym() or m.islnk():
                yield rel, "symbolic link" if m.issym() else "hard link", 0, None
            elif not m.isfile():
                yield rel, "device or pipe", 0, None
            else:
                yield rel, "file", m.size, lambda m=m: _capped(t.extractfile(m))


def _folder_entries(path: Path) -> Iterator[Entry]:
    count = 0
    for p in sorted(path.rglob("*")):
        count += 1
        if count > MAX_ENTRIES:
            break
        rel = str(p.relative_to(path))
        if p.is_symlink():
            yield rel, "symbolic link", 0, None
        elif p.is_dir():
            yield rel, "dir", 0, None
        elif not p.is_file():
            yield rel, "device or pipe", 0, None
        else:
            yield rel, "file", p.stat().st_size, lambda p=p: _capped(p.open("rb"))
