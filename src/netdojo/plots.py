"""Matplotlib for every report that draws (failover, grades, HTTP versions): loaded only when a
picture is drawn, because it costs a quarter of a second at import, and always headless."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display on a lab VM or a CI runner)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
