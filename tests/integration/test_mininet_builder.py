"""--builder mininet: the same model built with Mininet's Host/LinuxBridge/TCLink classes."""

import os
import signal

import pytest

from netdojo.errors import NetdojoError
from netdojo.measure import bands
from netdojo.measure.iperf import iperf
from netdojo.measure.ping import ping
from netdojo.net import lifecycle, netns
from netdojo.topo import ring, star

from . import shaping_checks
from .helpers import alive, cli, popen_cli, run_state, wait_for_line, wait_until


@pytest.fixture(autouse=True)
def _needs_mininet():
    pytest.importorskip("mininet.net", reason="Debian's mininet package is not installed")


def test_star_and_ring_route_like_the_default_builder(clean):
    for topo, pairs in ((star(3), [("h1", "h3")]), (ring(4), [("h1", "h3"), ("h2", "h4")])):
        net = lifecycle.up(topo, detached=True, builder="mininet")
        try:
            assert net.run.builder == "mininet"
            for a, b in pairs:
                assert ping(net.ns(a), net.ip(b), count=2, interval=0.1).received == 2, (a, b)
        finally:
            net.run.teardown()


def test_tclink_rate(clean, caps):
    if not caps.htb:
        pytest.skip("no sch_htb in this kernel")
    net = lifecycle.up(star(2, bw=20), detached=True, builder="mininet")
    try:
        res = iperf(net.ns("h1"), net.ns("h2"), net.ip("h2"), seconds=3)
        assert bands.goodput_ok(20, res.goodput_mbps), res.goodput_mbps
    finally:
        net.run.teardown()


def test_tclink_delay_and_loss_with_netem(clean, caps):
    """TCLink's netem path, which every stock distro kernel takes (the lab VM runs it here)."""
    if not caps.netem:
        pytest.skip(f"no sch_netem in this kernel ({caps.notes.get('netem', '')}): the lab VM "
                    "runs this test (tests/integration/test_vm.py)")
    net = lifecycle.up(star(2, delay=5), detached=True, builder="mininet")
    try:  # h1-s1-h2: two links of 5 ms, each shaped on both ends' egress
        median = shaping_checks._median_rtt(net, "h1", "h2", 30)
        if shaping_checks.under_tcg():
            base_net = lifecycle.up(star(2), detached=True, builder="mininet")
            try:
                base = shaping_checks._median_rtt(base_net, "h1", "h2", 30)
            finally:
                base_net.run.teardown()
            shaping_checks._tcg_effect(20.0, median, base, stages=4)
        else:
            assert bands.rtt_ok(20.0, median), f"median {median} ms for 20 ms"
    finally:
        net.run.teardown()
    net = lifecycle.up(star(2, loss=5), detached=True, builder="mininet")
    try:
        r = ping(net.ns("h1"), net.ip("h2"), count=1000, interval=0.005)
        p = 1 - (1 - 0.05) ** 4  # four lossy egresses on the way there and back
        assert bands.loss_ok(r.sent, r.sent - r.received, p, z=3.29), (r.sent, r.received)
    finally:
        net.run.teardown()


def test_delay_needs_netem_and_says_so(clean, caps):
    if caps.netem:
        pytest.skip("this kernel has sch_netem: the Mininet builder shapes delay itself")
    with pytest.raises(NetdojoError, match="sch_netem"):
        lifecycle.up(star(2, delay=5), detached=True, builder="mininet")


def test_kill_9_of_the_owner_is_reaped(clean):
    proc = popen_cli("up", "star,2", "--builder", "mininet")
    rid = wait_for_line(proc, " up in ").split()[1].rstrip(":")
    state = run_state(rid)
    shells = [p["pid"] for p in state["processes"] if p["what"].startswith("mininet:")]
    assert len(shells) == 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert f"reaped dead run {rid}" in cli("status").stdout
    assert not any(netns.exists(n) for n in state["namespaces"])
    wait_until(lambda: not any(alive(p) for p in shells), 5, "Mininet's shells to end")
