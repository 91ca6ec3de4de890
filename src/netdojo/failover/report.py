"""Results JSON, a Markdown and a self-contained HTML report, and PNG plots per variant."""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from netdojo.failover.analysis import VariantResult, failed
from netdojo.failover.scenario import Scenario
from netdojo.failover.variants import VARIANTS, detection_bound_s
from netdojo.pages import IMAGES_CHECK
from netdojo.plots import pyplot


def targets(results: list[VariantResult]) -> list[dict]:
    """The issue's targets, each with its measured value and whether it is met."""
    rows = []
    for r in results:
        bound = detection_bound_s(r.variant)
        for f in r.faults:
            if r.variant == "tuned-retry" and f.fault in ("crash", "cut"):
                rows.append({"variant": r.variant, "target": f"0 failed requests ({f.fault} "
                             f"{f.backend})", "measured": f.failed, "met": f.failed == 0})
            if bound is not None:
                ok = f.detect_s is not None and f.detect_s <= bound
                rows.append({"variant": r.variant, "target": f"{f.fault} {f.backend} detected "
                             f"within inter×fall+0.3 = {bound:.1f} s",
                             "measured": f.detect_s, "met": ok})
    return rows


def _fmt(v, spec="{:.0f}") -> str:
    return "—" if v is None else spec.format(v)


def markdown(sc: Scenario, results: list[VariantResult], plots: dict[str, str],
             machine: dict | None = None) -> str:
    m = machine or {}
    ran = (f"Ran on {m['host']} (Linux {m['kernel']}), shaper {m['shaper']}, TCP congestion "
           f"control {m['tcp_congestion']} (set by the topology, read from the kernel).  "
           if m else "")
    out = [f"# Load-balancer failover: {sc.name}", "", ran +
           f"{sc.rate:g} requests/s open loop over {', '.join(sc.protocols)} to `{sc.url}` from "
           f"`{sc.client}` (across a WAN link), {sc.duration:g} s per variant, client timeout "
           f"{sc.timeout:g} s.  Faults: " + "; ".join(f"{e.at:g} s {e.label}" for e in sc.timeline)
           + ".", "", "## Summary", "",
           "| variant | fault | detected DOWN after (s) | failed during fault | back UP after "
           "restore (s) |", "|---|---|---|---|---|"]
    for r in results:
        for f in r.faults:
            out.append(f"| {r.variant} | {f.fault} {f.backend} | {_fmt(f.detect_s, '{:.2f}')} | "
                       f"{f.failed} | {_fmt(f.back_up_s, '{:.2f}')} |")
    out += ["", "— in 'detected' means HAProxy never marked the server DOWN while the fault "
            "lasted.", "", "## Targets", "", "| variant | target | measured | met |",
            "|---|---|---|---|"]
    for t in targets(results):
        out.append(f"| {t['variant']} | {t['target']} | {t['measured']} | "
                   f"{'yes' if t['met'] else '**no**'} |")
    for r in results:
        out += ["", f"## {r.variant}", "", f"`{json.dumps(VARIANTS[r.variant])}`", "",
                f"{r.requests} requests, {r.failed} failed.", "",
                "| phase | from (s) | requests | failed | failures | p50 (ms) | p95 (ms) | "
                "p99 (ms) | served by |", "|---|---|---|---|---|---|---|---|---|"]
        for p in r.phases:
            fails = ", ".join(f"{k}×{v}" for k, v in sorted(p.failures.items())) or "—"
            served = ", ".join(f"{k} {v}" for k, v in sorted(p.by_backend.items()))
            out.append(f"| {p.name} | {p.start:g} | {p.requests} | {p.failed} | {fails} | "
                       f"{_fmt(p.p50_ms)} | {_fmt(p.p95_ms)} | {_fmt(p.p99_ms)} | {served} |")
        if r.variant in plots:
            out += ["", f"![{r.variant}]({plots[r.variant]})"]
    return "\n".join(out) + "\n"


def plot(result: VariantResult, records: list[dict], t0: float, sc: Scenario, path: Path) -> None:
    plt = pyplot()

    n = int(sc.duration) + 1
    backends = sorted({r["backend"] for r in records if r.get("backend")})
    ok = {b: [0] * n for b in backends}
    bad = [0] * n
    lat: list[list[float]] = [[] for _ in range(n)]
    for r in records:
        i = min(n - 1, max(0, int(r["t"] - t0)))
        lat[i].append(r["latency_ms"])
        if failed(r):
            bad[i] += 1
        elif r.get("backend") in ok:
            ok[r["backend"]][i] += 1
    xs = list(range(n))
    fig, axes = plt.subplots(3, 1, figsize=(11, 7.5), sharex=True)
    axes[0].stackplot(xs, *[ok[b] for b in backends], labels=backends, step="post")
    axes[0].set_ylabel("answered req/s")
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    axes[1].bar(xs, bad, width=1.0, align="edge", color="tab:red")
    axes[1].set_ylabel("failed req/s")
    p50 = [sorted(v)[len(v) // 2] if v else None for v in lat]
    p99 = [sorted(v)[min(len(v) - 1, int(len(v) * 0.99))] if v else None for v in lat]
    axes[2].plot(xs, p50, label="p50", drawstyle="steps-post")
    axes[2].plot(xs, p99, label="p99", drawstyle="steps-post")
    axes[2].set_yscale("log")
    axes[2].set_ylabel("latency (ms)")
    axes[2].set_xlabel("seconds since the load started")
    axes[2].legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    for f in result.faults:
        end = f.restored_at if f.restored_at is not None else sc.duration
        for ax in axes:
            ax.axvspan(f.at, end, color="0.5", alpha=0.15)
        axes[0].text(f.at + 0.2, axes[0].get_ylim()[1] * 0.92, f"{f.fault} {f.backend}",
                     fontsize=8)
    for tr in result.transitions:
        x = tr["t"] - t0
        for ax in axes:
            ax.axvline(x, color="tab:red" if not tr["up"] else "tab:green",
                       linestyle="--" if not tr["up"] else ":", linewidth=1)
    axes[0].set_title(f"{sc.name} — {result.variant} (grey: fault; red dashed: HAProxy marks "
                      "DOWN; green dotted: UP)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def html_report(md_text: str, out_dir: Path) -> str:
    """A self-contained page: the Markdown's tables and headings, PNGs inlined."""
    lines = md_text.splitlines()
    body, table = [], []

    def flush() -> None:
        if table:
            rows = [r.strip("|").split("|") for r in table if not set(r) <= set("|-")]
            h = "".join(f"<th>{_inline(c.strip())}</th>" for c in rows[0])
            rest = "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            body.append(f"<table><tr>{h}</tr>{rest}</table>")
            table.clear()

    for ln in lines:
        if ln.startswith("|"):
            table.append(ln)
            continue
        flush()
        if ln.startswith("# "):
            body.append(f"<h1>{html.escape(ln[2:])}</h1>")
        elif ln.startswith("## "):
            body.append(f"<h2>{html.escape(ln[3:])}</h2>")
        elif ln.startswith("!["):
            src = ln[ln.index("(") + 1:-1]
            data = base64.b64encode((out_dir / src).read_bytes()).decode()
            body.append(f'<img alt="{html.escape(src)}" src="data:image/png;base64,{data}">')
        elif ln.strip():
            body.append(f"<p>{_inline(ln)}</p>")
    flush()
    style = ("body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:3px 8px;font-size:13px}th{background:#f3f3f3}img{max-width:100%}"
             "code{background:#f3f3f3;padding:1px 3px}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>netdojo failover"
            f"</title><style>{style}</style></head><body>{''.join(body)}{IMAGES_CHECK}"
            "</body></html>\n")


def _inline(text: str) -> str:
    out = html.escape(text)
    while out.count("`") >= 2:
        out = out.replace("`", "<code>", 1).replace("`", "</code>", 1)
    while out.count("**") >= 2:
        out = out.replace("**", "<b>", 1).replace("**", "</b>", 1)
    return out


def write(out_dir: Path, sc: Scenario, results: list[VariantResult],
          logs: dict[str, tuple[float, list[dict]]], machine: dict | None = None
          ) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = {}
    for r in results:
        t0, records = logs[r.variant]
        name = f"{r.variant}.png"
        plot(r, records, t0, sc, out_dir / name)
        plots[r.variant] = name
        with open(out_dir / f"requests-{r.variant}.jsonl", "w") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
    doc = {"scenario": {k: v for k, v in sc.__dict__.items() if k != "timeline"}
           | {"timeline": [e.__dict__ for e in sc.timeline]},
           "t0": {v: logs[v][0] for v in logs},
           "machine": machine or {},
           "variants": [r.as_dict() for r in results], "targets": targets(results)}
    (out_dir / "results.json").write_text(json.dumps(doc, indent=1) + "\n")
    md = markdown(sc, results, plots, machine)
    (out_dir / "report.md").write_text(md)
    (out_dir / "report.html").write_text(html_report(md, out_dir))
    return {"json": out_dir / "results.json", "md": out_dir / "report.md",
            "html": out_dir / "report.html"}
