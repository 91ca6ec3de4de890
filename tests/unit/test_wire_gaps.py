"""The capture arithmetic behind benchmarks/bench_http_causes.py (issue 18.2): bursts of data
packets at the client, and each side's own time in a TCP exchange."""

import pytest

from netdojo.measure.pcap import Frame, Layer
from netdojo.measure.wire_gaps import arrivals, bursts, last_connection, turns

C, S = "10.0.0.1", "10.0.0.2"


def frame(t: float, src: str, payload: int, proto: str = "udp", flags=("ACK",),
          port: int = 40000) -> Frame:
    dst = S if src == C else C
    ports = {"sport": port, "dport": 443} if src == C else {"sport": 443, "dport": port}
    transport = {"proto": proto, **ports}
    if proto == "tcp":
        transport["flags"] = list(flags)
    return Frame(0, t, b"", [Layer("internet", 14, 20, {"src": src, "dst": dst}),
                             Layer("transport", 34, 8, transport),
                             Layer("application", 42, 0, {"length": payload})])


def test_a_paced_answer_is_one_burst_spread_over_its_gaps():
    # the handshake's flight, then a round trip later nine packets 10 ms apart after 3 at once
    times = [0.0, 0.0001] + [0.2, 0.2001, 0.2002] + [0.2002 + 0.01 * i for i in range(1, 7)]
    frames = [frame(t, S, 1200) for t in times] + [frame(0.15, S, 80), frame(0.1, C, 1200)]
    got = bursts(arrivals(frames, C), gap_s=0.05)
    assert [b.packets for b in got] == [2, 9]
    assert got[-1].spread_s == pytest.approx(0.0602)
    assert got[-1].median_gap_s == pytest.approx(0.01)


def test_small_packets_and_the_clients_own_are_not_arrivals():
    frames = [frame(0.0, S, 999), frame(0.1, C, 1400), frame(0.2, S, 1000)]
    assert arrivals(frames, C) == [0.2]
    assert bursts([], 0.05) == []


def test_turns_split_a_tcp_exchange_into_the_servers_and_the_clients_time():
    r = 0.010
    frames = [frame(0.000, C, 0, "tcp", ("SYN",)),
              frame(0.011, S, 0, "tcp", ("SYN", "ACK")),       # 1 ms of server time
              frame(0.0112, C, 0, "tcp"),                      # a pure ACK: not a message
              frame(0.013, C, 300, "tcp"),                     # the client's 2 ms
              frame(0.026, S, 1400, "tcp"),                    # 3 ms of server time
              frame(0.0261, S, 1400, "tcp"),
              frame(0.0265, C, 0, "tcp"),
              frame(0.027, C, 24, "tcp"),                      # close_notify
              frame(0.038, S, 24, "tcp"),                      # the server's close_notify
              frame(0.0381, S, 0, "tcp", ("FIN", "ACK")),
              frame(0.0383, C, 0, "tcp", ("RST", "ACK"))]      # as Python's ssl client ends
    t = turns(frames, C, r)
    assert t.answers == 2  # the close is not the page's
    assert t.server_s == pytest.approx(0.004)
    assert t.client_s == pytest.approx(0.002)
    assert t.wire_s == pytest.approx(0.0261)  # SYN to the page's last data, not the close
    assert t.spread_s == pytest.approx(0.0001)  # the answer's two segments


def test_an_answer_faster_than_the_round_trip_counts_no_negative_time():
    frames = [frame(0.0, C, 100, "tcp"), frame(0.009, S, 100, "tcp")]
    assert turns(frames, C, 0.010).server_s == 0.0


def test_quic_datagrams_all_count_and_their_span_is_the_wire_time():
    frames = [frame(0.0, C, 1200), frame(0.0125, S, 1200), frame(0.0126, S, 900),
              frame(0.0127, C, 40),                      # an ACK: not a message
              frame(0.0130, C, 90), frame(0.0240, S, 1200), frame(0.0242, C, 50),
              frame(0.0345, S, 40)]  # the client's CONNECTION_CLOSE, then the server's
    t = turns(frames, C, 0.010)
    assert t.answers == 2
    assert t.server_s == pytest.approx(0.0025 + 0.0010)
    assert t.client_s == pytest.approx(0.0004)
    assert t.spread_s == pytest.approx(0.0001)
    assert t.wire_s == pytest.approx(0.024)


def test_the_last_connection_is_the_one_that_carried_the_last_data():
    ticket_visit = [frame(0.0, C, 1200, port=40001), frame(0.02, S, 1200, port=40001)]
    timed = [frame(0.05, C, 1200, port=40002), frame(0.07, S, 1200, port=40002)]
    late_close = [frame(0.08, C, 40, port=40001)]  # the first visit's close, after the data
    got = last_connection(ticket_visit + timed + late_close, C)
    assert got == timed
    assert last_connection([frame(0.0, C, 0)], C) == [frame(0.0, C, 0)]  # no data: all kept
