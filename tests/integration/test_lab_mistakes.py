"""A known-wrong submission per lab loses exactly its points, and bad input costs only the
checks that depend on it; the lab commands around a check (start, Ctrl-C, capture) — with
nothing left running afterwards."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from netdojo.labs.catalog import find_lab
from netdojo.labs.values import draw
from netdojo.topo.addressing import mac_for

from .helpers import cli
from .lab_helpers import check, scores, solution_copy
from .test_services import _docker_ready


@pytest.fixture
def docker(caps):
    _docker_ready(caps)


# ----- arp-routing -----------------------------------------------------------------------------
def test_arp_routing_starter_scores_less_and_shows_hints(tmp_path, nothing_left):
    out = tmp_path / "result.json"
    r = cli("lab", "check", "arp-routing", "--dir", str(find_lab("arp-routing").dir / "starter"),
            "--student", "bob", "--json", str(out))
    assert r.returncode == 1, r.stderr
    assert "hint: Give every host a default route" in r.stdout
    assert "1 hidden check(s) worth 1 points: counted in the total, not shown" in r.stdout
    assert "[3/6] traceroute from h1" in r.stdout  # progress while it runs
    doc = json.loads(out.read_text())
    assert doc["score"] < doc["max_score"] == 10 and not doc["full_marks"]
    assert all(c["visible"] for c in doc["checks"]) and doc["hidden_checks"]["count"] == 1
    assert "routers_reach_hosts" not in out.read_text()


def test_arp_routing_wrong_path_loses_exactly_one_point(tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "arp-routing")
    script = sub / "make-routes.sh"
    # Both of r3's LANs over the direct link: everything works, but not along the asked path.
    script.write_text(re.sub(r"^if .*$", 'via3="$P.13.3"; via4="$P.13.3"', script.read_text(),
                             flags=re.M))
    rep = check("arp-routing", "alice", sub)
    s = scores(rep)
    assert s.pop("paths") == 1 and rep.score == 9
    assert all(r.full for r in rep.results if r.name != "paths")


def _right_answers(student: str) -> str:
    lab = find_lab("arp-routing")
    p = draw(lab, student)
    mac = mac_for("r1", "eth0", str(p["mac_seed"]))
    return (f'gateway_mac: "{mac}"\narp_requests: 1\n'
            f"arp_asked_for: [10.{p['net']}.1.1]\n")


@pytest.mark.parametrize("routing,answers,expect", [
    (b"\x7fELF\x02\x01\x01\x00" * 4, None, {"routing.sh": "is not a text file"}),
    (b"h1 rm -rf /\n", b"gateway_mac: \xff\xfe\n",
     {"routing.sh": "only these commands are allowed", "answers.yaml": "not UTF-8 text"}),
    (None, b"gateway_mac: [unclosed\n",
     {"routing.sh": "missing — hand in routing.sh (or make-routes.sh",
      "answers.yaml": "not valid YAML"}),
])
def test_arp_routing_bad_input_costs_only_what_depends_on_it(tmp_path, routing, answers, expect,
                                                             nothing_left):
    sub = tmp_path / "sub"
    sub.mkdir()
    if routing is not None:
        (sub / "routing.sh").write_bytes(routing)
    (sub / "answers.yaml").write_bytes(answers if answers is not None
                                       else _right_answers("alice").encode())
    rep = check("arp-routing", "alice", sub)
    for name, words in expect.items():
        assert words in rep.files[name]["error"], rep.files[name]
    for r in rep.results:
        broken = [expect[n] for n in _needs(r.name) if n in expect]
        if broken:
            assert r.score == 0 and any(w in r.message for w in broken), r.message
    assert not any(r.error for r in rep.results), "bad input must not look like a broken check"
    if list(expect) == ["routing.sh"]:
        # the gateway is on h1's own link: the MAC check still runs and passes without routes
        assert next(r for r in rep.results if r.name == "gateway_mac").full


def _needs(check_name: str) -> tuple[str, ...]:
    from netdojo.labs.checks import load_checks

    lab = find_lab("arp-routing")
    mod = load_checks(lab.dir / "checks.py", lab.id)
    return next(c.needs for c in mod.checks if c.name == check_name)


def test_lab_start_copies_the_starter_and_down_removes_the_run(tmp_path, nothing_left):
    work = tmp_path / "work"
    r = cli("lab", "start", "arp-routing", "--student", "alice", "--dir", str(work), "--detach")
    assert r.returncode == 0, r.stderr
    run_id = re.search(r"run ([0-9a-f]{6})\)", r.stdout).group(1)
    assert (work / "routing.sh").is_file() and (work / ".netdojo-lab.yaml").is_file()
    h1 = cli("exec", "--run", run_id, "h1", "--", "ip", "-4", "addr", "show", "eth0")
    assert "10.191.1.10/24" in h1.stdout  # alice's own addresses
    assert cli("down", run_id).returncode == 0
    # the recorded student is used by a later check in that folder
    r = cli("lab", "check", "arp-routing", "--dir", str(work))
    assert "arp-routing — student alice" in r.stdout and r.returncode == 1


# ----- throughput-latency ----------------------------------------------------------------------
def test_throughput_latency_small_window_loses_exactly_its_points(tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "throughput-latency")
    script = sub / "measure.sh"
    script.write_text(script.read_text().replace('window=$((bdp * LAB_SHARE / 100))',
                                                 "window=4096"))
    rep = check("throughput-latency", "alice", sub)
    s = scores(rep)
    assert s["window"] == 0 and s["transfer"] == 0, [r.message for r in rep.results]
    # the hidden check judges the reported rate only with the student's own window
    assert rep.score == 6, [(r.name, r.score, r.message) for r in rep.results]


# ----- lb-failover -----------------------------------------------------------------------------
def test_lb_failover_without_retries_loses_exactly_the_failure_checks(tmp_path, docker,
                                                                      nothing_left):
    sub = solution_copy(tmp_path, "lb-failover")
    script = sub / "make-cfg.sh"
    script.write_text("\n".join(ln for ln in script.read_text().splitlines()
                                if not re.match(r"\s*(retries|option redispatch|retry-on)", ln))
                      + "\n")
    rep = check("lb-failover", "alice", sub)
    s = scores(rep)
    assert s["no_fail_crash"] == 0 and s["no_fail_cut"] == 0
    assert rep.score == 7, [(r.name, r.score, r.message) for r in rep.results]


def test_lb_failover_config_haproxy_rejects_scores_zero_with_its_words(tmp_path, docker,
                                                                       nothing_left):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "haproxy.cfg").write_text("frontend shop\n  bind :80\n  default_backend nowhere\n")
    rep = check("lb-failover", "alice", sub)
    assert rep.score == 0
    assert all("nowhere" in r.message and "haproxy" in r.message for r in rep.results)
    assert "haproxy.cfg" in rep.files["haproxy.cfg"]["error"]


def test_ctrl_c_during_a_check_leaves_nothing(nothing_left):
    import signal

    from .helpers import popen_cli, wait_for_line

    proc = popen_cli("lab", "check", "throughput-latency", "--student", "alice", "--dir",
                     str(find_lab("throughput-latency").dir / "solution"))
    wait_for_line(proc, "running measure.sh on h1")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


# ----- tcp-udp-pdu -----------------------------------------------------------------------------
def test_tcp_udp_pdu_frame_and_packet_swapped_loses_exactly_half_a_point(tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "tcp-udp-pdu")
    script = sub / "solve.sh"
    text = script.read_text().replace("{{pdu: frame,", "{{pdu: PACKET,")
    script.write_text(text.replace("{{pdu: packet,", "{{pdu: frame,")
                      .replace("PACKET", "packet"))
    rep = check("tcp-udp-pdu", "alice", sub)
    # each check on a line of its own: pytest shortens a list's repr, and a miss elsewhere
    # (once in a full run, 2026-12-06) needs its message to be read whole
    assert scores(rep)["pdus"] == 2.5 and rep.score == 11.5, \
        "\n".join(f"{r.name} {r.score}: {r.message}" for r in rep.results)


def test_tcp_udp_pdu_starter_and_foreign_captures(tmp_path, nothing_left):
    starter = find_lab("tcp-udp-pdu").dir / "starter"
    rep = check("tcp-udp-pdu", "bob", starter)
    assert rep.score == 0 and "missing — hand in tcp.pcap (or solve.sh" in rep.results[0].message
    sub = tmp_path / "sub"
    sub.mkdir()
    shutil.copy(starter / "answers.yaml", sub)
    (sub / "tcp.pcap").write_text("GET / HTTP/1.1\r\n")  # text, not a capture
    rep = check("tcp-udp-pdu", "bob", sub)
    assert "not a pcap file" in rep.results[0].message and rep.score == 0
    # a well-formed capture, but not of bob's lab: its addresses give it away
    from tests.unit.test_pcap import pcap, session

    (sub / "tcp.pcap").write_bytes(pcap(session()))
    rep = check("tcp-udp-pdu", "bob", sub)
    three_way = next(r for r in rep.results if r.name == "three_way")
    p = draw(find_lab("tcp-udp-pdu"), "bob")
    assert three_way.score == 0 and f":{p['port']} (your lab's web server)" in three_way.message
    assert "10.1.1.10 -> 10.1.2.10:8080" in three_way.message


def test_capture_writes_a_pcap_that_tcpdump_reads(tmp_path, nothing_left):
    topo = tmp_path / "pair.yaml"
    topo.write_text("name: pair\nnodes: {h1: {}, h2: {}}\nlinks: [{endpoints: [h1, h2]}]\n")
    up = cli("up", str(topo), "--detach")
    run_id = re.search(r"run ([0-9a-f]{6}):", up.stdout).group(1)
    try:
        from .helpers import popen_cli, wait_for_line

        out = tmp_path / "h1.pcap"
        proc = popen_cli("capture", "--run", run_id, "h1", "-o", str(out), "--count", "4",
                         "--filter", "icmp")
        wait_for_line(proc, "capturing on h1:eth0")
        deadline = 20
        while proc.poll() is None and deadline > 0:
            cli("exec", "--run", run_id, "h1", "--", "ping", "-c", "1", "-W", "1", "h2")
            deadline -= 1
        stdout, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0 and "4 packets" in stdout
        from netdojo.measure.pcap import read_pcap

        frames = read_pcap(out.read_bytes())
        assert len(frames) == 4 and all(f.ip["proto"] == 1 for f in frames)
        bad = cli("capture", "--run", run_id, "h1:nope0", "-o", str(tmp_path / "x.pcap"),
                  "--count", "1")
        assert bad.returncode == 2 and "tcpdump on nope0" in bad.stderr
    finally:
        cli("down", run_id)
