"""Issue 3's benchmark: how long a service lab takes to be all-ready (containers up, daemons
answering, HAProxy health checks green), and how long the images take to build.

    .venv/bin/python benchmarks/bench_services.py [--skip-image-build]     (as root)

Writes results/services.json and results/services.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from netdojo import session
from netdojo.net import images
from netdojo.topo.resolve import resolve

OUT = Path(__file__).resolve().parent / "results"


def all_ready(name: str) -> dict:
    topo = resolve(name)
    t0 = time.monotonic()
    phases: list[tuple[str, float]] = []
    net = session.up(topo, detached=True,
                     log=lambda m: phases.append((m, round(time.monotonic() - t0, 3))))
    took = time.monotonic() - t0
    lb = next((s for s in net.services if s.name == "haproxy"), None)
    green = lb is None or all(s.up for s in lb.servers())
    t1 = time.monotonic()
    net.run.teardown()
    return {"seconds": round(took, 3), "teardown_s": round(time.monotonic() - t1, 3),
            "containers": sum(n.kind == "container" for n in topo.nodes.values()),
            "health_checks_green": green, "phases": phases}


def image_builds() -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.monotonic()
        r = subprocess.run(["mmdebstrap", "--variant=minbase", "bookworm", f"{tmp}/rootfs.tar"],
                           capture_output=True)
        out["base_mmdebstrap_s"] = round(time.monotonic() - t, 1) if r.returncode == 0 else None
    t = time.monotonic()
    images.build(no_cache=True)
    out["node_image_no_cache_s"] = round(time.monotonic() - t, 1)
    t = time.monotonic()
    images.build()
    out["node_image_cached_s"] = round(time.monotonic() - t, 1)
    out["images"] = images.listing()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-image-build", action="store_true")
    a = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / "services.json"
    res = json.loads(path.read_text()) if path.exists() else {}
    res["date"] = time.strftime("%Y-%m-%d")
    res["machine"] = f"{platform.system()} {platform.release()}, {platform.machine()}"
    if not a.skip_image_build:
        res["images"] = {**image_builds(), "date": res["date"]}
    runs = [all_ready("lb-lab") for _ in range(5)]
    secs = [r["seconds"] for r in runs]
    res["lb_lab"] = {"runs": runs, "median_s": statistics.median(secs), "max_s": max(secs),
                     "target_s": 10, "pass": statistics.median(secs) <= 10 and
                     all(r["health_checks_green"] for r in runs)}
    path.write_text(json.dumps(res, indent=1) + "\n")
    md = [f"# Service benchmarks ({res['date']}, {res['machine']})", "",
          f"## lb-lab to all-ready ({runs[0]['containers']} containers), 5 runs", "",
          "| run | all-ready (s) | health checks green | teardown (s) |", "|---|---|---|---|"]
    for i, r in enumerate(runs, 1):
        md.append(f"| {i} | {r['seconds']} | {'yes' if r['health_checks_green'] else 'no'} | "
                  f"{r['teardown_s']} |")
    md += ["", f"Median **{res['lb_lab']['median_s']} s** (target ≤ 10 s: "
           f"{'met' if res['lb_lab']['pass'] else 'missed'}).", ""]
    md += ["Phases of the first run (seconds since start):", ""]
    md += [f"- {t:>6} s — {m}" for m, t in runs[0]["phases"]]
    if "images" in res:
        im = res["images"]
        md += ["", f"## Image builds ({im.get('date', res['date'])})", "",
               f"- base `debian:bookworm-slim` from Debian's archive (mmdebstrap): "
               f"{im['base_mmdebstrap_s']} s (+ `docker import`)",
               f"- `netdojo/node:latest`, no cache: {im['node_image_no_cache_s']} s",
               f"- `netdojo/node:latest`, cached rebuild: {im['node_image_cached_s']} s", ""]
        md += [f"- {row['image']}: {row['size']}" for row in im["images"]]
    (OUT / "services.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
