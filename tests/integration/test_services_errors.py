"""A broken daemon config is reported with the topology file, the node and the daemon's own
words, and leaves nothing running; L4 (mode tcp) balances the same backends; containers of a
run whose owner was killed are reaped."""

from __future__ import annotations

import collections
import os
import signal
import subprocess

import pytest

from netdojo import session
from netdojo.errors import NetdojoError
from netdojo.measure.http import curl
from netdojo.net import containers, engine
from netdojo.topo import parse_topology

from .helpers import alive, popen_cli, run_state, snapshot, wait_for_line, wait_until
from .test_services import _docker_ready

ONE = """
name: broken
nodes:
  s: {{kind: switch}}
  x: {{kind: container, {extra}services: {{{service}}}}}
  web1: {{kind: container, services: {{http: {{tls: false, h3: false}}}}}}
links:
  - {{endpoints: [x, s]}}
  - {{endpoints: [web1, s]}}
  - {{endpoints: [x, edge]}}
  - {{endpoints: [edge, s2]}}
"""


def topo(service: str, extra: str = "") -> str:
    text = ONE.format(service=service, extra=extra)
    return text.replace("nodes:\n", "nodes:\n  s2: {kind: switch}\n  edge: {kind: host}\n", 1)


@pytest.fixture(autouse=True)
def _docker(caps):
    _docker_ready(caps)


@pytest.mark.parametrize("service,extra,words", [
    ('dhcp: {raw: {valid-lifetime: "soon"}}', "", "kea-dhcp4"),
    ('dns: {records: [{name: www, type: A, value: "not-an-address"}]}', "", "named-checkconf"),
    ("haproxy: {backends: [web1], balance: bogus}", "", "haproxy"),
    ("nat: {outside: eth1, forwards: [{proto: tcp, port: 80, to: web1, to_port: 99999}]}",
     "forward: true, ", "nft"),
    ("edge_cache: {origin: nowhere}", "", "origin must name a node of this topology"),
    ("haproxy: {backends: [web1], mode: tcp, tls: true}", "", "tls terminates HTTPS"),
])
def test_invalid_daemon_config_is_named_and_nothing_is_left(service, extra, words):
    t = parse_topology(topo(service, extra), "broken.yaml")
    before = snapshot()
    with pytest.raises(NetdojoError) as e:
        session.up(t, detached=True)
    msg = str(e.value)
    assert msg.startswith("broken.yaml:7: node 'x'"), msg
    assert words in msg, msg
    assert snapshot() == before
    assert containers.labelled() == []


def test_unknown_service_is_named():
    t = parse_topology(topo("teleport: {}"), "broken.yaml")
    with pytest.raises(NetdojoError, match="unknown service"):
        session.up(t, detached=True)
    assert containers.labelled() == []


L4 = """
name: l4
nodes:
  s: {kind: switch}
  client: {kind: container}
  lb: {kind: container, services: {haproxy: {mode: tcp, backends: [web1, web2],
                                             check: {inter: 500, fall: 2, rise: 1}}}}
  web1: {kind: container, restartable: true, services: {http: {tls: false, h3: false}}}
  web2: {kind: container, services: {http: {tls: false, h3: false}}}
links:
  - {endpoints: [client, s]}
  - {endpoints: [lb, s]}
  - {endpoints: [web1, s]}
  - {endpoints: [web2, s]}
"""


def test_l4_mode_balances_connections_without_reading_http(clean):
    net = session.up(parse_topology(L4, "l4.yaml"), detached=True)
    try:
        seen = collections.Counter(curl(net, "client", "http://lb/whoami").backend
                                   for _ in range(6))
        assert set(seen) == {"web1", "web2"}
        # L4 forwards bytes: the backend sees HAProxy as the client, and no X-Forwarded-For
        r = curl(net, "client", "http://lb/whoami")
        assert f'"client": "{net.ip("lb")}"' in r.body
        cfg = subprocess.run(net.exec_argv("lb", ["cat", "/etc/netdojo/haproxy.cfg"]),
                             capture_output=True, text=True).stdout
        assert "mode tcp" in cfg and "retry-on" not in cfg
    finally:
        net.run.teardown()


def test_containers_of_a_killed_owner_are_reaped(clean, tmp_path):
    f = tmp_path / "l4.yaml"
    f.write_text(L4)
    proc = popen_cli("up", str(f))
    rid = wait_for_line(proc, " up in ", 120).split()[1].rstrip(":")
    state = run_state(rid)
    # one container a node, and web1 (restartable) a pod: its holder too
    assert containers.labelled(rid) == sorted(
        [*(f"nd{rid}-{n}" for n in ("client", "lb", "web1", "web2")), f"nd{rid}-web1.net"])
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    from .helpers import cli

    assert f"reaped dead run {rid}" in cli("status").stdout
    wait_until(lambda: containers.labelled(rid) == [], 20, "containers removed")
    assert not any(os.path.exists(f"/run/netns/{n}") for n in state["namespaces"])
    assert not any(alive(p["pid"]) for p in state["processes"])


def test_lab_containers_are_capped_so_a_fork_bomb_stays_inside():
    t = parse_topology("name: capped\nnodes:\n  c: {kind: container}\n  s: {kind: switch}\n"
                       "links:\n  - {endpoints: [c, s]}\n", "capped.yaml")
    before = snapshot()
    net = session.up(t, detached=True)
    try:
        [app] = [n for n in containers.labelled(net.run.id) if not n.endswith(".net")]
        host = engine.client().containers.get(app).attrs["HostConfig"]  # as data, not text
        assert (host["PidsLimit"], host["Memory"], host["MemorySwap"]) == (
            containers.PIDS_LIMIT, 1 << 30, 1 << 30), host
        assert host["NanoCpus"] == int(containers.CPUS * 1e9) >= 1e9
        # 1500 processes asked for: the container's limit stops them (the shell itself gives
        # up when fork fails), the host is untouched
        bomb = "n=0; while [ $n -lt 1500 ]; do sleep 30 >/dev/null 2>&1 & n=$((n+1)); done"
        subprocess.run(net.exec_argv("c", ["sh", "-c", bomb]), capture_output=True, timeout=120)
        running = len(engine.client().containers.get(app).top()["Processes"])
        assert 900 <= running <= containers.PIDS_LIMIT, running
    finally:
        net.run.teardown()
    assert snapshot() == before
    assert containers.labelled(net.run.id) == []
