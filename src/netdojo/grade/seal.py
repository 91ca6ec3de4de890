"""Records that can be defended: what graded an attempt (the lab's files, the images, netdojo's
version) and a seal over its results, so that an edited score shows.

The seal is an HMAC-SHA256 keyed by the class secret (labs/class_secret.py): a student — or
anyone without the instructor's class file — who edits the gradebook or an export cannot make
a seal that verifies.  Without a class secret the seal is a plain SHA-256: it still shows an
edit made by hand, not one made by someone who recomputes it; `grade verify` says which.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from netdojo.labs import class_secret
from netdojo.labs.fingerprint import lab_hash
from netdojo.net import engine
from netdojo.net.images import NODE_IMAGE

__all__ = ["lab_hash", "seal", "image_digests"]

SEALED_ATTEMPT = ("lab", "student", "sha256", "status", "score", "max_score", "message",
                  "version", "machine", "lab_hash", "images")
SEALED_CHECK = ("name", "points", "score", "message", "visible", "error")


def image_digests() -> dict[str, str]:
    """The lab image's id (what every container node and sandbox ran), if an engine answers."""

    if not engine.available():
        return {}
    try:
        return {NODE_IMAGE: engine.client().images.get(NODE_IMAGE).id}
    except engine.errors().ImageNotFound:
        return {}


def _norm(key: str, value: Any) -> Any:
    """The same value whether it comes from a report or back from SQLite (10 vs 10.0)."""
    if key in ("score", "max_score", "points"):
        return float(value or 0.0)
    if key in ("visible", "error"):
        return bool(value)
    if key == "images":
        return value or {}
    return "" if value is None else value


def _canonical(attempt: dict[str, Any], checks: list[dict[str, Any]]) -> bytes:
    doc = {"attempt": {k: _norm(k, attempt.get(k)) for k in SEALED_ATTEMPT},
           "checks": [{k: _norm(k, c.get(k)) for k in SEALED_CHECK} for c in checks]}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode()


def seal(attempt: dict[str, Any], checks: list[dict[str, Any]]) -> str:
    data = _canonical(attempt, checks)
    key = class_secret.current()
    if key:
        return "hmac-sha256:" + hmac.new(key, data, hashlib.sha256).hexdigest()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def verify(attempt: dict[str, Any], checks: list[dict[str, Any]], stored: str | None) -> str:
    """ok | changed | unsealed (made before seals) | no-key (sealed with a class secret that
    this process does not have)"""
    if not stored:
        return "unsealed"
    if stored.startswith("hmac-sha256:") and not class_secret.current():
        return "no-key"
    data = _canonical(attempt, checks)
    if stored.startswith("hmac-sha256:"):
        want = "hmac-sha256:" + hmac.new(class_secret.current() or b"", data,
                                         hashlib.sha256).hexdigest()
    else:
        want = "sha256:" + hashlib.sha256(data).hexdigest()
    return "ok" if hmac.compare_digest(want, stored) else "changed"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
