"""A student's lab folder: who it belongs to and what it starts with (the starter files), for
`lab start`, `lab check` and `web --lab`."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import yaml

from netdojo.errors import NetdojoError
from netdojo.labs.model import Lab
from netdojo.labs.submission import STATE_FILE
from netdojo.labs.values import DEFAULT_STUDENT, check_student


def student_of(a: argparse.Namespace, folder: Path | None, lab: Lab) -> str:
    """--student, else the one `lab start` recorded in the folder, else $NETDOJO_STUDENT."""
    if a.student:
        return check_student(a.student)
    if folder is not None and (folder / STATE_FILE).is_file():
        try:
            state = yaml.safe_load((folder / STATE_FILE).read_text()) or {}
        except (yaml.YAMLError, UnicodeDecodeError):
            state = {}
        if isinstance(state, dict) and state.get("lab") == lab.id and state.get("student"):
            return check_student(str(state["student"]))
    if os.environ.get("NETDOJO_STUDENT"):
        return check_student(os.environ["NETDOJO_STUDENT"])
    print(f"no --student given: using the values of student {DEFAULT_STUDENT!r} "
          "(give --student YOUR_ID for your own)", file=sys.stderr)
    return DEFAULT_STUDENT


def prepare_dir(lab: Lab, folder: Path, student: str) -> bool:
    """Copy the starter into an empty (or new) folder; record lab and student.  True if copied."""
    copied = False
    if folder.exists() and not folder.is_dir():
        raise NetdojoError(f"{folder}: exists and is not a folder")
    if not folder.exists() or not any(p.name != STATE_FILE for p in folder.iterdir()):
        folder.mkdir(parents=True, exist_ok=True)
        starter = lab.dir / "starter"
        if starter.is_dir():
            for p in sorted(starter.iterdir()):
                if p.is_file():
                    shutil.copy(p, folder / p.name)
            copied = True
    (folder / STATE_FILE).write_text(yaml.safe_dump({"lab": lab.id, "student": student}))
    return copied
