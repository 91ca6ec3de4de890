"""A benchmark script loaded as a module, for the tests that read its committed results and
compare them with what the script would compute now (hashes of the files a run depends on)."""

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def hashes_every_file(bench: ModuleType, digest: str, files: tuple[str, ...] | list[str],
                      tmp_path: Path, monkeypatch) -> bool:
    """The bench's `digest()` reads each of `files` from its ROOT: the same on a copy of them,
    different as soon as any one of them changes (each tried in turn)."""
    before = getattr(bench, digest)()
    for name in files:
        copy = tmp_path / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((ROOT / name).read_bytes())
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    if getattr(bench, digest)() != before:
        return False
    for name in files:
        original = (tmp_path / name).read_bytes()
        (tmp_path / name).write_bytes(original + b"\n# changed\n")
        changed = getattr(bench, digest)() != before
        (tmp_path / name).write_bytes(original)
        if not changed:
            return False
    return True
