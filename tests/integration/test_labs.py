"""Every lab end to end on real networks: its solution scores 100 % for two students with
different values, and its starter scores at most its free points and says what to fill in —
with nothing left running afterwards.  tests/integration/test_lab_mistakes.py holds a
known-wrong submission per lab; each lab's mutants, one per check, are proven by the self-test
(benchmarks/results/selftest.md)."""

from __future__ import annotations

import pytest

from netdojo.labs.catalog import find_lab
from netdojo.labs.runner import LabReport
from netdojo.labs.values import draw
from netdojo.net import hwsim

from .lab_helpers import assert_full, check, two_students  # noqa: F401
from .test_services import _docker_ready

DOCKER = {"lb-failover", "dns", "addressing-dhcp-nat", "devices", "diagnostics", "http-versions",
          "ssh-mail", "wifi", "ipv6", "https-ways"}
# lab: the value two students must differ in (so the solution adapts), and what else its
# report must show
SOLUTIONS = {
    "arp-routing": ("detour", lambda rep, s: rep.files["routing.sh"]["origin"]
                    == "made by make-routes.sh"),
    "throughput-latency": ("pipe_u", lambda rep, s: len(_samples(rep, "rtt")) >= 20),  # every probe
    "lb-failover": ("api_backend", lambda rep, s: True),
    "tcp-udp-pdu": ("port", lambda rep, s: rep.files["tcp.pcap"]["origin"] == "made by solve.sh"),
    # the classes and their figures stay secret
    "lan-man-wan": ("order", lambda rep, s: set(rep.shown_params) == {"net"}),
    # every pair of every topology was pinged
    "topologies": ("bottleneck", lambda rep, s: len(_samples(rep, "reach")["ring"]) == 6),
    "dns": ("domain", lambda rep, s: rep.files["db.zone"]["origin"] == "made by make-zones.sh"
            and "route" not in rep.shown_params),  # where www stands is for the student to find
    "addressing-dhcp-nat": ("ext_port", lambda rep, s: rep.files["kea-dhcp4.conf"]["origin"]
                            == "made by make-kea.sh"),
    # the hub repeats, the switch does not
    "devices": ("api_backend", lambda rep, s: _samples(rep, "hub_vs_switch")["hub"] >= 18
                and _samples(rep, "hub_vs_switch")["switch"] <= 1),
    "diagnostics": ("fourth", lambda rep, s: rep.shown_params
                    == {"net": draw(find_lab("diagnostics"), s)["net"]}),
    "http-versions": ("objects", lambda rep, s: "http1.0" in _result(rep, "load_table").message
                      and "http3" in _result(rep, "load_table").message),
    # the MX preferences are for the student to find in DNS
    "ssh-mail": ("pc_host", lambda rep, s: rep.files["answers.yaml"]["origin"]
                 == "made by measure.sh" and not {"mx1_pref", "mx2_pref"} & set(rep.shown_params)),
    # every address comes from the student's MACs
    "ipv6": ("mac_seed", lambda rep, s: rep.files["answers.yaml"]["origin"]
             == "made by measure.sh"),
    # the student's CA made by their script, the WAN's delay never shown
    "https-ways": ("ca_no", lambda rep, s: rep.files["ca.pem"]["origin"] == "made by make-certs.sh"
                   and "delay" not in rep.shown_params),
    # the channel's rate is measured, never shown
    "wifi": ("ssid", lambda rep, s: rep.files["ap1.conf"]["origin"] == "made by make-ap1.sh"
             and "airtime" not in rep.shown_params),
}
# lab: (the most its starter may score, words one of its checks must say, words of a hint)
STARTERS = {
    "throughput-latency": (0, "fill it in", ""),
    "lb-failover": (1, "failed while web1 was crashed", ""),  # its config is accepted: 1 point
    "tcp-udp-pdu": (0, "missing — hand in tcp.pcap (or solve.sh", ""),
    "lan-man-wan": (0, "answers.yaml: no rtt_ms for p1 — fill it in", ""),
    "topologies": (0, "answers.yaml: no tree.measured — fill it in",
                   "`fail ELEMENT` in the lab shell"),
    "dns": (0, "answers.yaml: aa needs ns1: true/false", "In db.zone: `www IN A <web's address>`"),
    "addressing-dhcp-nat": (0, "answers.yaml: subnets.lana.cidr — fill it in", ""),
    "devices": (3, "answers.yaml: hub_seen must be a whole number — fill it in",
                "l4.cfg: `mode tcp` and both servers"),
    "diagnostics": (0, "answers.yaml: faults.slow needs where, evidence — fill it in", ""),
    "http-versions": (0, "answers.yaml: no answer for 'rtt_ms' — fill it in",
                      "`client openssl s_client -connect web:443"),
    "ssh-mail": (0, "answers.yaml: seen_from — fill it in", "The preferred exchanger has the "
                 "LOWEST preference number"),
    "ipv6": (0, "rejected by `radvd`", "radvd.conf: `interface eth0"),
    "wifi": (0, "ap1 sends SSID 'CHANGE-ME'", "ap1.conf: interface=wlan0, bridge=br0"),
    "https-ways": (0, "missing — hand in ca.pem (or make-certs.sh", "-addext "
                   "basicConstraints=critical,CA:TRUE"),
}
NO_RADIOS = "wifi needs the kernel's mac80211_hwsim radios, which this kernel lacks: " \
    "tests/integration/test_vm.py runs it in the lab VM"


def _radios(lab_id: str) -> None:
    if "wifi" in find_lab(lab_id).needs and not hwsim.available():
        pytest.skip(NO_RADIOS)


def _result(rep: LabReport, name: str):
    return next(r for r in rep.results if r.name == name)


def _samples(rep: LabReport, name: str):
    return _result(rep, name).samples


@pytest.mark.parametrize("lab_id,student", [(lab, s) for lab, (key, _) in SOLUTIONS.items()
                                            for s in two_students(lab, key)])
def test_the_solution_scores_full_marks_for_two_students(lab_id, student, caps, nothing_left):
    _radios(lab_id)
    if lab_id in DOCKER:
        _docker_ready(caps)
    rep = check(lab_id, student, find_lab(lab_id).dir / "solution")
    assert_full(rep)
    assert SOLUTIONS[lab_id][1](rep, student), rep.as_dict(hidden=True)


@pytest.mark.parametrize("lab_id", sorted(STARTERS))
def test_the_starter_scores_at_most_its_free_points_and_says_what_to_do(lab_id, caps,
                                                                        nothing_left):
    _radios(lab_id)
    if lab_id in DOCKER:
        _docker_ready(caps)
    most, says, hint = STARTERS[lab_id]
    rep = check(lab_id, "bob", find_lab(lab_id).dir / "starter")
    assert rep.score <= most, [(r.name, r.score, r.message) for r in rep.results]
    assert any(says in r.message for r in rep.results), [r.message for r in rep.results]
    assert not hint or any(hint in r.hint for r in rep.results), [r.hint for r in rep.results]


def test_every_lab_is_in_both_tables():
    from netdojo.labs.catalog import lab_ids

    assert set(SOLUTIONS) == set(lab_ids())
    assert set(STARTERS) == set(lab_ids()) - {"arp-routing"}  # its own test reads the CLI


def test_a_broken_answers_file_costs_every_check_that_reads_it(tmp_path, nothing_left):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "answers.yaml").write_text("rtt_ms: 40\nthroughput_mbit: [\n")
    rep = check("throughput-latency", "bob", sub)
    assert rep.score == 0 and all("not valid YAML" in r.message for r in rep.results)


@pytest.mark.skipif(hwsim.available(), reason="this kernel has mac80211_hwsim radios: the wifi "
                    "lab runs here, so there is no missing-radio message to see")
def test_wifi_on_a_kernel_without_radios_says_where_to_run_it_and_builds_nothing(nothing_left):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "netdojo", "lab", "check", "wifi", "--student",
                        "alice", "--dir", str(find_lab("wifi").dir / "solution")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("netdojo:")]
    assert len(errors) == 1 and "mac80211_hwsim" in errors[0], r.stderr
    assert "netdojo vm run -- lab check wifi" in errors[0]
