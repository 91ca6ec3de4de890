"""`netdojo web` on real runs (issue 21): the token gate, path traversal and oversized frames
refused, live link rates from real traffic, a cut that reaches the kernel, a terminal in a node,
and the service panels of a services lab (read over HTTP, then shown in headless chromium).
test_web_browser.py drives the rest of the console in chromium."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from websockets.exceptions import WebSocketException

from .helpers import wait_until
from .web_helpers import Web, shot, until


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
        subprocess.run(["docker", "exec", "-i", f"nd{run}-client1", "curl", "-s", "-m", "10",
                        "smtp://dns1", "--mail-from", "a@client1.test", "--mail-rcpt",
                        "student@lab.example", "-T", "-"], input=b"Subject: panel\r\n\r\nhi\r\n",
                       capture_output=True, timeout=30)
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
        # the mail exchanger's own log: the mail client1 just sent, delivered to its mailbox
        assert any(r["to"] == "student@lab.example" and r["status"].startswith("sent")
                   for p in panels if p["kind"] == "mail" for r in p["rows"]), panels
        assert any(p["kind"] == "ssh" and p["node"] == "ssh1" for p in panels), panels
        web = [p for p in panels if p["kind"] == "http"]
        assert {p["node"] for p in web} == {"web1", "web2", "web3", "inet"}
        assert all("HTTP/" in p["title"] for p in web if p["node"] != "inet"), web
        # the same in the page: a panel per daemon, the served nodes marked on the drawing
        drv = browser
        drv.get(w.url)
        until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length", "drawing")
        drv.find_element("css selector", "#tabs button[data-tab=services]").click()
        shown = until(drv, "const k = [...document.querySelectorAll('#tab-services .panel')]"
                            ".map(p => p.dataset.kind); return k.length >= 4 && k", "panels")
        assert {"haproxy", "dhcp", "nat", "dns"} <= set(shown), shown
        assert drv.execute_script("return document.querySelectorAll("
                                  "'#tab-services td.status-UP').length") >= 3
        assert drv.execute_script("return window.netdojo.cy.getElementById('lb')"
                                  ".hasClass('served')")
        shot(drv, "services")
        # a capture from the page: ping through the NAT while it runs, read the packet list
        drv.find_element("css selector", "#tabs button[data-tab=capture]").click()
        drv.execute_script("document.getElementById('cap-node').value = 'inet';"
                           "document.getElementById('cap-node').onchange();"
                           "document.getElementById('cap-secs').value = 3;")
        drv.find_element("id", "cap-run").click()
        subprocess.run(["docker", "exec", f"nd{run}-inet", "ping", "-c", "6", "-i", "0.4",
                        "192.0.2.1"], capture_output=True, timeout=30)
        rows = until(drv, "const n = document.querySelectorAll('#cap-table tr').length - 1; "
                           "return n > 0 && n", "captured packets", deadline=30)
        assert rows >= 3 and "echo request" in drv.find_element("id", "cap-table").text
        link = drv.find_element("css selector", "#cap-status a").get_attribute("href")
        status, pcap = w.get(link.replace(w.base, ""))
        assert status == 200 and pcap[:4] in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4")
        shot(drv, "capture")
    finally:
        assert w.stop() == 130
