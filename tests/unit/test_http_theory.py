"""The textbook's HTTP arithmetic (issue 9's theory module), checked against the chapter's
formulas by hand."""

import pytest

from netdojo.measure.http_theory import Page, expect, slow_start_rounds, tls_rtts, within
from netdojo.measure.tls_text import parse_date, parse_s_client


@pytest.mark.parametrize("n", [1, 10, 30])
def test_round_trips_follow_the_chapter(n):
    page = Page(objects=n, page_bytes=1000, object_bytes=1000)  # one segment each
    assert expect("http1.0", page).rtts == 2 * (n + 1)
    assert expect("http1.1", page).rtts == n + 2
    assert expect("http2", page).rtts == 3
    assert expect("http3", page).rtts == 3
    assert expect("http3", page, zero_rtt=True).rtts == 2


def test_tls_costs_a_round_trip_per_tcp_connection_and_http3_saves_one():
    page = Page(objects=10, page_bytes=1000, object_bytes=1000)
    assert expect("http1.0", page, tls="1.3").rtts == 3 * 11
    assert expect("http1.1", page, tls="1.2").rtts == 10 + 2 + 2
    assert expect("http2", page, tls="1.3").rtts == 4
    assert expect("http2", page, tls="1.3").rtts - expect("http3", page).rtts == 1
    assert tls_rtts(None) == 0
    with pytest.raises(ValueError):
        tls_rtts("1.1")


def test_parallel_connections_divide_the_objects():
    page = Page(objects=30, page_bytes=1000, object_bytes=1000)
    e = expect("http1.1-parallel", page, parallel=6)
    assert e.connections == 6 and e.rtts == 3 + 5  # 30 objects over 6 connections: 5 rounds
    assert expect("http1.1-parallel", page, parallel=1).rtts == expect("http1.1", page).rtts


def test_slow_start_doubles_from_ten_segments():
    assert slow_start_rounds(10 * 1448) == 0
    assert slow_start_rounds(10 * 1448 + 1) == 1  # 10, then 20
    assert slow_start_rounds(30 * 1448) == 1
    assert slow_start_rounds(31 * 1448) == 2  # 10 + 20 + 40
    big = Page(objects=30, page_bytes=2000, object_bytes=100_000)
    assert expect("http1.0", big).slow_start_rtts == 0 + 30 * slow_start_rounds(100_000)
    # the objects start from the initial window again: the HTML round did not fill it
    assert expect("http2", big).slow_start_rtts == slow_start_rounds(30 * 100_000)
    ten = Page(objects=10, page_bytes=300, object_bytes=10240)  # captured: 10, 20, 40, 4 segments
    assert expect("http2", ten).slow_start_rtts == 3 == expect("http3", ten).slow_start_rtts
    assert expect("http2", Page(objects=1, page_bytes=300, object_bytes=10240)).slow_start_rtts == 0


def test_seconds_add_round_trips_and_transfer_and_the_band_is_fifteen_percent():
    page = Page(objects=10, page_bytes=2000, object_bytes=10_000)
    e = expect("http1.1", page, rate_mbps=10)
    assert e.transfer_s == pytest.approx(102_000 * 8 / 10e6)
    assert e.seconds(0.1) == pytest.approx((12 + e.slow_start_rtts) * 0.1 + e.transfer_s)
    assert within(1.14, 1.0) and not within(1.16, 1.0) and within(0.86, 1.0)
    with pytest.raises(ValueError, match="unknown version"):
        expect("http4", page)


# ----- the http-versions lab's pure parts ------------------------------------------------------
def _lab_checks():
    from netdojo.labs.catalog import find_lab
    from netdojo.labs.checks import load_checks

    lab = find_lab("http-versions")
    return load_checks(lab.dir / "checks.py", lab.id).module


@pytest.mark.parametrize("n", [6, 8, 10, 12])
def test_the_labs_round_trips_are_the_theory_modules(n):
    mod = _lab_checks()
    page = Page(objects=n, page_bytes=0, object_bytes=0)
    for name, (scheme, version) in mod.LOADS.items():
        tls = "1.3" if scheme == "https" and version != "http3" else None
        assert mod.round_trips(name, n) == expect(version, page, tls=tls).rtts, name


S_CLIENT = """\
subject=O = netdojo lab, CN = web
issuer=O = netdojo lab, CN = netdojo lab root CA
notAfter=Dec  6 12:13:09 2026 GMT
X509v3 Subject Alternative Name:
    DNS:web, DNS:web.lab.example, DNS:localhost, IP Address:10.77.1.2, IP Address:127.0.0.1
CONNECTED(00000003)
Certificate chain
 0 s:O = netdojo lab, CN = web
   i:O = netdojo lab, CN = netdojo lab root CA
Server Temp Key: X25519, 253 bits
New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384
"""


def test_openssl_output_is_read_as_the_answers_keys():
    got = parse_s_client(S_CLIENT)
    assert got == {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384", "group": "X25519",
                   "issuer": "netdojo lab root CA", "subject": "web",
                   "san": ["web", "web.lab.example", "localhost"],
                   "not_after": "Dec  6 12:13:09 2026 GMT"}


def test_a_date_given_another_way_still_matches():
    assert parse_date("Dec  6 12:13:09 2026 GMT").date() == parse_date("2026-12-06").date()
    assert parse_date("next week") is None


def _load(total: float, ends: list[float]):
    from netdojo.measure.pageload import PageLoad

    objs = [{"path": "/", "start_s": 0, "end_s": 0.1, "bytes": 1, "conn": 0}] + [
        {"path": f"/obj/{i}", "start_s": 0.1, "end_s": e, "bytes": 1, "conn": 0}
        for i, e in enumerate(ends)]
    return PageLoad("http2", total, 1, [0.05], 0, 0, 0, objs)


def test_head_of_line_summary_counts_slowed_loads_and_objects_on_time():
    from netdojo.measure.hol import summarize

    clean = [_load(1.0, [0.9, 1.0]) for _ in range(3)]
    lossy = [_load(1.0, [0.9, 1.0]),                # not slowed
             _load(2.0, [2.0, 2.0, 2.0, 2.0]),      # every object held back: HOL in TCP
             _load(2.0, [0.5, 1.0, 1.05, 2.0])]     # three of four on time
    s = summarize("http2", 5, lossy, clean)
    assert (s.clean_s, s.hit, s.on_time_share) == (1.0, 2, 0.375)
    assert summarize("http3", 1, clean, clean).on_time_share is None


def test_the_loaders_0rtt_name_is_http3_resuming():
    page = Page(objects=10, page_bytes=1000, object_bytes=1000)
    assert expect("http3-0rtt", page).rtts == expect("http3", page, zero_rtt=True).rtts == 2
