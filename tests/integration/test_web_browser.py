"""`netdojo web` in Debian's headless chromium driven by Selenium with Debian's chromedriver:
a drawn lab pinged, cut and checked, the failover reproduction live, and the instructor's class
view.  NETDOJO_SCREENSHOTS=DIR keeps a screenshot of each view."""

from __future__ import annotations

import shutil

from netdojo.labs.catalog import find_lab

from .web_helpers import Web, shot, until


def test_in_chromium_a_lab_is_drawn_pinged_cut_and_checked(clean, browser, tmp_path):
    lab = find_lab("arp-routing")
    work = tmp_path / "arp-routing"
    shutil.copytree(lab.dir / "solution", work)
    w = Web("--lab", "arp-routing", "--student", "webtest", "--dir", str(work))
    try:
        drv = browser
        drv.get(w.url)
        n = until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length",
                   "the drawing")
        assert n == len(w.json("/api/topology")["nodes"])
        until(drv, "return Object.keys(window.netdojo.rates).length", "live rates")
        # a terminal in h1: type a ping to h4 and read its reply in the terminal
        drv.execute_script("window.netdojo.cy.getElementById('h1').emit('tap')")
        until(drv, "return window.netdojo.terms['h1#1'] && "
                    "window.netdojo.terms['h1#1'].ws.readyState === 1", "a terminal")
        box = drv.find_element("css selector", "#term-area .term.on .xterm-helper-textarea")
        box.send_keys("ping -c 2 -W 2 h4\n")
        text = until(drv, "const t = window.netdojo.terms['h1#1'].text(); "
                           "return /packets transmitted/.test(t) && t", "ping's summary")
        assert "2 received" in text, text
        shot(drv, "terminal")
        # cut a link by clicking it, and see its state change
        link = drv.execute_script("return window.netdojo.topology.links[0].id")
        drv.execute_script(f"window.netdojo.cy.getElementById('{link}').emit('tap')")
        drv.find_element("id", "link-toggle").click()
        until(drv, "return document.getElementById('link-state')?.textContent === 'cut'",
               "the link cut")
        assert drv.execute_script(f"return window.netdojo.cy.getElementById('{link}')"
                                  ".hasClass('cut')")
        shot(drv, "link-cut")
        drv.find_element("id", "link-toggle").click()
        until(drv, "return document.getElementById('link-state')?.textContent === 'up'",
               "the link restored")
        # the worksheet, in Korean
        drv.find_element("css selector", "#tabs button[data-tab=sheet]").click()
        drv.find_element("id", "lang-ko").click()
        until(drv, "return document.getElementById('sheet').textContent.includes('실습')",
               "the Korean worksheet")
        assert drv.execute_script("return document.querySelector('#sheet img')"
                                  ".naturalWidth > 0"), "the drawing in the worksheet loads"
        shot(drv, "worksheet")
        # check my work: the solution scores full marks, streamed in
        drv.find_element("css selector", "#tabs button[data-tab=check]").click()
        drv.find_element("id", "check-run").click()
        score = until(drv, "return document.getElementById('score')?.textContent",
                       "a score", deadline=240)
        got, full = (float(x) for x in score.split("/"))
        assert got == full > 0, score
        assert "lab torn down" in drv.find_element("id", "check-log").text
        shot(drv, "check")
    finally:
        assert w.stop() == 130  # Ctrl-C, as for every netdojo command


def test_in_chromium_the_failover_reproduction_runs_live(web_linear, browser):
    """Started from the page: per-second bars fill in, HAProxy marks the crashed backend DOWN
    on its lane, and the finished report opens from the page."""
    w, drv = web_linear, browser
    drv.get(w.url)
    until(drv, "return window.netdojo.cy && window.netdojo.cy.nodes().length", "drawing")
    drv.find_element("css selector", "#tabs button[data-tab=failover]").click()
    until(drv, "return document.querySelectorAll('#fo-scenario option').length", "scenarios")
    drv.execute_script("document.getElementById('fo-scenario').value = 'ci-short'")
    drv.find_element("id", "fo-run").click()
    until(drv, "return document.querySelectorAll('.fo-variant rect.ok').length > 5",
           "live request bars", deadline=120)
    href = until(drv, "return document.getElementById('fo-report')?.getAttribute('href')",
                  "the report link", deadline=300)
    shot(drv, "failover")
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
        until(drv, "return window.classView", "the class")
        bars = drv.execute_script("return [...document.querySelectorAll('rect.bar')]"
                                  ".filter(r => +r.getAttribute('height') > 0).length")
        assert bars >= 2
        assert len(drv.find_elements("css selector", "tr.check-row")) == 3
        assert drv.find_element("id", "regrade-arp-routing").text == "s4"
        assert len(drv.find_elements("css selector", "details.student")) == 5
        shot(drv, "class")
        assert w.get("/api/class", method="POST", body=b"{}")[0] == 405
        assert w.get("/api/class", token=False)[0] == 403
    finally:
        assert w.stop() == 130
    assert (tmp_path / "gradebook.sqlite").read_bytes() == before
