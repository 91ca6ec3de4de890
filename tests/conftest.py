import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def netdojo_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "netdojo", *args]


@pytest.fixture(scope="session")
def repo() -> Path:
    return ROOT


def pytest_collection_modifyitems(config, items):
    if os.geteuid() == 0:
        return
    skip = pytest.mark.skip(reason="needs root to create network namespaces")
    for item in items:
        if "integration" in str(item.fspath):
            item.add_marker(skip)
