"""The three pilot labs, end to end on real networks: the solution scores 100 % for two students
with different values, the starter scores less with hints, a known-wrong submission loses
exactly its points, and bad input costs only the checks that depend on it — with nothing left
running afterwards."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from netdojo.labs.catalog import find_lab
from netdojo.labs.params import draw
from netdojo.labs.runner import LabReport, check_lab
from netdojo.topo.addressing import mac_for

from .helpers import cli, snapshot
from .test_services import _docker_ready


def _labelled() -> set[str]:
    r = subprocess.run(["docker", "ps", "-aq", "--filter", "label=netdojo.run"],
                       capture_output=True, text=True)
    return set(r.stdout.split()) if r.returncode == 0 else set()


@pytest.fixture
def nothing_left():
    before, ctrs = snapshot(), _labelled()
    yield
    after = snapshot()
    assert after["netns"] <= before["netns"], f"namespaces left: {after['netns'] - before['netns']}"
    assert after["runs"] <= before["runs"], "run records left"
    assert _labelled() <= ctrs, "containers left"


@pytest.fixture
def docker(caps):
    _docker_ready(caps)


def check(lab_id: str, student: str, folder: Path) -> LabReport:
    return check_lab(find_lab(lab_id), student, folder, log=lambda m: None)


def scores(rep: LabReport) -> dict[str, float]:
    return {r.name: r.score for r in rep.results}


def solution_copy(tmp_path: Path, lab_id: str) -> Path:
    dst = tmp_path / lab_id
    shutil.copytree(find_lab(lab_id).dir / "solution", dst)
    return dst


def two_students(lab_id: str, key: str) -> tuple[str, str]:
    """Two student ids whose values differ in `key` (so the solution must adapt)."""
    lab = find_lab(lab_id)
    first = "alice"
    other = next(f"s{i:03d}" for i in range(100)
                 if draw(lab, f"s{i:03d}")[key] != draw(lab, first)[key])
    return first, other


def assert_full(rep: LabReport) -> None:
    assert rep.full_marks, "\n".join(f"{r.name}: {r.score}/{r.points} {r.message}"
                                     for r in rep.results if not r.full)


# ----- arp-routing -----------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("arp-routing", "detour"))
def test_arp_routing_solution_scores_full_marks(student, nothing_left):
    rep = check("arp-routing", student, find_lab("arp-routing").dir / "solution")
    assert_full(rep)
    assert rep.files["routing.sh"]["origin"] == "made by make-routes.sh"


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
@pytest.mark.parametrize("student", two_students("throughput-latency", "bw"))
def test_throughput_latency_solution_scores_full_marks(student, nothing_left):
    rep = check("throughput-latency", student, find_lab("throughput-latency").dir / "solution")
    assert_full(rep)
    samples = {r.name: r.samples for r in rep.results}
    assert len(samples["rtt"]) >= 20  # every probe is kept


def test_throughput_latency_small_window_loses_exactly_its_points(tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "throughput-latency")
    script = sub / "measure.sh"
    script.write_text(script.read_text().replace('window=$((2 * bdp))', "window=4096"))
    rep = check("throughput-latency", "alice", sub)
    s = scores(rep)
    assert s["window"] == 0 and s["transfer"] == 0, [r.message for r in rep.results]
    assert rep.score == 7, [(r.name, r.score, r.message) for r in rep.results]


def test_throughput_latency_starter_and_broken_answers(tmp_path, nothing_left):
    rep = check("throughput-latency", "bob", find_lab("throughput-latency").dir / "starter")
    assert rep.score == 0 and all("fill it in" in r.message for r in rep.results)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "answers.yaml").write_text("rtt_ms: 40\nthroughput_mbit: [\n")
    rep = check("throughput-latency", "bob", sub)
    assert rep.score == 0 and all("not valid YAML" in r.message for r in rep.results)


# ----- lb-failover -----------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("lb-failover", "api_backend"))
def test_lb_failover_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("lb-failover", student, find_lab("lb-failover").dir / "solution")
    assert_full(rep)


def test_lb_failover_starter_scores_less(docker, nothing_left):
    rep = check("lb-failover", "bob", find_lab("lb-failover").dir / "starter")
    s = scores(rep)
    assert s["accepted"] == 1 and rep.score == 1, [(r.name, r.score, r.message)
                                                   for r in rep.results]
    assert "failed while web1 was crashed" in next(r.message for r in rep.results
                                                    if r.name == "no_fail_crash")


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
@pytest.mark.parametrize("student", two_students("tcp-udp-pdu", "port"))
def test_tcp_udp_pdu_solution_scores_full_marks(student, nothing_left):
    rep = check("tcp-udp-pdu", student, find_lab("tcp-udp-pdu").dir / "solution")
    assert_full(rep)
    assert rep.files["tcp.pcap"]["origin"] == "made by solve.sh"


def test_tcp_udp_pdu_frame_and_packet_swapped_loses_exactly_half_a_point(tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "tcp-udp-pdu")
    script = sub / "solve.sh"
    text = script.read_text().replace("{{pdu: frame,", "{{pdu: PACKET,")
    script.write_text(text.replace("{{pdu: packet,", "{{pdu: frame,")
                      .replace("PACKET", "packet"))
    rep = check("tcp-udp-pdu", "alice", sub)
    assert scores(rep)["pdus"] == 1.5 and rep.score == 9.5, \
        [(r.name, r.score, r.message) for r in rep.results]


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


# ----- lan-man-wan -----------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("lan-man-wan", "order"))
def test_lan_man_wan_solution_scores_full_marks(student, nothing_left):
    rep = check("lan-man-wan", student, find_lab("lan-man-wan").dir / "solution")
    assert_full(rep)
    assert set(rep.shown_params) == {"net"}  # the classes and their figures stay secret


def test_lan_man_wan_lan_and_man_swapped_loses_exactly_two_thirds_of_the_class_points(
        tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "lan-man-wan")
    script = sub / "measure.sh"
    script.write_text(script.read_text().replace('(r < 1) ? "lan" : (r < 20) ? "man"',
                                                 '(r < 1) ? "man" : (r < 20) ? "lan"'))
    rep = check("lan-man-wan", "alice", sub)
    assert scores(rep)["classify"] == pytest.approx(2 / 3, abs=0.001)
    assert rep.score == pytest.approx(10 - 4 / 3, abs=0.002), [(r.name, r.score, r.message)
                                                                for r in rep.results]


def test_lan_man_wan_starter_scores_nothing_and_says_what_to_fill_in(nothing_left):
    rep = check("lan-man-wan", "bob", find_lab("lan-man-wan").dir / "starter")
    assert rep.score == 0
    assert "answers.yaml: no rtt_ms for p1 — fill it in" in rep.results[0].message


# ----- topologies ------------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("topologies", "bottleneck"))
def test_topologies_solution_scores_full_marks(student, nothing_left):
    rep = check("topologies", student, find_lab("topologies").dir / "solution")
    assert_full(rep)
    reach = next(r for r in rep.results if r.name == "reach")
    assert len(reach.samples["ring"]) == 6  # every pair of every topology was pinged
    assert {"tree_fail", "ring_fail"} <= set(rep.shown_params)
    assert "bottleneck" not in rep.shown_params and "slow_bw" not in rep.shown_params


def test_topologies_wrong_bottleneck_and_wrong_star_prediction_lose_exactly_their_points(
        tmp_path, nothing_left):
    sub = solution_copy(tmp_path, "topologies")
    script = sub / "measure.sh"
    text = script.read_text()
    # the link one before the real one (or after it, at the path's start)
    text = text.replace('link = ["src", *path][first] + "-" + path[first]',
                        'k = first - 1 if first else 1\n'
                        'link = ["src", *path][k] + "-" + path[k]')
    # predicting that the star survives anything: wrong for every student's star failure
    text = text.replace('print(f"{t}:\\n  predicted: {text}',
                        'pred = json.dumps([[f"{t}{i}" for i in range(1, 5)]]) '
                        'if t == "star" else text\n'
                        '    print(f"{t}:\\n  predicted: {pred}')
    assert text != script.read_text()
    script.write_text(text)
    rep = check("topologies", "alice", sub)
    s = scores(rep)
    assert s["bottleneck_link"] == 0 and s["predict"] == pytest.approx(5 / 6 * 2, abs=0.01)
    assert rep.score == pytest.approx(14 - 2 - 1 / 3, abs=0.01), [
        (r.name, r.score, r.message) for r in rep.results]


def test_topologies_starter_scores_nothing_and_says_what_to_fill_in(tmp_path, nothing_left):
    out = tmp_path / "r.json"
    r = cli("lab", "check", "topologies", "--dir", str(find_lab("topologies").dir / "starter"),
            "--student", "bob", "--json", str(out))
    assert r.returncode == 1, r.stderr
    assert "answers.yaml: no tree.measured — fill it in" in r.stdout
    assert "hint: `fail ELEMENT` in the lab shell" in r.stdout
    assert json.loads(out.read_text())["score"] == 0


# ----- dns -------------------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("dns", "domain"))
def test_dns_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("dns", student, find_lab("dns").dir / "solution")
    assert_full(rep)
    assert rep.files["db.zone"]["origin"] == "made by make-zones.sh"
    assert "route" not in rep.shown_params  # where www stands is for the student to find


def test_dns_ptr_without_its_final_dot_loses_exactly_that_point(tmp_path, docker, nothing_left):
    sub = solution_copy(tmp_path, "dns")
    script = sub / "make-zones.sh"
    script.write_text(script.read_text().replace("IN PTR   www.$LAB_DOMAIN.",
                                                 "IN PTR   www.$LAB_DOMAIN"))
    rep = check("dns", "alice", sub)
    s = scores(rep)
    assert s["ptr"] == 0 and rep.score == 11, [(r.name, r.score, r.message) for r in rep.results]
    assert "in-addr.arpa" in next(r.message for r in rep.results if r.name == "ptr")


def test_dns_zone_refused_by_named_checkzone_costs_only_its_checks(tmp_path, docker,
                                                                  nothing_left):
    sub = solution_copy(tmp_path, "dns")
    (sub / "measure.sh").unlink()
    (sub / "db.zone").write_text("$TTL 300\n@ IN SOA ns hostmaster 1 3600 600 86400 60\n"
                                 "@ IN NS ns\nns IN A 10.1.2.300\n")
    p = draw(find_lab("dns"), "alice")
    cities = p["route"].split(",")
    (sub / "answers.yaml").write_text(
        f"aa: {{ns1: true, res: false}}\nresolution_path: [res, root, ns1]\n"
        f"web_hops: [{', '.join(cities)}]\nweb_city: {cities[-1]}\n"
        f"geoip_prefix: 10.{p['net']}.200.0/24\n")
    rep = check("dns", "alice", sub)
    err = rep.files["db.zone"]["error"]
    assert "db.zone:4: near '10.1.2.300': bad dotted quad" in err, err  # named-checkzone's words
    s = scores(rep)
    for name in ("a_record", "cname", "mx", "txt", "alias_end_to_end"):
        assert s[name] == 0 and "bad dotted quad" in next(r.message for r in rep.results
                                                           if r.name == name)
    # the reverse zone was still served, and the answers were judged on the running network
    assert s["ptr"] == 1 and rep.score == 6, [(r.name, r.score, r.message) for r in rep.results]


def test_dns_starter_scores_nothing_and_shows_hints(tmp_path, docker, nothing_left):
    r = cli("lab", "check", "dns", "--dir", str(find_lab("dns").dir / "starter"),
            "--student", "bob")
    assert r.returncode == 1, r.stderr
    assert "hint: In db.zone: `www IN A <web's address>`" in r.stdout
    assert "answers.yaml: aa needs ns1: true/false" in r.stdout
    assert "total: 0/12 points" in r.stdout


# ----- addressing-dhcp-nat ---------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("addressing-dhcp-nat", "ext_port"))
def test_addressing_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("addressing-dhcp-nat", student, find_lab("addressing-dhcp-nat").dir / "solution")
    assert_full(rep)
    assert rep.files["kea-dhcp4.conf"]["origin"] == "made by make-kea.sh"


def test_addressing_reservation_for_the_wrong_mac_loses_exactly_its_points(tmp_path, docker,
                                                                          nothing_left):
    sub = solution_copy(tmp_path, "addressing-dhcp-nat")
    script = sub / "make-kea.sh"
    script.write_text(script.read_text().replace('"hw-address": "$mac"',
                                                 '"hw-address": "02:00:00:00:00:01"'))
    rep = check("addressing-dhcp-nat", "alice", sub)
    s = scores(rep)
    assert s["reservation"] == 0 and rep.score == 12, [(r.name, r.score, r.message)
                                                       for r in rep.results]
    assert "printer leased 10." in next(r.message for r in rep.results if r.name == "reservation")


def test_addressing_kea_config_refused_costs_only_the_dhcp_checks(tmp_path, docker, nothing_left):
    sub = solution_copy(tmp_path, "addressing-dhcp-nat")
    (sub / "kea-dhcp4.conf").write_text('{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "10.0.0.0/24",'
                                        ' "pools": [{"pool": "10.0.0.9 - "}]}]}}\n')
    rep = check("addressing-dhcp-nat", "alice", sub)
    err = rep.files["kea-dhcp4.conf"]["error"]
    assert "kea-dhcp4" in err and "pool" in err, err  # Kea's own words
    s = scores(rep)
    assert s["lease_pool"] == s["reservation"] == s["options"] == 0
    assert rep.score == 10, [(r.name, r.score, r.message) for r in rep.results]


def test_addressing_starter_scores_nothing_and_says_what_to_fill_in(docker, nothing_left):
    rep = check("addressing-dhcp-nat", "bob", find_lab("addressing-dhcp-nat").dir / "starter")
    assert rep.score == 0, [(r.name, r.score, r.message) for r in rep.results]
    assert "answers.yaml: subnets.lana.cidr — fill it in" in rep.results[0].message


# ----- devices ---------------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("devices", "api_backend"))
def test_devices_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("devices", student, find_lab("devices").dir / "solution")
    assert_full(rep)
    frames = next(r for r in rep.results if r.name == "hub_vs_switch").samples
    assert frames["hub"] >= 18 and frames["switch"] <= 1  # the hub repeats, the switch does not


def test_devices_l7_without_http_health_checks_loses_exactly_one_point(tmp_path, docker,
                                                                      nothing_left):
    sub = solution_copy(tmp_path, "devices")
    script = sub / "make-l7.sh"
    text = "\n".join(ln for ln in script.read_text().splitlines()
                     if "httpchk" not in ln and "http-check" not in ln)
    script.write_text(text + "\n")
    rep = check("devices", "alice", sub)
    s = scores(rep)
    assert s["health_503"] == 1 and rep.score == 11, [(r.name, r.score, r.message)
                                                        for r in rep.results]
    assert "lb7 failed 0" not in next(r.message for r in rep.results if r.name == "health_503")


def test_devices_starter_scores_less_and_shows_hints(docker, nothing_left):
    r = cli("lab", "check", "devices", "--dir", str(find_lab("devices").dir / "starter"),
            "--student", "bob")
    assert r.returncode == 1, r.stderr
    assert "answers.yaml: hub_seen must be a whole number — fill it in" in r.stdout
    assert "hint: l4.cfg: `mode tcp` and both servers" in r.stdout
    score = float(re.search(r"total: ([\d.]+)/12 points", r.stdout).group(1))
    assert score < 3


# ----- diagnostics -----------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("diagnostics", "fourth"))
def test_diagnostics_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("diagnostics", student, find_lab("diagnostics").dir / "solution")
    assert_full(rep)
    assert rep.shown_params == {"net": draw(find_lab("diagnostics"), student)["net"]}


def test_diagnostics_wrong_slow_link_loses_exactly_one_point(tmp_path, docker, nothing_left):
    sub = solution_copy(tmp_path, "diagnostics")
    script = sub / "measure.sh"
    text = script.read_text().replace(
        "where: {before}-{after}", "where: {'r2-r3' if {before, after} == {'r1', 'r2'} else 'r1-r2'}")
    assert text != script.read_text()
    script.write_text(text)
    rep = check("diagnostics", "alice", sub)
    s = scores(rep)
    assert s["slow_hop"] == 1 and rep.score == 10, [(r.name, r.score, r.message)
                                                    for r in rep.results]


def test_diagnostics_starter_scores_nothing_and_says_what_to_fill_in(docker, nothing_left):
    rep = check("diagnostics", "bob", find_lab("diagnostics").dir / "starter")
    assert rep.score == 0, [(r.name, r.score, r.message) for r in rep.results]
    assert "answers.yaml: faults.slow needs where, evidence — fill it in" in rep.results[0].message


# ----- http-versions ---------------------------------------------------------------------------
@pytest.mark.parametrize("student", two_students("http-versions", "objects"))
def test_http_versions_solution_scores_full_marks(student, docker, nothing_left):
    rep = check("http-versions", student, find_lab("http-versions").dir / "solution")
    assert_full(rep)
    loads = next(r for r in rep.results if r.name == "load_table")
    assert "http1.0" in loads.message and "http3" in loads.message


def test_http_versions_wrong_cause_and_count_lose_exactly_their_points(tmp_path, docker,
                                                                        nothing_left):
    sub = solution_copy(tmp_path, "http-versions")
    script = sub / "measure.sh"
    text = (script.read_text().replace('"http1.1": n + 2,', '"http1.1": n + 1,')
            .replace('"http2_loss": "c"', '"http2_loss": "a"'))
    assert text.count("n + 1,") == 1 and '"http2_loss": "a"' in text
    script.write_text(text)
    rep = check("http-versions", "alice", sub)
    s = scores(rep)
    assert s["round_trip_counts"] == 1.6 and s["why"] == 3, [(r.name, r.score, r.message)
                                                             for r in rep.results]
    assert rep.score == pytest.approx(18.6), [(r.name, r.score, r.message) for r in rep.results]


def test_http_versions_starter_scores_nothing_and_says_what_to_fill_in(docker, nothing_left):
    r = cli("lab", "check", "http-versions", "--dir",
            str(find_lab("http-versions").dir / "starter"), "--student", "bob")
    assert r.returncode == 1, r.stderr
    assert "answers.yaml: no answer for 'rtt_ms' — fill it in" in r.stdout
    assert "hint: `client openssl s_client -connect web:443" in r.stdout
    assert re.search(r"total: 0/20 points", r.stdout), r.stdout[-800:]
