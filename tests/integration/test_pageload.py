"""Issue 9's page loader on a real web server across a shaped link: each HTTP version's load
time against the textbook's round-trip arithmetic, the connections it opens, and header bytes
as they crossed the wire (HTTP/2's HPACK against HTTP/1.1's text)."""

from __future__ import annotations

import textwrap

import pytest

from netdojo import session
from netdojo.measure.http_theory import Page, expect
from netdojo.measure.pageload import load_pages, median_seconds
from netdojo.topo.loader import parse_topology

from .helpers import cli, snapshot
from .test_services import _docker_ready

N, SIZE, DELAY_MS = 10, 10240, 25  # R = 2 × 25 ms
TOPO = textwrap.dedent(f"""\
    name: pageload
    nodes:
      cl: {{kind: container}}
      web: {{kind: container, services: {{http: {{tls: true, h3: true, objects: "{N}:{SIZE}"}}}}}}
    links:
      - {{endpoints: [cl, web], delay: {DELAY_MS}, bw: 100}}
    """)


@pytest.fixture(scope="module")
def net(caps):
    _docker_ready(caps)
    before = snapshot()
    net = session.up(parse_topology(TOPO, "pageload.yaml"), detached=True)
    yield net
    net.run.teardown()
    assert snapshot() == before


def _theory(version: str, tls: str | None = None) -> float:
    # the page is the webapp's HTML: ~40 bytes per link
    page = Page(objects=N, page_bytes=120 + 40 * N, object_bytes=SIZE)
    return expect(version, page, tls=tls, rate_mbps=100).seconds(2 * DELAY_MS / 1000)


# A test band, wider than the benchmark's ±15 %: this asserts the shape of the arithmetic on a
# shared 2-core machine; the benchmark holds the 15 %.
BAND = 0.25


@pytest.mark.parametrize("version,scheme,tls", [
    ("http1.0", "http", None), ("http1.1", "http", None), ("http2", "http", None),
    ("http1.1", "https", "1.3"), ("http2", "https", "1.3"),
])
def test_load_time_follows_the_round_trips(net, version, scheme, tls):
    loads = load_pages(net, "cl", f"{scheme}://web/", version, loads=3)
    got, want = median_seconds(loads), _theory(version, tls)
    assert abs(got - want) <= BAND * want, (got, want, [x.total_s for x in loads])
    assert all(len(x.objects) == N + 1 and x.body_bytes >= N * SIZE for x in loads)


def test_connections_and_parallel_loads(net):
    one = load_pages(net, "cl", "http://web/", "http1.0", loads=1)[0]
    keep = load_pages(net, "cl", "http://web/", "http1.1", loads=1)[0]
    par = load_pages(net, "cl", "http://web/", "http1.1-parallel", loads=1, parallel=5)[0]
    h2 = load_pages(net, "cl", "http://web/", "http2", loads=1)[0]
    assert (one.connections, keep.connections, par.connections, h2.connections) == (N + 1, 1, 5, 1)
    # five connections share the objects: the load is much shorter than in turn
    assert par.total_s < 0.6 * keep.total_s
    # HTTP/2 sends all the objects' requests at once: they start within one round trip
    starts = sorted(o["start_s"] for o in h2.objects[1:])
    assert starts[-1] - starts[0] < 2 * DELAY_MS / 1000


def test_hpack_headers_are_smaller_than_http11_text(net):
    h1 = load_pages(net, "cl", "https://web/", "http1.1", loads=1)[0]
    h2 = load_pages(net, "cl", "https://web/", "http2", loads=1)[0]
    assert h2.request_header_bytes < 0.5 * h1.request_header_bytes, (h2.request_header_bytes,
                                                                     h1.request_header_bytes)
    assert h2.response_header_bytes < h1.response_header_bytes


def test_http3_loads_the_page_on_one_quic_connection_with_qpack_headers(net):
    h3 = load_pages(net, "cl", "https://web/", "http3", loads=3)
    h1 = load_pages(net, "cl", "https://web/", "http1.1", loads=1)[0]
    assert all(x.connections == 1 and len(x.objects) == N + 1 for x in h3)
    assert all(x.body_bytes >= N * SIZE for x in h3)
    # QPACK, like HPACK, sends repeated headers as table references
    assert h3[0].request_header_bytes < 0.5 * h1.request_header_bytes
    # the handshake (QUIC with TLS 1.3 inside) is one round trip, not TCP's 1 + TLS's 1
    assert min(x.handshake_s[0] for x in h3) < 1.6 * 2 * DELAY_MS / 1000


def test_measure_cli_sets_versions_against_the_theory_and_refuses_bad_ones(net, tmp_path):
    png = tmp_path / "versions.png"
    r = cli("measure", "--run", net.run.id, "cl", "web", "--http", "http1.1,http2",
            "--objects", "5", "--loads", "2", "--plot", str(png))
    assert r.returncode == 0, r.stderr
    assert "chapter s" in r.stdout and "model s" in r.stdout and png.stat().st_size > 5000
    # textbook against wire: a sentence per version, the chapter's formula in it
    assert "Why each differs:" in r.stdout and "http2: the chapter's 3R" in r.stdout, r.stdout
    bad = cli("measure", "--run", net.run.id, "cl", "web", "--http", "http4")
    assert bad.returncode != 0 and "unknown http4" in bad.stderr
    clear = cli("measure", "--run", net.run.id, "cl", "web", "--http", "http3")
    assert clear.returncode != 0 and "add --tls" in clear.stderr
    assert "Traceback" not in bad.stderr + clear.stderr


def test_http3_0rtt_resumes_the_session_and_saves_a_round_trip(net):
    r = 2 * DELAY_MS / 1000
    full = load_pages(net, "cl", "https://web/", "http3", loads=3)
    zero = load_pages(net, "cl", "https://web/", "http3-0rtt", loads=3)
    assert all(x.early_data is True for x in zero), [x.early_data for x in zero]
    saved = median_seconds(full) - median_seconds(zero)
    assert 0.6 * r <= saved <= 1.6 * r, (median_seconds(full), median_seconds(zero))
    # the page's request went in the first flight: its answer comes after one round trip
    page_at = sorted(x.objects[0]["end_s"] for x in zero)[1]
    assert page_at < 1.6 * r, page_at


def test_pipelining_holds_every_answer_behind_a_slow_one_and_http2_does_not(net):
    """HTTP/1.1 pipelining (5.2): every request goes at once, but the answers come back in the
    order asked, so the objects behind a slow one all wait for it; HTTP/2's streams do not."""
    slow_k, wait_ms = 2, 400
    slow = f"/obj/{slow_k}/{SIZE}/{wait_ms}"
    url = f"http://web/hol/{N}/{SIZE}/{slow_k}/{wait_ms}"
    piped = load_pages(net, "cl", url, "http1.1-pipelined", loads=1)[0]
    h2 = load_pages(net, "cl", url, "http2", loads=1)[0]
    assert piped.connections == 1 and len(piped.objects) == N + 1
    assert len({o["start_s"] for o in piped.objects[1:]}) == 1  # every request at once
    slow_end = next(o["end_s"] for o in piped.objects if o["path"] == slow)
    late = [o["path"] for o in piped.objects[1:] if o["end_s"] >= slow_end]
    assert len(late) == N - slow_k, piped.objects  # the slow one and every one behind it
    # over HTTP/2 every other object is in long before the slow one
    h2_slow = next(o["end_s"] for o in h2.objects if o["path"] == slow)
    others = [o["end_s"] for o in h2.objects[1:] if o["path"] != slow]
    assert max(others) < h2_slow - wait_ms / 2000, h2.objects


def test_server_push_sends_the_objects_unasked_and_saves_a_round_trip(net):
    """HTTP/2 server push (5.3): the objects come promised with the page, not asked for after
    it — one round trip fewer.  (Chrome and Firefox have since removed push: it sent what the
    browser often had cached, and 103 Early Hints does the job with the browser's own cache.)"""
    r = 2 * DELAY_MS / 1000
    plain = load_pages(net, "cl", "http://web/", "http2", loads=3)
    pushed = load_pages(net, "cl", "http://web/?push", "http2", loads=3)
    assert all(sum(bool(o.get("pushed")) for o in x.objects) == N for x in pushed)
    assert all(len(x.objects) == N + 1 and x.body_bytes >= N * SIZE for x in pushed)
    # the client asked for the page alone: a fraction of the headers a plain load sends
    assert max(x.request_header_bytes for x in pushed) < 0.5 * min(
        x.request_header_bytes for x in plain)
    saved = median_seconds(plain) - median_seconds(pushed)
    assert 0.6 * r <= saved <= 1.6 * r, (median_seconds(plain), median_seconds(pushed))
