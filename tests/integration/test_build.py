import ipaddress
import json
import subprocess

from netdojo.measure.ping import ping
from netdojo.measure.traceroute import traceroute
from netdojo.net import netns
from netdojo.net.runs import ETC_NETNS
from netdojo.topo import bus, ring, star


def test_star_every_host_reaches_every_other(lab):
    net = lab(star(4))
    for a in net.topo.hosts():
        for b in net.topo.hosts():
            if a != b:
                r = ping(net.ns(a), net.ip(b), count=1, deadline=3)
                assert r.received == 1, f"{a} -> {b}"
    assert set(net.run.namespaces) <= set(netns.listed("nd"))


def test_node_names_resolve_inside_nodes(lab):
    net = lab(star(2))
    r = netns.run_in(net.ns("h1"), ["ping", "-c", "1", "-W", "2", "h2"])
    assert r.returncode == 0 and net.ip("h2") in r.stdout


def test_ring_routes_take_the_shortest_way(lab):
    net = lab(ring(5))
    hops = traceroute(net.ns("h1"), net.ip("h3"))
    # h1 -> r1 -> r2 -> r3 -> h3: four hops, the last one h3 itself
    assert [h.address for h in hops][-1] == net.ip("h3")
    assert len(hops) == 4
    hops = traceroute(net.ns("h1"), net.ip("h5"))  # the other way round: r1 -> r5
    assert len(hops) == 3


def test_no_node_has_a_route_outside_the_lab(lab):
    net = lab(ring(4))
    lab_nets = [s.subnet for s in net.addr.segments if s.subnet]
    for node in net.topo.nodes:
        routes = json.loads(netns.run_in(net.ns(node), ["ip", "-j", "route"]).stdout)
        for rt in routes:
            if rt["dst"] == "default":
                gw = ipaddress.IPv4Address(rt["gateway"])
                assert any(gw in n for n in lab_nets), (node, rt)
                assert net.topo.nodes[node].kind == "host"
            else:
                dst = ipaddress.IPv4Network(rt["dst"])
                assert any(dst.subnet_of(n) for n in lab_nets), (node, rt)
        # and the uplink's documentation-prefix "internet" is unreachable from routers
        if net.topo.nodes[node].kind == "router":
            r = netns.run_in(net.ns(node), ["ip", "route", "get", "192.0.2.1"])
            assert r.returncode != 0


def test_hub_floods_unicast_but_switch_learns(lab):
    for topo, expect_seen in ((bus(3), True), (star(3), False)):
        net = lab(topo)
        ping(net.ns("h1"), net.ip("h2"), count=2, interval=0.1)  # ARP + MAC learning
        cap = netns.popen_in(net.ns("h3"), ["tcpdump", "-l", "-n", "-i", "eth0", "-c", "3",
                                            "icmp"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            line = ""
            while "listening" not in line:  # tcpdump says so on stderr once it captures
                line = cap.stderr.readline()
                assert line, "tcpdump exited before capturing"
            ping(net.ns("h1"), net.ip("h2"), count=5, interval=0.1)
            try:
                out, _ = cap.communicate(timeout=2)
            except subprocess.TimeoutExpired:
                cap.kill()
                out, _ = cap.communicate()
        finally:
            if cap.poll() is None:
                cap.kill()
                cap.wait()
        seen = net.ip("h2") in out
        assert seen == expect_seen, f"{topo.name}: h3 saw h1->h2 traffic: {seen}"
        net.run.teardown()


def test_down_removes_hosts_files_and_namespaces(lab):
    net = lab(star(2))
    assert (ETC_NETNS / net.ns("h1") / "hosts").exists()
    net.run.teardown()
    assert not (ETC_NETNS / net.ns("h1")).exists()
    assert not any(netns.exists(n) for n in net.run.namespaces)
