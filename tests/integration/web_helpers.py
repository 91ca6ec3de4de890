"""What the tests of `netdojo web` share: a `netdojo web` process (Web), Debian's headless
chromium driven by Selenium (the browser fixture), and waiting on a page with a deadline."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.sync import client as websockets

CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium")


class Web:
    def __init__(self, *args: str, cwd: Path | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", "netdojo", "web", *args, "--port",
                                      "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, cwd=cwd)
        self.lines: list[str] = []
        end = time.monotonic() + 240
        while time.monotonic() < end:
            line = self.proc.stdout.readline()
            self.lines.append(line)
            if "open http://" in line:
                self.url = line.split("open ", 1)[1].strip()
                self.base, self.token = self.url.split("/?token=")
                return
            if not line and self.proc.poll() is not None:
                break
        raise AssertionError("netdojo web printed no URL:\n" + "".join(self.lines))

    def get(self, path: str, token: bool = True, method: str = "GET", body: bytes | None = None):
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str, **kw):
        status, body = self.get(path, **kw)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def ws(self, path: str, token: bool = True):
        url = self.base.replace("http://", "ws://") + path
        if token:
            url += ("&" if "?" in url else "?") + f"token={self.token}"
        return websockets.connect(url, open_timeout=10, max_size=2 ** 22)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            return self.proc.wait(timeout=90)
        finally:
            self.proc.stdout.close()


@pytest.fixture
def web_linear(clean):
    w = Web("linear,2")
    yield w
    assert w.stop() == 130  # Ctrl-C, as for every netdojo command


# ----- in a real browser ----------------------------------------------------------------------
@pytest.fixture
def browser():
    if not (CHROMEDRIVER and CHROMIUM):
        pytest.fail("chromium and chromium-driver are missing: scripts/install.sh installs them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,950",
              "--disable-dev-shm-usage"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_script_timeout(30)
    yield drv
    drv.quit()


def shot(drv, name: str) -> None:
    where = os.environ.get("NETDOJO_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        drv.save_screenshot(str(Path(where) / f"{name}.png"))


def until(drv, js: str, what: str, deadline: float = 30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = drv.execute_script(js)
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"the page never showed {what}")
