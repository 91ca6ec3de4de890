"""The proofs' results files (selftest.json, free_points.json) hold one entry per lab.  A lab
that needs mac80211_hwsim radios is proven in the lab VM, whose results file comes back to this
machine; these labs' entries are taken from it, each marked with where and when it ran."""

from __future__ import annotations

import json
from pathlib import Path


def taken(other: Path, labs: list[str]) -> dict[str, dict]:
    """These labs' entries from another machine's results file (a clear line if it has none)."""
    try:
        doc = json.loads(other.read_text())
        got = {r["lab"]: {"machine": doc["machine"], "when": doc["when"], **r}
               for r in doc["labs"] if r["lab"] in labs}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit(f"{other}: not a lab proof's results file ({e})") from None
    if missing := sorted(set(labs) - set(got)):
        raise SystemExit(f"{other}: no result for {', '.join(missing)}")
    return got


def elsewhere(doc: dict) -> list[str]:
    """Lines naming the labs whose entry was made on another machine than the file's."""
    here = doc["machine"].split(",")[0]
    return [f"- **{r['lab']}**: {r['machine']}, {r.get('when', '')}" for r in doc["labs"]
            if r.get("machine", here).split(",")[0] != here]
