"""pyroute2's IPRoute, imported on first use: the package costs ~0.13 s to import (it loads its
NDB, IPDB and conntrack layers too), which every command would pay at start — `netdojo down`,
`status` and `lab list` need no netlink socket at all.  The grader's fork server imports it
once for all its children (grade/worker.py PRELOAD)."""

from __future__ import annotations

from typing import Any


def IPRoute(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for the class
    from pyroute2 import IPRoute as _IPRoute  # the one heavy optional import, made late

    return _IPRoute(*args, **kwargs)
