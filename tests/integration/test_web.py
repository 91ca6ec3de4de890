"""`netdojo web` on real runs (issue 21): the token gate, path traversal and oversized frames
refused, live link rates from real traffic, a cut that reaches the kernel, the service panels of
a services lab, and — in Debian's headless chromium driven by Selenium with Debian's
chromedriver — a drawn topology, a terminal that pings, a link cut by a click, and "Check my
work" scoring a lab.  NETDOJO_SCREENSHOTS=DIR keeps a screenshot of each view."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync import client as websockets

from netdojo.labs.catalog import find_lab

from .helpers import wait_until

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


def test_no_token_no_page_and_nothing_outside_static(web_linear):
    w = web_linear
    assert w.get("/", token=False)[0] == 403
    assert w.get("/api/topology", token=False)[0] == 403
    assert w.get("/?token=wrong", token=False)[0] == 403
    status, _ = w.get(f"/?token={w.token}", token=False)
    assert status == 200
    for path in ("/static/../auth.py", "/static/%2e%2e/auth.py", "/lab/../../etc/passwd",
                 "/api/capture/..%2Fx", "/static/vendor/../../app.py"):
        assert w.get(path)[0] in (403, 404), path
    with pytest.raises(WebSocketException) as e:  # refused before it opens
        with w.ws("/ws/stats", token=False) as ws:
            ws.recv(timeout=5)
    assert "4403" in str(e.value) or "403" in str(e.value)


def test_live_rates_and_a_cut_that_reaches_the_kernel(web_linear):
    w = web_linear
    topo = w.json("/api/topology")
    assert {n["id"] for n in topo["nodes"]} == {"h1", "h2", "s1", "s2"}
    run = topo["run"]
    srv = subprocess.Popen(["ip", "netns", "exec", f"nd{run}-h2", "iperf3", "-s", "-1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: "5201" in subprocess.run(
            ["ip", "netns", "exec", f"nd{run}-h2", "ss", "-ltn"], capture_output=True,
            text=True).stdout, 10, "iperf3 server")
        cli = subprocess.Popen(["ip", "netns", "exec", f"nd{run}-h1", "iperf3", "-c", "10.0.0.2",
                                "-t", "6", "-b", "50M"], stdout=subprocess.DEVNULL)
        seen = []
        with w.ws("/ws/stats") as ws:
            end = time.monotonic() + 15
            while time.monotonic() < end:
                rates = {r["link"]: r for r in json.loads(ws.recv(timeout=5))["links"]}
                seen.append(rates["h1-s1"]["ab_bps"])
                if max(seen) > 20e6:
                    break
        cli.wait(timeout=30)
    finally:
        srv.kill()
        srv.wait()
    # 50 Mbit/s offered: the 1-Hz sample sees it within a band (a sample may straddle start)
    assert 20e6 < max(seen) < 80e6, seen
    assert w.json("/api/links/s1-s2/cut", method="POST", body=b"")["failed"] == ["s1-s2"]
    state = subprocess.run(["ip", "-n", f"nd{run}-s1", "-o", "link", "show", "eth1"],
                           capture_output=True, text=True).stdout
    assert "state DOWN" in state or ",UP" not in state.split(">")[0], state
    assert w.json("/api/links/s1-s2/restore", method="POST", body=b"")["failed"] == []
    status, body = w.get("/api/links/h1-h2/cut", method="POST", body=b"")
    assert status == 400 and b"no link joins h1 and h2" in body


def test_a_terminal_runs_in_its_node_and_ends_with_the_socket(web_linear):
    w = web_linear
    run = w.json("/api/topology")["run"]
    with w.ws("/ws/term/h1?cols=120&rows=40") as ws:
        ws.send(b"echo netns=$(ip netns identify $$) tty=$(tty)\n")
        out = b""
        end = time.monotonic() + 20
        while b"netns=nd" not in out and time.monotonic() < end:
            out += ws.recv(timeout=10)
        text = out.decode(errors="replace")
        assert f"netns=nd{run}-h1" in text and "tty=/dev/pts/" in text, text
        ws.send(b"sleep 300 & echo P$((6*7))=$!\n")  # the echo of what is typed has no P42
        while not re.search(rb"P42=(\d+)", out) and time.monotonic() < end:
            out += ws.recv(timeout=10)
        pid = int(re.search(rb"P42=(\d+)", out).group(1))
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), 10, "the terminal's job to end")
    with w.ws("/ws/term/h1") as ws:  # a frame over 64 KiB closes the terminal
        ws.send(b"x" * (70 * 1024))
        with pytest.raises(WebSocketException):
            for _ in range(50):
                ws.recv(timeout=5)
    with w.ws("/ws/term/nosuch") as ws, pytest.raises(WebSocketException):
        ws.recv(timeout=5)


def test_the_service_panels_of_a_services_lab_in_chromium(clean, repo, browser):
    w = Web(str(repo / "topologies" / "services-demo.yaml"))
    try:
        # a lease and a NAT translation to show: a client asks, the internet fetches via NAT
        run = w.json("/api/topology")["run"]
        subprocess.run(["docker", "exec", f"nd{run}-inet", "curl", "-s", "-o", "/dev/null",
                        "--max-time", "10", "http://192.0.2.1/"], timeout=30)
        subprocess.run(["docker", "exec", f"nd{run}-dns1", "dig", "@127.0.0.1", "+short",
                        "mail.lab.example"], capture_output=True, timeout=30)
        panels = w.json("/api/panels")
        kinds = {p["kind"]: p for p in panels}
        assert {"haproxy", "dhcp", "nat", "dns"} <= set(kinds), panels
        servers = {r["server"]: r["status"] for r in kinds["haproxy"]["rows"]
                   if r["server"].startswith("web")}
        assert servers and all(s.startswith("UP") for s in servers.values()), servers
        assert any(r["address"].startswith("10.10.0.") for r in kinds["dhcp"]["rows"])
        assert any("192.0.2.80" in r["original"] for r in kinds["nat"]["rows"]), kinds["nat"]
        assert any(r["zone"] == "lab.example" for r in kinds["dns"]["rows"])
        assert any(r["name"] == "mail.lab.example" and r["type"] == "A"
                   for p in panels if p["kind"] == "dns_queries" for r in p["rows"]), panels
        web = [p for p in panels if p["kind"] == "http"]
        assert {p["node"] for p in web} == {"web1", "web2", "web3", "inet"}
        assert all("HTTP/" in p["title"] for p in web if p["node"] != "inet"), web
        # the same in the page: a panel per daemon, the served nodes marked on the drawing
        drv = browser
        drv.get(w.url)
        _until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length", "drawing")
        drv.find_element("css selector", "#tabs button[data-tab=services]").click()
        shown = _until(drv, "const k = [...document.querySelectorAll('#tab-services .panel')]"
                            ".map(p => p.dataset.kind); return k.length >= 4 && k", "panels")
        assert {"haproxy", "dhcp", "nat", "dns"} <= set(shown), shown
        assert drv.execute_script("return document.querySelectorAll("
                                  "'#tab-services td.status-UP').length") >= 3
        assert drv.execute_script("return window.netdojo.cy.getElementById('lb')"
                                  ".hasClass('served')")
        _shot(drv, "services")
        # a capture from the page: ping through the NAT while it runs, read the packet list
        drv.find_element("css selector", "#tabs button[data-tab=capture]").click()
        drv.execute_script("document.getElementById('cap-node').value = 'inet';"
                           "document.getElementById('cap-node').onchange();"
                           "document.getElementById('cap-secs').value = 3;")
        drv.find_element("id", "cap-run").click()
        subprocess.run(["docker", "exec", f"nd{run}-inet", "ping", "-c", "6", "-i", "0.4",
                        "192.0.2.1"], capture_output=True, timeout=30)
        rows = _until(drv, "const n = document.querySelectorAll('#cap-table tr').length - 1; "
                           "return n > 0 && n", "captured packets", deadline=30)
        assert rows >= 3 and "echo request" in drv.find_element("id", "cap-table").text
        link = drv.find_element("css selector", "#cap-status a").get_attribute("href")
        status, pcap = w.get(link.replace(w.base, ""))
        assert status == 200 and pcap[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
        _shot(drv, "capture")
    finally:
        assert w.stop() == 130


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


def _shot(drv, name: str) -> None:
    where = os.environ.get("NETDOJO_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        drv.save_screenshot(str(Path(where) / f"{name}.png"))


def _until(drv, js: str, what: str, deadline: float = 30):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        got = drv.execute_script(js)
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"the page never showed {what}")


def test_in_chromium_a_lab_is_drawn_pinged_cut_and_checked(clean, browser, tmp_path):
    lab = find_lab("arp-routing")
    work = tmp_path / "arp-routing"
    shutil.copytree(lab.dir / "solution", work)
    w = Web("--lab", "arp-routing", "--student", "webtest", "--dir", str(work))
    try:
        drv = browser
        drv.get(w.url)
        n = _until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length",
                   "the drawing")
        assert n == len(w.json("/api/topology")["nodes"])
        _until(drv, "return Object.keys(window.netdojo.rates).length", "live rates")
        # a terminal in h1: type a ping to h4 and read its reply in the terminal
        drv.execute_script("window.netdojo.cy.getElementById('h1').emit('tap')")
        _until(drv, "return window.netdojo.terms['h1#1'] && "
                    "window.netdojo.terms['h1#1'].ws.readyState === 1", "a terminal")
        box = drv.find_element("css selector", "#term-area .term.on .xterm-helper-textarea")
        box.send_keys("ping -c 2 -W 2 h4\n")
        text = _until(drv, "const t = window.netdojo.terms['h1#1'].text(); "
                           "return /packets transmitted/.test(t) && t", "ping's summary")
        assert "2 received" in text, text
        _shot(drv, "terminal")
        # cut a link by clicking it, and see its state change
        link = drv.execute_script("return window.netdojo.topology.links[0].id")
        drv.execute_script(f"window.netdojo.cy.getElementById('{link}').emit('tap')")
        drv.find_element("id", "link-toggle").click()
        _until(drv, "return document.getElementById('link-state')?.textContent === 'cut'",
               "the link cut")
        assert drv.execute_script(f"return window.netdojo.cy.getElementById('{link}')"
                                  ".hasClass('cut')")
        _shot(drv, "link-cut")
        drv.find_element("id", "link-toggle").click()
        _until(drv, "return document.getElementById('link-state')?.textContent === 'up'",
               "the link restored")
        # the worksheet, in Korean
        drv.find_element("css selector", "#tabs button[data-tab=sheet]").click()
        drv.find_element("id", "lang-ko").click()
        _until(drv, "return document.getElementById('sheet').textContent.includes('실습')",
               "the Korean worksheet")
        assert drv.execute_script("return document.querySelector('#sheet img')"
                                  ".naturalWidth > 0"), "the drawing in the worksheet loads"
        _shot(drv, "worksheet")
        # check my work: the solution scores full marks, streamed in
        drv.find_element("css selector", "#tabs button[data-tab=check]").click()
        drv.find_element("id", "check-run").click()
        score = _until(drv, "return document.getElementById('score')?.textContent",
                       "a score", deadline=240)
        got, full = (float(x) for x in score.split("/"))
        assert got == full > 0, score
        assert "lab torn down" in drv.find_element("id", "check-log").text
        _shot(drv, "check")
    finally:
        assert w.stop() == 130  # Ctrl-C, as for every netdojo command


def test_in_chromium_the_failover_reproduction_runs_live(web_linear, browser):
    """Started from the page: per-second bars fill in, HAProxy marks the crashed backend DOWN
    on its lane, and the finished report opens from the page."""
    w, drv = web_linear, browser
    drv.get(w.url)
    _until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length", "drawing")
    drv.find_element("css selector", "#tabs button[data-tab=failover]").click()
    _until(drv, "return document.querySelectorAll('#fo-scenario option').length", "scenarios")
    drv.execute_script("document.getElementById('fo-scenario').value = 'ci-short'")
    drv.find_element("id", "fo-run").click()
    _until(drv, "return document.querySelectorAll('.fo-variant rect.ok').length > 5",
           "live request bars", deadline=120)
    href = _until(drv, "return document.getElementById('fo-report')?.getAttribute('href')",
                  "the report link", deadline=300)
    _shot(drv, "failover")
    assert drv.execute_script("return document.querySelectorAll("
                              "'.fo-variant[data-variant=defaults] rect.down').length") >= 1
    assert drv.execute_script("return document.querySelectorAll("
                              "'.fo-variant[data-variant=defaults] rect.failed').length") >= 1
    status, body = w.get(href)
    assert status == 200 and b"<html" in body.lower()
    assert w.get("/failover/../app.py")[0] == 404


def test_in_chromium_the_instructor_sees_the_class(browser, tmp_path):
    """`netdojo web --gradebook OUT`: histogram bars, each check's pass rate, the regrade list
    and each student's feedback, read-only (no route writes; the file is unchanged)."""
    from tests.unit.test_class_view import make_book

    make_book(tmp_path / "gradebook.sqlite")
    before = (tmp_path / "gradebook.sqlite").read_bytes()
    w = Web("--gradebook", str(tmp_path))
    try:
        drv = browser
        drv.get(w.url)
        _until(drv, "return window.classView", "the class")
        bars = drv.execute_script("return [...document.querySelectorAll('rect.bar')]"
                                  ".filter(r => +r.getAttribute('height') > 0).length")
        assert bars >= 2
        assert len(drv.find_elements("css selector", "tr.check-row")) == 3
        assert drv.find_element("id", "regrade-arp-routing").text == "s4"
        assert len(drv.find_elements("css selector", "details.student")) == 5
        _shot(drv, "class")
        assert w.get("/api/class", method="POST", body=b"{}")[0] == 405
        assert w.get("/api/class", token=False)[0] == 403
    finally:
        assert w.stop() == 130
    assert (tmp_path / "gradebook.sqlite").read_bytes() == before
