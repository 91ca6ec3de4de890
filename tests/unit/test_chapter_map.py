"""docs/chapter-map.md is honest (issue 19.2): every heading of the chapter has a row, every check
it names exists in its lab, and a row that says "graded" names at least one check."""

import re
from pathlib import Path

import pytest

from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.checks import load_checks

ROOT = Path(__file__).resolve().parents[2]
MAP = ROOT / "docs" / "chapter-map.md"
CHAPTER = ROOT.parent / "shared" / "chapter" / "chapter-2-network.ko.md"
STATES = ("graded", "graded in part", "mention")


def rows() -> list[dict[str, str]]:
    out = []
    for line in MAP.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] not in ("§", "---"):
            out.append(dict(zip(("sec", "heading", "part", "checks", "state"), cells, strict=True)))
    return out


def test_every_row_states_graded_in_part_or_mention_and_names_real_checks():
    table = rows()
    assert len(table) >= 30, "the map's table could not be read"
    names = {i: {c.name for c in load_checks(find_lab(i).dir / "checks.py", i).checks}
             for i in lab_ids()}
    for r in table:
        state = next((s for s in sorted(STATES, key=len, reverse=True)
                      if r["state"].startswith(s)), None)
        assert state, f"{r['heading']}: state {r['state']!r} is not one of {STATES}"
        named = re.findall(r"`([a-z0-9-]+)/([a-z0-9_]+)`", r["checks"])
        if state != "mention":
            assert named, f"{r['heading']}: called {state} but names no check"
        for lab, check in named:
            assert lab in names, f"{r['heading']}: no lab {lab!r}"
            assert check in names[lab], f"{r['heading']}: {lab} has no check {check!r}"
        if state == "graded in part":
            assert ":" in r["state"], f"{r['heading']}: say what is not graded"


@pytest.mark.skipif(not CHAPTER.is_file(), reason=f"the chapter is not beside the checkout "
                    f"({CHAPTER})")
def test_every_heading_of_the_chapter_has_a_row():
    headings = [re.sub(r"^#+\s*", "", h).strip() for h in CHAPTER.read_text().splitlines()
                if re.match(r"^(###|####)\s", h) or re.match(r"^## SECTION 2\.", h)]
    have = {r["heading"] for r in rows()}
    missing = [h for h in headings if h not in have]
    assert len(headings) >= 30 and not missing, missing
