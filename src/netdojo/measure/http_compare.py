"""`netdojo measure --http`: load the same page with several HTTP versions between two nodes,
and set each median against the textbook's arithmetic for the path's measured RTT."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netdojo.measure.http_explain import explain
from netdojo.measure.http_theory import Page, expect
from netdojo.measure.pageload import PageLoad, load_pages
from netdojo.measure.ping import ping
from netdojo.plots import pyplot

if TYPE_CHECKING:
    from netdojo.net.network import Network


@dataclass
class VersionRow:
    version: str
    tls: bool
    measured_s: float
    theory_s: float
    connections: int
    request_header_bytes: int
    response_header_bytes: int
    loads: list[PageLoad]
    chapter_s: float = 0.0  # the chapter's formula alone, before slow start and serialisation
    why: str = ""  # one sentence: formula, model, measurement (http_explain.py)

    @property
    def off(self) -> float:
        return self.measured_s / self.theory_s - 1


def path_rate_mbps(net: Network, src: str, dst: str) -> float | None:
    rates = [lk.params.bw for lk in net.path(src, dst) if lk.params.bw]
    return min(rates) if rates else None


def compare(net: Network, src: str, dst: str, versions: list[str], objects: int = 10,
            size: int = 10240, tls: bool = False, loads: int = 5,
            parallel: int = 6) -> tuple[float, list[VersionRow]]:
    """(the path's median RTT in seconds, a row per version)."""
    rtt = statistics.median(ping(net.ns(src), net.ip(dst), count=10, interval=0.05).rtts_ms)
    r = rtt / 1000
    # by name: the server's certificate is issued to its node name
    url = f"{'https' if tls else 'http'}://{dst}/page/{objects}/{size}"
    rate = path_rate_mbps(net, src, dst)
    rows = []
    for v in versions:
        got = load_pages(net, src, url, v, loads=loads, parallel=parallel)
        page = Page(objects, page_bytes=got[0].objects[0]["bytes"], object_bytes=size)
        tls_v = "1.3" if tls else None
        exp = expect(v, page, tls=tls_v, parallel=parallel, rate_mbps=rate)
        measured = statistics.median(x.total_s for x in got)
        why = explain(v, exp, page, r, measured, rate, tls_v, parallel)
        rows.append(VersionRow(v, tls, measured, exp.seconds(r), got[0].connections,
                               got[0].request_header_bytes, got[0].response_header_bytes, got,
                               why.chapter_s, why.sentence))
    return r, rows


def format_rows(rtt_s: float, rows: list[VersionRow]) -> str:
    lines = [f"RTT {rtt_s * 1000:.1f} ms (median of 10 pings)",
             f"{'version':18} {'chapter s':>9} {'model s':>8} {'measured s':>10} {'off':>6} "
             f"{'conns':>5} {'req hdr B':>9} {'resp hdr B':>10}"]
    for x in rows:
        name = x.version + (" TLS" if x.tls else "")
        lines.append(f"{name:18} {x.chapter_s:9.3f} {x.theory_s:8.3f} {x.measured_s:10.3f} "
                     f"{x.off:+6.0%} {x.connections:5d} {x.request_header_bytes:9d} "
                     f"{x.response_header_bytes:10d}")
    lines.append("chapter: the formula's round trips × RTT; model: plus slow start and the bytes "
                 "at the path's rate; off: measured against the model")
    lines += ["", "Why each differs:"] + [f"- {x.why}" for x in rows if x.why]
    return "\n".join(lines)


def plot(rows: list[VersionRow], out: Path, title: str) -> None:
    """Measured (bars, every load as a dot) against theory (a line) per version."""
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(7, 4))
    xs = range(len(rows))
    ax.bar(xs, [x.measured_s for x in rows], color="#6a9fd4", label="measured (median)")
    for i, x in enumerate(rows):
        ax.plot([i] * len(x.loads), [p.total_s for p in x.loads], "k.", ms=4)
        ax.plot([i - 0.4, i + 0.4], [x.theory_s] * 2, color="#c0392b", lw=2,
                label="theory" if i == 0 else None)
    ax.set_xticks(list(xs), [x.version + (" TLS" if x.tls else "") for x in rows])
    ax.set_ylabel("page load time (s)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)
