"""What several commands share: the root check and teardown on every way a command can end."""

from __future__ import annotations

import os
import signal

from netdojo.errors import NetdojoError


def need_root() -> None:
    if os.geteuid() != 0:
        raise NetdojoError("this command builds network namespaces: run it as root")


def _raise_interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def tear_down_on_signals() -> None:
    """Ctrl-C, SIGTERM and a closed terminal all end in teardown.  SIGINT is set explicitly:
    a process started in the background by a non-interactive shell inherits it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
