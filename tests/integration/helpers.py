"""Shared bits for the root tests: the CLI as a subprocess, and what 'nothing left' means."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from netdojo.net import netns
from netdojo.net.runs import RUN_ROOT  # noqa: E402 - where runs are recorded (NETDOJO_RUN_DIR)


def cli(*args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "netdojo", *args], capture_output=True,
                          text=True, input=input, timeout=timeout)


def popen_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "netdojo", *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_line(proc: subprocess.Popen, needle: str, deadline_s: float = 60) -> str:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if needle in line:
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line with {needle!r} (rc={proc.poll()}, "
                         f"stderr={proc.stderr.read() if proc.poll() is not None else ''})")


def root_links() -> set[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    return {line.split(":")[1].strip().split("@")[0] for line in out.splitlines()}


def snapshot() -> dict:
    return {"netns": set(netns.listed("nd")), "links": root_links(),
            "runs": set(os.listdir(RUN_ROOT)) if RUN_ROOT.exists() else set()}


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def run_state(run_id: str) -> dict:
    return json.loads((RUN_ROOT / run_id / "state.json").read_text())


def wait_until(cond, deadline_s: float = 10, what: str = "condition") -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def render_in_chromium(page: Path) -> dict:
    """Load an HTML file in Debian's headless Chromium and read back what the page itself
    counted once loaded (netdojo.pages.IMAGES_CHECK): its images and how many loaded."""
    import re
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium is missing: scripts/install.sh installs it"
    with tempfile.TemporaryDirectory(prefix="netdojo-chromium-") as profile:
        r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                            "--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()],
                           capture_output=True, text=True, timeout=120)
    body = re.search(r"<body([^>]*)>", r.stdout)
    attrs = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1))) if body else {}
    return {"images": int(attrs.get("images", -1)),
            "loaded": int(attrs.get("images-loaded", -1)), "dom": r.stdout,
            "stderr": r.stderr[-500:]}
