"""One Korean vocabulary (issue 19.3): docs/glossary.ko.md names the word to use and the words
not to use; no Korean worksheet, lab summary, guide or CLI message may contain one of the
latter."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.ko.md"


def banned() -> dict[str, str]:
    """{word not to use: the word to use}, from the glossary's table."""
    out = {}
    for line in GLOSSARY.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("영어", "---"):
            continue
        use, avoid = cells[1], cells[2]
        for word in filter(None, (w.strip() for w in avoid.split(","))):
            out[word] = use
    return out


def korean_files() -> list[Path]:
    files = sorted(ROOT.glob("labs/*/README.ko.md")) + sorted(ROOT.glob("labs/*/lab.yaml"))
    files += sorted(p for p in ROOT.glob("docs/**/*.ko.md") if p != GLOSSARY)
    files += [p for p in sorted((ROOT / "src" / "netdojo").rglob("*.py"))
              if re.search("[가-힣]", p.read_text())]
    return files


def test_the_glossary_has_a_table_of_terms():
    words = banned()
    assert len(words) >= 30, "the glossary's table could not be read"
    assert words["숨겨진 항목"] == "숨은 확인 항목"
    assert words["접두사"] == "프리픽스"


def test_no_korean_text_uses_a_word_the_glossary_rules_out():
    words = banned()
    files = korean_files()
    assert any(p.name == "README.ko.md" for p in files)
    found = []
    for path in files:
        for n, line in enumerate(path.read_text().splitlines(), 1):
            for word, use in words.items():
                if word in line:
                    found.append(f"{path.relative_to(ROOT)}:{n}: {word!r} → {use!r}")
    assert not found, "\n".join(found)
