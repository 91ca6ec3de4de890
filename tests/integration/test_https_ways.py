"""Issue 9's three ways to serve HTTPS on a real network (topologies/https-three-ways.yaml):
the web server's own certificate, TLS terminated at HAProxy in front of clear backends, and an
nginx edge cache near the client — each verified against the run's CA, and each first byte
measured against the round trips it should cost."""

from __future__ import annotations

import json
import statistics
import subprocess
from pathlib import Path

import pytest

from netdojo import session
from netdojo.measure.http import timed_gets
from netdojo.topo.loader import load_topology

from .helpers import snapshot
from .test_services import _docker_ready

TOPO = Path(__file__).resolve().parents[2] / "topologies" / "https-three-ways.yaml"
CA = "/tmp/netdojo-ca.pem"
R = 0.050  # the WAN: 25 ms each way
BAND = 0.25


@pytest.fixture(scope="module")
def net(caps):
    _docker_ready(caps)
    before = snapshot()
    net = session.up(load_topology(TOPO), detached=True, log=lambda m: None)
    net.copy(str(net.run.dir / "ca" / "ca.pem"), f"client:{CA}")
    yield net
    net.run.teardown()
    assert snapshot() == before


def _first_byte(net, urls: list[str]) -> float:
    return statistics.median(t.first_byte_s for t in timed_gets(net, "client", urls, ca=CA))


def test_server_and_load_balancer_cost_three_round_trips_to_the_first_byte(net):
    for host in ("web", "lb"):
        got = _first_byte(net, [f"https://{host}/obj/0/10240"] * 5)
        assert abs(got - 3 * R) <= BAND * 3 * R, (host, got)


def test_the_edge_answers_a_hit_near_the_client_and_a_miss_in_one_wan_round_trip(net):
    first = timed_gets(net, "client", ["https://edge/obj/5/10240"] * 2, ca=CA)
    assert [t.cache for t in first] == ["MISS", "HIT"]
    hit = _first_byte(net, ["https://edge/obj/5/10240"] * 5)
    miss = _first_byte(net, [f"https://edge/obj/{n}/10240" for n in range(50, 55)])
    direct = _first_byte(net, ["https://web/obj/5/10240"] * 5)
    assert hit < 0.25 * direct, (hit, direct)
    # the edge keeps its TLS connection to the origin: a miss costs about one WAN round trip
    assert abs((miss - hit) - R) <= BAND * R + 0.005, (miss, hit)


def test_the_load_balancer_terminates_tls_and_its_backends_speak_clear_http(net):
    seen = set()
    for _ in range(4):
        r = subprocess.run(net.exec_argv("client", [
            "curl", "-s", "--cacert", CA, "https://lb/whoami"]), capture_output=True, text=True)
        doc = json.loads(r.stdout)
        assert doc["scheme"] == "http", doc  # clear between HAProxy and the backend
        seen.add(doc["backend"])
    assert seen == {"b1", "b2"}
    r = subprocess.run(net.exec_argv("client", ["sh", "-c",
                       "openssl s_client -connect lb:443 -servername lb </dev/null 2>/dev/null"
                       " | openssl x509 -noout -subject -issuer"]), capture_output=True, text=True)
    assert "CN = lb" in r.stdout and "CN = netdojo lab root CA" in r.stdout, r.stdout
