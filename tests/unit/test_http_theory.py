"""The textbook's HTTP arithmetic (issue 9's theory module), checked against the chapter's
formulas by hand."""

import pytest

from netdojo.measure.http_theory import Page, expect, slow_start_rounds, tls_rtts, within


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
    assert expect("http2", big).slow_start_rtts == slow_start_rounds(big.total_bytes) - 1


def test_seconds_add_round_trips_and_transfer_and_the_band_is_fifteen_percent():
    page = Page(objects=10, page_bytes=2000, object_bytes=10_000)
    e = expect("http1.1", page, rate_mbps=10)
    assert e.transfer_s == pytest.approx(102_000 * 8 / 10e6)
    assert e.seconds(0.1) == pytest.approx((12 + e.slow_start_rtts) * 0.1 + e.transfer_s)
    assert within(1.14, 1.0) and not within(1.16, 1.0) and within(0.86, 1.0)
    with pytest.raises(ValueError, match="unknown version"):
        expect("http4", page)
