"""TCP congestion control is the lab's choice in every node kind, never the host's default
(BBR on this project's CI hosts, which also lets a namespace default only to reno or bbr), read
back from real connections on both ends; a choice the kernel lacks is one clear line."""

import subprocess
import sys

import pytest

from netdojo.errors import BuildError, NetdojoError, SpecError
from netdojo.measure import congestion_compare
from netdojo.net import congestion, failures, lifecycle, netns
from netdojo.topo import parse_topology

TOPO = """
name: cc
tcp: {congestion: cubic}
nodes:
  h1: {}
  r1: {kind: router, tcp: {congestion: reno}}
  c1: {kind: container, tcp: {congestion: bbr}}
  h2: {}
  s1: {kind: switch}
links:
  - {endpoints: [h1, s1]}
  - {endpoints: [c1, s1]}
  - {endpoints: [r1, s1]}
  - {endpoints: [r1, h2]}
"""

# Both ends report the algorithm of their own socket (getsockopt TCP_CONGESTION).
SERVER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5301)); s.listen(); s.settimeout(20); print("ready", flush=True)
c, _ = s.accept()
print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).strip(b"\\0").decode())
"""
CLIENT = """
import socket, sys, time
end = time.monotonic() + 10
while True:
    try:
        s = socket.create_connection((sys.argv[1], 5301), timeout=5); break
    except OSError:
        if time.monotonic() > end: raise
        time.sleep(0.05)
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).strip(b"\\0").decode())
"""


def connection(net, client: str, server: str) -> tuple[str, str]:
    """(client's algorithm, server's algorithm) of one real TCP connection."""
    srv = subprocess.Popen(["ip", "netns", "exec", net.ns(server), sys.executable, "-c", SERVER],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert srv.stdout.readline().strip() == "ready"
        cli = subprocess.run(["ip", "netns", "exec", net.ns(client), sys.executable, "-c", CLIENT,
                              str(net.ip(server))], capture_output=True, text=True, timeout=30)
        assert cli.returncode == 0, cli.stderr
        return cli.stdout.strip(), srv.communicate(timeout=20)[0].strip()
    finally:
        srv.kill()
        srv.wait()


@pytest.mark.parametrize("builder", ["netdojo", "mininet"])
def test_every_node_kind_gets_the_labs_congestion_control(clean, caps, builder):
    text = TOPO
    if builder == "mininet":
        pytest.importorskip("mininet.net", reason="Debian's mininet package is not installed")
        text = TOPO.replace("kind: container, ", "")  # Mininet's builder makes no containers
    elif not caps.docker:
        pytest.skip("container nodes need a Docker engine (scripts/install-docker.sh)")
    host_default = netns.congestion()
    net = lifecycle.up(parse_topology(text), detached=True, builder=builder)
    try:
        # each end takes the algorithm of its own route: h1 cubic, c1 bbr, r1 reno
        assert connection(net, "h1", "h2") == ("cubic", "cubic")
        assert connection(net, "c1", "h1") == ("bbr", "cubic")
        assert connection(net, "h2", "r1") == ("cubic", "reno")
        assert congestion.in_force(net.ns("h1"), str(net.ip("h2"))) == "cubic"
        # a cut link comes back with the kernel's own connected route: netdojo re-marks it
        failures.fail(net, "r1-h2")
        failures.restore(net, "r1-h2")
        assert connection(net, "h2", "h1") == ("cubic", "cubic")
    finally:
        net.run.teardown()
    assert netns.congestion() == host_default  # the host's own setting is untouched


def test_the_default_is_cubic_whatever_the_host_says(lab):
    net = lab(parse_topology("name: d\nnodes: {h1: {}, h2: {}}\nlinks: [{endpoints: [h1, h2]}]\n"))
    assert connection(net, "h1", "h2") == ("cubic", "cubic")
    # a connection to itself (loopback and its own address) too
    assert congestion.in_force(net.ns("h1"), "127.0.0.1") == "cubic"


def test_unknown_or_missing_algorithms_are_one_line(clean):
    with pytest.raises(SpecError, match="<topology>:3: topology: TCP congestion control 'fast'"):
        parse_topology("name: x\ntcp:\n  congestion: fast\nnodes: {h1: {}}\n")
    with pytest.raises(SpecError, match="a switch ends no TCP connection"):
        parse_topology("name: x\nnodes: {s1: {kind: switch, tcp: {congestion: reno}}}\n")
    if "vegas" in congestion.available():
        pytest.skip("this kernel has vegas: no algorithm to show missing")
    topo = parse_topology("name: v\ntcp: {congestion: vegas}\nnodes: {h1: {}, h2: {}}\n"
                          "links: [{endpoints: [h1, h2]}]\n")
    with pytest.raises(BuildError, match="'vegas' is not available in this kernel"):
        lifecycle.up(topo, detached=True)


def test_measure_compares_algorithms_on_one_path_and_leaves_the_labs_own(lab):
    """`netdojo measure --congestion`: each algorithm's transfer runs with it (iperf3 -C), the
    queue a loss-based sender fills shows in the RTT under load, the lab's setting stays."""
    net = lab(parse_topology("name: cc\nnodes: {h1: {}, h2: {}}\nlinks: [{endpoints: [h1, h2], "
                             "bw: 20, delay: 10, queue: 400}]\n"))
    rows = congestion_compare.compare(net, "h1", "h2", ["reno", "bbr"], seconds=3, runs=1)
    assert [r.algo for r in rows] == ["reno", "bbr"]
    for r in rows:
        assert 2 <= r.goodput_mbps <= 21, r  # both move data (Reno's overshoot costs it)
        assert r.loaded_rtt_ms is not None and r.loaded_rtt_ms >= 19, r
    reno, bbr = rows
    # Reno grows its window until the 400-packet queue overflows; BBR keeps it short
    assert reno.loaded_rtt_ms > 1.5 * bbr.loaded_rtt_ms, rows
    assert connection(net, "h1", "h2") == ("cubic", "cubic")
    text = congestion_compare.format_rows(net, "h1", "h2", rows, 3)
    assert "reno" in text and "RTT loaded" in text and "bottleneck 20" in text
    with pytest.raises(NetdojoError, match="no vegas2"):
        congestion_compare.compare(net, "h1", "h2", ["vegas2"], seconds=1, runs=1)
