"""Every way a command can be told to stop (Ctrl-C, SIGTERM, a closed terminal) becomes a
KeyboardInterrupt, so the `finally` that tears a run down always runs.  Below every layer that
starts runs: the CLI and the grader's worker both use it."""

from __future__ import annotations

import signal


def _raise_interrupt(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def tear_down_on_signals() -> None:
    """SIGINT is set explicitly: a process started in the background by a non-interactive
    shell inherits it ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
