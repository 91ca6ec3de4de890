"""A file per idea, at most 300 lines (docs/architecture.md): a file
that grows past it is a second idea waiting for its own file."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 300


def test_every_python_file_is_at_most_300_lines():
    folders = ["src", "tests", "benchmarks", "labs", "docker", "scripts"]
    long = {str(p.relative_to(ROOT)): n
            for d in folders for p in (ROOT / d).rglob("*.py")
            if ".venv" not in p.parts and (n := len(p.read_text().splitlines())) > LIMIT}
    assert long == {}, f"split these by idea: {long}"
