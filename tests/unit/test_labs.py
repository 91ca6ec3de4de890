"""The lab layer's pure parts: lab files, parameters, submissions, commands, checks, timers,
drawings.  No root, no network."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netdojo.failover.timers import parse_time_ms, server_timers
from netdojo.labs.catalog import all_labs, find_lab, lab_ids
from netdojo.labs.checks import (
    Check,
    CheckFailure,
    failed,
    load_checks,
    partial,
    passed,
    run_check,
    within_band,
)
from netdojo.labs.runner import render_topology
from netdojo.labs.values import draw, values_for
from netdojo.topo.draw import to_dot

ROOT = Path(__file__).resolve().parents[2]
PILOTS = ["arp-routing", "throughput-latency", "lb-failover"]
LABS = lab_ids()


# ----- the catalogue ---------------------------------------------------------------------------
def test_pilot_labs_are_listed():
    assert set(PILOTS) <= set(lab_ids())


@pytest.mark.parametrize("lab_id", LABS)
def test_lab_folder_is_complete(lab_id):
    lab = find_lab(lab_id)
    for part in ("checks.py", "README.md", "README.ko.md", "starter", "solution", lab.topology):
        assert (lab.dir / part).exists(), f"{lab_id}: {part} is missing"
    mod = load_checks(lab.dir / "checks.py", lab.id)
    assert mod.checks and all(c.points > 0 and c.title and c.hint for c in mod.checks)
    assert any(not c.visible for c in mod.checks), "each lab keeps one check hidden"
    names = {f.name for f in lab.files}
    for c in mod.checks:
        assert set(c.needs) <= names, f"{c.name} needs an undeclared file"
    assert lab.title["ko"] and lab.summary["ko"]


@pytest.mark.parametrize("lab_id", LABS)
def test_worksheets_show_the_drawing_and_the_points(lab_id):
    lab = find_lab(lab_id)
    total = sum(c.points for c in load_checks(lab.dir / "checks.py", lab.id).checks)
    for sheet in ("README.md", "README.ko.md"):
        text = (lab.dir / sheet).read_text()
        images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
        assert images, f"{sheet} shows no drawing"
        for img in images:
            assert (lab.dir / img).is_file(), f"{sheet}: image {img} is missing"
        assert f"netdojo lab check {lab_id}" in text
        assert re.search(rf"(?<![\d.]){total:g}(?![\d.])", text), f"{sheet} does not give the total points"
    ko = (lab.dir / "README.ko.md").read_text()
    hangul = sum(1 for ch in ko if "\uac00" <= ch <= "\ud7a3")
    assert hangul > 400, "the Korean worksheet is mostly not Korean"


@pytest.mark.parametrize("lab_id", LABS)
def test_every_lab_topology_renders_for_any_student(lab_id):
    lab = find_lab(lab_id)
    for student in ("alice", "bob", "s001"):
        topo = render_topology(lab, values_for(lab, student))
        for f in lab.files:
            assert f.node is None or f.node in topo.nodes


# ----- parameters ------------------------------------------------------------------------------
def test_parameters_are_stable_per_student_and_differ_between_students():
    lab = find_lab("throughput-latency")
    assert draw(lab, "alice") == draw(lab, "alice")
    values = {tuple(draw(lab, f"s{i:03d}").items()) for i in range(40)}
    assert len(values) > 20
    for v in values:
        d = dict(v)
        assert 20 <= d["share"] <= 60 and 16 <= d["net"] <= 250


def test_a_bad_student_id_is_refused():
    from netdojo.errors import NetdojoError

    with pytest.raises(NetdojoError, match="student id"):
        draw(find_lab("arp-routing"), "../../etc")


# ----- checks ----------------------------------------------------------------------------------
def _check(fn, needs=()):
    return Check(fn, fn.__name__, "t", 2.0, "do X", True, tuple(needs))


def test_a_check_that_raises_scores_zero_and_says_so():
    def broken(ctx):
        return 1 / 0

    def refused(ctx):
        raise CheckFailure("answers.yaml: no answer for 'x'")

    r = run_check(_check(broken), None, {})
    assert r.score == 0 and r.error and r.message.startswith("check error: ZeroDivisionError")
    r = run_check(_check(refused), None, {})
    assert r.score == 0 and not r.error and "no answer for 'x'" in r.message
    r = run_check(_check(lambda ctx: partial(1, 4, "one of four")), None, {})
    assert r.score == 0.5 and r.message == "one of four"
    r = run_check(_check(lambda ctx: passed("ok"), needs=["a.cfg"]), None,
                  {"a.cfg": "a.cfg: rejected by haproxy: [ALERT] …"})
    assert r.score == 0 and "rejected by haproxy" in r.message


def test_within_band_retries_once_and_keeps_every_sample():
    rounds = iter([[30.0, 31.0, 29.0], [20.0, 20.5, 19.5]])
    res = within_band(lambda: next(rounds), 19, 21)
    assert res.ok and res.attempts == 2 and res.median == 20.0 and len(res.samples) == 6
    res = within_band(lambda: [30.0], 19, 21)
    assert not res.ok and res.attempts == 2 and res.samples == [30.0, 30.0]
    assert failed("x").fraction == 0 and passed("y").fraction == 1


# ----- HAProxy timers from a hand-written config ----------------------------------------------
CFG = """
defaults
  mode http
  default-server inter 3s fall 4
backend web
  default-server check inter 1s fastinter 300ms fall 2
  server web1 10.0.1.4:80 cookie a
  server web2 web2:80 no-check
backend other
  server web3 10.0.1.6:80 check   # inherits the defaults section
listen old
  server web1b 10.0.1.4:80 check inter 500
"""


def test_server_timers_follow_haproxys_defaults():
    t1 = server_timers(CFG, {"10.0.1.4", "web1"})
    assert [(t.server, t.checked, t.inter_ms, t.fall) for t in t1] == [
        ("web1", True, 1000.0, 2), ("web1b", True, 500.0, 4)]
    assert t1[0].detect_bound_s == 2.0 and t1[0].fastinter_ms == 300
    assert not server_timers(CFG, {"web2"})[0].checked
    t3 = server_timers(CFG, {"10.0.1.6"})[0]
    assert (t3.inter_ms, t3.fall) == (3000.0, 4)
    assert server_timers("backend b\n  server s 1.2.3.4:80 check\n", {"1.2.3.4"})[0] \
        .detect_bound_s == 6.0  # HAProxy's own defaults: inter 2s, fall 3
    assert parse_time_ms("2s") == 2000 and parse_time_ms("250") == 250 and \
        parse_time_ms("1m") == 60000 and parse_time_ms("soon") is None


# ----- drawings --------------------------------------------------------------------------------
def test_the_drawing_names_every_node_interface_and_shaped_link():
    lab = find_lab("throughput-latency")
    params = values_for(lab, "alice")
    dot = to_dot(render_topology(lab, params))
    for node in ("h1", "r1", "r2", "h2"):
        assert f'"{node}"' in dot
    assert f"{params['bw']:g} Mbit/s" in dot and f"{params['delay']:g} ms" in dot
    assert f"10.{params['net']}." in dot


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz's dot is not installed (scripts/install.sh installs it)")
def test_draw_writes_an_svg_that_parses(tmp_path):
    out = tmp_path / "arp.svg"
    r = subprocess.run([sys.executable, "-m", "netdojo", "draw", "arp-routing", "-o", str(out),
                        "--student", "alice"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    svg = ET.parse(out).getroot()
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "r3" in texts and "eth3" in texts and "10.191.23.3/24" in texts


def test_no_lab_folder_carries_a_students_state_file():
    for lab in all_labs():
        for folder in (lab.dir, lab.dir / "starter", lab.dir / "solution"):
            assert not (folder / ".netdojo-lab.yaml").exists(), folder


# ----- CLI: bad input is one clear line, never a traceback -------------------------------------
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "netdojo", *args], capture_output=True,
                          text=True)


def test_a_non_utf8_topology_gets_a_clear_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: x\nnodes: {h1: {}}\n# caf\xe9\n")
    r = _cli("validate", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}:3: this topology is not UTF-8 text (byte 0xe9)" in r.stderr


def test_an_unknown_lab_lists_the_known_ones():
    r = _cli("lab", "show", "no-such-lab")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "unknown lab 'no-such-lab'" in r.stderr and "arp-routing" in r.stderr


def test_lab_list_and_show_in_both_languages():
    r = _cli("lab", "list", "--lang", "ko")
    assert r.returncode == 0 and "ARP와 홉바이홉 통신" in r.stdout
    r = _cli("lab", "show", "throughput-latency", "--lang", "ko", "--student", "alice")
    assert r.returncode == 0 and "학생 alice의 값: net=" in r.stdout
    assert "bw=" not in r.stdout and "delay=" not in r.stdout  # secret: the student measures them


def test_secret_values_stay_out_of_drawings_and_scripts():
    from netdojo.labs.values import environment, shown

    lab = find_lab("throughput-latency")
    values = values_for(lab, "alice")  # with the rate and delay derived from the secret draws
    assert set(shown(lab, values)) == {"net", "share"}
    assert not {"LAB_BW", "LAB_PIPE_U", "LAB_RTT_U"} & set(environment(values, lab, "alice"))
    dot = to_dot(render_topology(lab, values), hide_shaping=True)
    assert "shaped: measure it" in dot and "Mbit/s" not in dot


@pytest.mark.parametrize("lab_id", LABS)
def test_every_worksheet_names_the_standards_of_what_the_student_uses(lab_id):
    lab = find_lab(lab_id)
    for sheet in ("README.md", "README.ko.md"):
        text = (lab.dir / sheet).read_text()
        assert re.search(r"\b(RFC \d{3,4}|IEEE 802\.\w+)", text), f"{lab_id}/{sheet} names none"


def test_a_daemons_words_survive_when_they_quote_things():
    from netdojo.labs.handin import after_service as _after_service

    msg = ("/x/topology.yaml:15: node 'ns1', service 'dns': dns_rdata_fromtext: db.zone:4: "
           "near '10.1.2.300': bad dotted quad")
    assert _after_service(msg) == "dns_rdata_fromtext: db.zone:4: near '10.1.2.300': bad dotted quad"


def test_fail_takes_a_node_or_the_one_link_between_two_nodes():
    from types import SimpleNamespace

    from netdojo.errors import NetdojoError
    from netdojo.net.failures import element
    from netdojo.topo import ring

    net = SimpleNamespace(topo=ring(4))
    link = element(net, "r2-r1")
    assert link.name == "r2-r1" and {n for n, _ in link.ports} == {"r1", "r2"}
    assert len(element(net, "r3").ports) == 3  # two ring links and its host's
    with pytest.raises(NetdojoError, match="no link joins r1 and r3"):
        element(net, "r1-r3")
    with pytest.raises(NetdojoError, match="neither a node nor a link"):
        element(net, "zz")


def test_addressing_classful_waste_is_the_classful_networks_hosts_less_what_the_lans_use():
    lab = find_lab("addressing-dhcp-nat")
    load_checks(lab.dir / "checks.py", lab.id)
    unused = sys.modules["netdojo_lab_checks_addressing_dhcp_nat"].classful_unused
    needs = {"need_a": 33, "need_b": 17, "need_c": 5}  # + r1 on each: 58 addresses used
    assert unused({"block_ab": "10.9", "block_c": 4, **needs}) == 2 ** 24 - 2 - 58
    assert unused({"block_ab": "172.22", "block_c": 4, **needs}) == 2 ** 16 - 2 - 58
    assert unused({"block_ab": "192.168", "block_c": 4, **needs}) == 254 - 58
