"""How a link behaves in each direction (the figures Mininet's TCLink takes)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LinkParams:
    """Per-direction link behaviour, as Mininet's TCLink takes it (delay is one way)."""

    bw: float | None = None  # Mbit/s; None = unlimited
    delay: float = 0.0  # ms, one way
    jitter: float = 0.0  # ms, uniform +/- around delay
    loss: float = 0.0  # percent, per direction
    queue: int | None = None  # packets held at the bottleneck

    @property
    def shaped(self) -> bool:
        return bool(self.bw or self.delay or self.jitter or self.loss or self.queue)

    def merged(self, **overrides: object) -> LinkParams:
        values = {k: getattr(self, k) for k in ("bw", "delay", "jitter", "loss", "queue")}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return LinkParams(**values)  # type: ignore[arg-type]
