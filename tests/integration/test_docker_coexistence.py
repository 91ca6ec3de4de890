"""Labs work while dockerd runs (FORWARD policy DROP, br_netfilter on) and touch neither the
host's firewall nor its root-namespace sysctls."""

import subprocess
from pathlib import Path

import pytest

from netdojo.measure import bands
from netdojo.measure.iperf import iperf
from netdojo.measure.ping import ping
from netdojo.topo import star

SYSCTLS = ["net/ipv4/ip_forward", "net/bridge/bridge-nf-call-iptables",
           "net/ipv6/conf/all/disable_ipv6"]


def _host_state() -> dict:
    state = {}
    for key in SYSCTLS:
        p = Path("/proc/sys") / key
        state[key] = p.read_text() if p.exists() else None
    for tool in ("iptables", "iptables-legacy"):
        r = subprocess.run([tool, "-S"], capture_output=True, text=True)
        state[tool] = r.stdout if r.returncode == 0 else None
    return state


def test_lab_works_while_dockerd_runs(lab, caps):
    if not caps.docker:
        pytest.skip("no Docker engine answers (scripts/install-docker.sh starts one)")
    before = _host_state()
    net = lab(star(3, bw=50, delay=2))
    ping(net.ns("h1"), net.ip("h2"), count=3, interval=0.05)  # ARP and caches first
    r = ping(net.ns("h1"), net.ip("h2"), count=30, interval=0.02)
    assert r.received == 30
    # This test proves shaping takes effect beside dockerd, not the 0.46 ms fidelity target
    # (the benchmark and test_shaping hold that on a quiet path). With dockerd and the rest of
    # the suite on two cores, CI once measured a median 0.5 ms high, so the band here is 1 ms.
    assert abs(r.median_ms - 8.0) <= 1.0, r.rtts_ms
    res = iperf(net.ns("h1"), net.ns("h3"), net.ip("h3"), seconds=2)
    assert bands.goodput_ok(50, res.goodput_mbps), res.goodput_mbps
    net.run.teardown()
    assert _host_state() == before
