"""Head-of-line blocking, read from page-load waterfalls.  A load is *hit* when loss made it
clearly slower than the clean path's median; in a hit load, the share of objects that still
arrived on time tells the two transports apart: over HTTP/2 one lost TCP segment holds back every
stream behind it (TCP hands bytes over in order), over HTTP/3 QUIC delivers each stream on its own,
so the streams the loss did not touch finish on time."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from netdojo.measure.pageload import PageLoad

HIT = 1.3       # a load over 1.3 × the clean median was slowed by loss
ON_TIME = 1.1   # an object done within 1.1 × the clean median arrived as if nothing was lost


@dataclass
class LossSummary:
    version: str
    loss_pct: float
    clean_s: float              # median load time on the clean path
    totals: list[float]         # every load on the lossy path
    hit: int                    # loads slowed by loss
    on_time_share: float | None  # median, over hit loads, of the objects that were on time
    shares: list[float]          # each hit load's share of objects on time

    @property
    def median_s(self) -> float:
        return statistics.median(self.totals)

    def as_dict(self) -> dict:
        return {"version": self.version, "loss_pct": self.loss_pct, "clean_s": self.clean_s,
                "totals": self.totals, "median_s": self.median_s, "hit": self.hit,
                "on_time_share": self.on_time_share, "shares": self.shares}


def on_time_share(load: PageLoad, clean_s: float) -> float:
    ends = [o["end_s"] for o in load.objects[1:]] or [load.total_s]  # the objects, not the page
    return sum(e <= ON_TIME * clean_s for e in ends) / len(ends)


def summarize(version: str, loss_pct: float, lossy: list[PageLoad],
              clean: list[PageLoad]) -> LossSummary:
    clean_s = statistics.median(x.total_s for x in clean)
    hit = [x for x in lossy if x.total_s > HIT * clean_s]
    shares = [round(on_time_share(x, clean_s), 3) for x in hit]
    share = statistics.median(shares) if shares else None
    return LossSummary(version, loss_pct, round(clean_s, 4), [round(x.total_s, 4) for x in lossy],
                       len(hit), None if share is None else round(share, 3), shares)
