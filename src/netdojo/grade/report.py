"""The class report: one HTML page (its plots as PNG files beside it) with the score histogram,
the pass rate of every check, the slowest checks, and the lists an instructor acts on —
submissions not graded and timing checks to regrade."""

from __future__ import annotations

import html
import statistics
from pathlib import Path

from netdojo.grade.gradebook import Attempt
from netdojo.pages import IMAGES_CHECK
from netdojo.plots import pyplot


def _plots(attempts: list[Attempt], out: Path) -> list[str]:
    plt = pyplot()

    graded = [a for a in attempts if a.status in ("graded", "regrade")]
    names = []
    fig, ax = plt.subplots(figsize=(6, 3.2))
    top = max((a.max_score for a in graded), default=1) or 1
    ax.hist([100 * a.score / (a.max_score or 1) for a in graded], bins=10, range=(0, 100),
            color="#4c78a8", edgecolor="white")
    ax.yaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_xlabel("score (% of the lab's points)")
    ax.set_ylabel("students")
    ax.set_title(f"{len(graded)} graded (out of {top:g} points)")
    fig.tight_layout()
    fig.savefig(out / "class-scores.png")
    plt.close(fig)
    names.append("class-scores.png")
    checks: dict[str, list[float]] = {}
    for a in graded:
        for c in a.checks:
            checks.setdefault(c["name"], []).append(c["score"] >= c["points"] - 1e-9)
    if checks:
        fig, ax = plt.subplots(figsize=(6, 0.35 * len(checks) + 1))
        labels = list(checks)
        ax.barh(labels, [100 * sum(v) / len(v) for v in checks.values()], color="#59a14f")
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("students with full points (%)")
        ax.set_title("pass rate per check")
        fig.tight_layout()
        fig.savefig(out / "class-checks.png")
        plt.close(fig)
        names.append("class-checks.png")
    return names


def class_report(attempts: list[Attempt], out: Path, missing: list[str] = ()) -> Path:
    plots = _plots(attempts, out)
    graded = [a for a in attempts if a.status in ("graded", "regrade")]
    lab = attempts[0].lab if attempts else "?"
    scores = [a.score for a in graded]
    slow: dict[str, list[float]] = {}
    for a in graded:
        for c in a.checks:
            slow.setdefault(c["name"], []).append(c["seconds"])
    slowest = sorted(((statistics.median(v), k) for k, v in slow.items()), reverse=True)[:5]
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{s:.1f} s</td></tr>" for s, k in slowest)
    regrade = [a.student for a in attempts if a.status == "regrade"]
    failed = [f"{a.student}: {a.status} — {a.message}" for a in attempts
              if a.status not in ("graded", "regrade")]

    def items(xs: list[str], none: str) -> str:
        return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in xs) + "</ul>" if xs \
            else f"<p>{none}</p>"

    summary = (f"{len(graded)} graded; median {statistics.median(scores):.3g} points, "
               f"{sum(a.score >= a.max_score for a in graded)} with full marks"
               if scores else "nothing graded")
    body = (f"<h1>{html.escape(lab)}: the class</h1><p>{html.escape(summary)}</p>"
            + "".join(f'<img alt="{p}" src="{p}">' for p in plots)
            + f"<h2>Slowest checks (median)</h2><table>{rows}</table>"
            + "<h2>Timing checks to regrade</h2>"
            + items(regrade, "None: the reference solution held every band while grading.")
            + (" <p>Run <code>netdojo grade … --regrade-errors</code> when the machine is "
               "quiet.</p>" if regrade else "")
            + "<h2>Not graded</h2>" + items(failed, "None.")
            + "<h2>Missing (on the roster, no submission)</h2>" + items(list(missing), "None."))
    style = ("body{font-family:sans-serif;max-width:900px;margin:2em auto;color:#222}"
             "img{max-width:100%;display:block;margin:1em 0}td{padding:2px 10px}")
    page = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(lab)}"
            f" — class report</title><style>{style}</style></head><body>{body}{IMAGES_CHECK}"
            "</body></html>\n")
    path = out / "class-report.html"
    path.write_text(page)
    return path
