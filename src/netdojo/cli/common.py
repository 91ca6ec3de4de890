"""What several commands share: the root check and teardown on every way a command can end."""

from __future__ import annotations

import os

from netdojo.errors import NetdojoError
from netdojo.interrupts import tear_down_on_signals

__all__ = ["need_root", "tear_down_on_signals"]


def need_root() -> None:
    if os.geteuid() != 0:
        raise NetdojoError("this command builds network namespaces: run it as root")
