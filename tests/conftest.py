import os
import signal
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# A shell without job control starts a background job (`scripts/test.sh &`) with SIGINT ignored,
# and every netdojo the tests start would inherit that: the Ctrl-C tests would then see a command
# that goes on (exit 0) instead of one that stops (130).  A Python handler is reset to the
# default at exec, so restoring ours here gives every child the ordinary Ctrl-C again.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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
