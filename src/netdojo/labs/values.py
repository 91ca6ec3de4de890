"""Per-student values, drawn from a seed made of the lab id, the student id and the
instructor's class secret when there is one (labs/class_secret.py): every student
gets other values, and the same student always gets the same ones (on any machine, in any
Python, since the draw uses only sha256 and random.Random with an integer seed)."""

from __future__ import annotations

import hashlib
import hmac
import random
import re
from typing import Any

from netdojo.errors import NetdojoError
from netdojo.labs import class_secret
from netdojo.labs.checks import load_checks
from netdojo.labs.model import Lab, ParamSpec

DEFAULT_STUDENT = "example"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")


def check_student(student: str) -> str:
    student = student.strip()
    if not STUDENT_ID.match(student):
        raise NetdojoError(f"student id {student!r}: use letters, digits and . _ - @ + "
                           "(at most 64 characters)")
    return student


def _rng(lab_id: str, student: str, name: str) -> random.Random:
    msg = f"{lab_id}\0{student}\0{name}".encode()
    key = class_secret.current()
    # with a class secret, an HMAC: the public code alone cannot tell a classmate's values
    digest = hmac.new(key, msg, hashlib.sha256).digest() if key else hashlib.sha256(msg).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw_one(spec: ParamSpec, rng: random.Random) -> Any:
    if spec.choice is not None:
        return spec.choice[rng.randrange(len(spec.choice))]
    lo, hi = spec.range  # type: ignore[misc]
    steps = int((hi - lo) // spec.step)
    value = lo + spec.step * rng.randint(0, steps)
    if all(isinstance(v, int) for v in (lo, hi, spec.step)):
        return int(value)
    return round(value, 6)


def draw(lab: Lab, student: str) -> dict[str, Any]:
    """The student's values, one seed per parameter (adding a parameter changes no other)."""
    student = check_student(student)
    return {p.name: draw_one(p, _rng(lab.id, student, p.name)) for p in lab.parameters}


def values_for(lab: Lab, student: str) -> dict[str, Any]:
    """The student's drawn values plus those the lab's checks.py derives from them (`derive`,
    e.g. the rate of whichever path is the WAN); derived values are never shown."""

    values = draw(lab, student)
    derive = load_checks(lab.dir / "checks.py", lab.id).derive
    if derive is not None:
        values.update(derive(dict(values)))
    return values


def shown(lab: Lab, values: dict[str, Any]) -> dict[str, Any]:
    """What the student may see: drawn values not marked secret."""
    public = {p.name for p in lab.parameters if not p.secret}
    return {k: v for k, v in values.items() if k in public}


def environment(values: dict[str, Any], lab: Lab, student: str) -> dict[str, str]:
    """The shown values as environment variables for a student's script: LAB_<NAME>=value."""
    env = {f"LAB_{k.upper()}": str(v) for k, v in shown(lab, values).items()}
    env.update({"LAB_ID": lab.id, "LAB_STUDENT": student})
    return env
