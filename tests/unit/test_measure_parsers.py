import json

import pytest

from netdojo.errors import NetdojoError
from netdojo.measure import bands
from netdojo.measure.iperf import parse_iperf
from netdojo.measure.ping import parse_ping
from netdojo.measure.traceroute import parse_traceroute

PING = """PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.
64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=20.3 ms
64 bytes from 10.0.0.2: icmp_seq=3 ttl=64 time=20.1 ms
64 bytes from 10.0.0.2: icmp_seq=4 ttl=64 time=21.0 ms

--- 10.0.0.2 ping statistics ---
4 packets transmitted, 3 received, 25% packet loss, time 3004ms
"""

TRACE = """traceroute to 10.0.3.2 (10.0.3.2), 16 hops max, 60 byte packets
 1  10.0.0.1  0.101 ms  0.050 ms  0.044 ms
 2  * * *
 3  10.0.3.2  40.512 ms  40.488 ms  40.471 ms
"""


def test_ping():
    r = parse_ping(PING)
    assert r.rtts_ms == [20.3, 20.1, 21.0]
    assert (r.sent, r.received) == (4, 3)
    assert r.loss_pct == 25.0 and r.median_ms == 20.3


def test_iperf():
    doc = {"end": {"sum_received": {"seconds": 3.0, "bits_per_second": 9.5e6},
                   "sum_sent": {"seconds": 3.0, "bits_per_second": 9.8e6, "retransmits": 4}}}
    r = parse_iperf(json.dumps(doc))
    assert r.goodput_mbps == 9.5 and r.retransmits == 4
    with pytest.raises(NetdojoError, match="unable to connect"):
        parse_iperf(json.dumps({"error": "unable to connect"}))
    with pytest.raises(NetdojoError, match="no JSON"):
        parse_iperf("garbage")


def test_traceroute():
    hops = parse_traceroute(TRACE)
    assert [h.ttl for h in hops] == [1, 2, 3]
    assert hops[1].address is None and hops[2].rtts_ms == [40.512, 40.488, 40.471]


def test_bands():
    assert bands.rtt_ok(40.0, 40.9) and not bands.rtt_ok(40.0, 41.2)
    assert bands.goodput_ok(10, 9.5) and not bands.goodput_ok(10, 8.9)
    lo, hi = bands.binomial_interval(2000, 0.05)
    assert lo < 100 < hi and hi - lo < 60
    assert bands.loss_ok(2000, 100, 0.05) and not bands.loss_ok(2000, 160, 0.05)
