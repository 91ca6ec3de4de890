"""netdojo web's cost and speed (issue 21.9): 50 links at 1 Hz must cost at most 5 % of a core,
and the page must be usable within 1 s of the lab being up.

  .venv/bin/python benchmarks/bench_web.py        (as root; writes results/web.{json,md})

Measured: the `netdojo web --run` server's own CPU (utime+stime from /proc) while one page's
stats WebSocket streams linear,50's link rates for 30 s, after a 5-s warm-up; and in Debian's
headless chromium, the time from asking for the page to every node drawn (median of 5 loads).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from websockets.sync.client import connect

from netdojo.session import Session
from netdojo.topo.resolve import resolve

OUT = Path(__file__).resolve().parent / "results"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def page_ready_ms(url: str, loads: int = 5) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,950"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    out = []
    try:
        for _ in range(loads):
            t0 = time.monotonic()
            drv.get(url)
            while not drv.execute_script("return !!(window.netdojo && window.netdojo.cy && "
                                         "window.netdojo.cy.nodes().length)"):
                time.sleep(0.01)
            out.append((time.monotonic() - t0) * 1000)
    finally:
        drv.quit()
    return out


def main() -> int:
    topo = resolve("linear,50")
    with Session.start(topo, detached=True) as s:
        web = subprocess.Popen([sys.executable, "-m", "netdojo", "web", "--run", s.run_id,
                                "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            url = ""
            while "open http" not in url:
                url = web.stdout.readline()
                if not url and web.poll() is not None:
                    raise SystemExit("netdojo web did not start")
            url = url.split("open ", 1)[1].strip()
            base, token = url.split("/?token=")
            ws_url = base.replace("http://", "ws://") + f"/ws/stats?token={token}"
            with connect(ws_url) as ws:
                end = time.monotonic() + 5
                while time.monotonic() < end:
                    ws.recv(timeout=5)
                c0, t0, n = cpu_seconds(web.pid), time.monotonic(), 0
                while time.monotonic() - t0 < 30:
                    msg = json.loads(ws.recv(timeout=5))
                    n += 1
                c1, t1 = cpu_seconds(web.pid), time.monotonic()
            links = len(msg["links"])
            share = 100 * (c1 - c0) / (t1 - t0)
            loads = page_ready_ms(url)
        finally:
            web.terminate()
            web.wait(timeout=30)
    doc = {"machine": f"{platform.node()} {platform.release()}", "cpus": os.cpu_count(),
           "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "links": links, "messages": n, "seconds": round(t1 - t0, 1),
           "server_cpu_percent_of_core": round(share, 2),
           "page_ready_ms": [round(x) for x in loads],
           "page_ready_median_ms": round(statistics.median(loads)),
           "targets": {"cpu_percent": 5, "page_ready_ms": 1000}}
    OUT.mkdir(exist_ok=True)
    (OUT / "web.json").write_text(json.dumps(doc, indent=1) + "\n")
    ok_cpu, ok_page = share <= 5, doc["page_ready_median_ms"] <= 1000
    (OUT / "web.md").write_text(
        "# netdojo web: cost of live link rates, time to a usable page (issue 21.9)\n\n"
        f"Machine: {doc['machine']}, {doc['cpus']} CPUs, {doc['when']}. "
        "Produced by `benchmarks/bench_web.py`.\n\n"
        "| what | measured | target | |\n|---|---|---|---|\n"
        f"| server CPU while one page streams {links} links' rates at 1 Hz for "
        f"{doc['seconds']} s ({n} messages) | {share:.2f} % of a core | ≤ 5 % | "
        f"{'met' if ok_cpu else 'MISSED'} |\n"
        f"| page asked → every node drawn, headless chromium (median of "
        f"{len(loads)}: {', '.join(str(round(x)) for x in loads)} ms) | "
        f"{doc['page_ready_median_ms']} ms | ≤ 1000 ms | {'met' if ok_page else 'MISSED'} |\n\n"
        "The rates come from each node's /proc/net/dev, read through a file opened once inside "
        "the node's namespace (one pread per node a second, no process started), and one "
        "sampler feeds every open page.\n")
    print((OUT / "web.md").read_text())
    return 0 if ok_cpu and ok_page else 1


if __name__ == "__main__":
    sys.exit(main())
