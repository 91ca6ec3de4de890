"""An instructor's class secret: it enters every student's seed, so nobody can compute a
classmate's values (secret ones included) from netdojo's public code.

`netdojo class init` writes it to a file only the instructor keeps; `--class FILE` or the
environment (NETDOJO_CLASS=FILE, or NETDOJO_CLASS_SECRET=the secret itself, for CI) brings it to
`grade`, `lab show`, `lab check` and the autograder bundles.  Without one, values are drawn from
the lab and student ids alone, as a student's own machine does for practice.  No command prints
the secret."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from netdojo.errors import NetdojoError, SpecError
from netdojo.topo.spec import parse_yaml, read_text

FILE_ENV = "NETDOJO_CLASS"
SECRET_ENV = "NETDOJO_CLASS_SECRET"
KEY = "class_secret"


def init(path: Path, name: str = "") -> None:
    """A new class file with a random secret, readable by its owner only; never overwritten
    (a new secret would give every student new values)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise NetdojoError(f"{path}: already exists; keep it (a new secret gives every student "
                           "new values) or remove it first") from None
    except OSError as e:
        raise NetdojoError(f"{path}: cannot write it: {e.strerror}") from None
    with os.fdopen(fd, "w") as f:
        f.write("# netdojo class file: keep it away from students (it decides their values).\n"
                f"# Grade with: netdojo grade LAB SUBMISSIONS --class {path.name}\n"
                f"name: {name or path.stem!r}\n{KEY}: {secrets.token_hex(32)}\n")


def read(path: Path) -> bytes:
    try:
        doc = parse_yaml(read_text(path, "class file"), str(path), "class file")
    except SpecError as e:
        raise NetdojoError(str(e)) from None
    value = doc.get(KEY)
    if not isinstance(value, str) or len(value) < 32:
        raise NetdojoError(f"{path}: no {KEY} in it (make one with `netdojo class init`)")
    return value.encode()


def use(path: str | Path) -> None:
    """Make FILE the class of this process and of the workers it starts."""
    p = Path(path).resolve()
    read(p)  # one clear line now rather than in every worker
    os.environ[FILE_ENV] = str(p)


def current() -> bytes | None:
    direct = os.environ.get(SECRET_ENV, "").strip()
    if direct:
        return direct.encode()
    path = os.environ.get(FILE_ENV)
    return read(Path(path)) if path else None
