import struct

from netdojo.net import nfqueue
from netdojo.net.delayd import DelayLine


def packet_msg(queue: int, packet_id: int) -> bytes:
    hdr = struct.pack(">IHB", packet_id, 0x0800, 1) + b"\0"
    attr = struct.pack("=HH", 4 + 7, nfqueue.NFQA_PACKET_HDR) + hdr
    body = struct.pack("=BB", 2, 0) + struct.pack(">H", queue) + attr
    kind = (nfqueue.NFNL_SUBSYS_QUEUE << 8) | nfqueue.NFQNL_MSG_PACKET
    return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body


def test_parse_packets_and_acks():
    err = struct.pack("=IHHII", 36, nfqueue.NLMSG_ERROR, 0, 7, 0) + struct.pack("=i", -1) + b"\0" * 16
    buf = packet_msg(3, 41) + packet_msg(4, 42) + err
    items = list(nfqueue.parse(buf))
    assert items == [nfqueue.Packet(3, 41), nfqueue.Packet(4, 42), nfqueue.Ack(7, -1)]


def test_verdict_batch_encodes_queue_and_id():
    msg = nfqueue.verdict_batch(5, 1234)
    length, kind = struct.unpack_from("=IH", msg)
    assert length == len(msg)
    assert kind == (3 << 8) | nfqueue.NFQNL_MSG_VERDICT_BATCH
    assert struct.unpack_from(">H", msg, 18)[0] == 5
    assert struct.unpack_from(">II", msg, len(msg) - 8) == (nfqueue.NF_ACCEPT, 1234)


def test_bind_asks_for_meta_copy_and_gso():
    msgs = nfqueue.bind(2, seq=10)
    assert len(msgs) == 2
    assert struct.pack(">I", nfqueue.NFQA_CFG_F_GSO) in msgs[1]


def test_fixed_delay_releases_in_order_at_the_right_time():
    line = DelayLine({0: (0.010, 0.0)})
    for i in range(1, 6):
        line.arrive(0, i, now=i * 0.001)
    assert line.due(0.0105) == []
    assert line.due(0.0115) == [(0, 1)]
    assert line.due(0.0135) == [(0, 3)]  # 2 and 3 released with one verdict
    assert line.due(0.0136) == []
    assert abs(line.next_due() - 0.014) < 1e-9


def test_jitter_stays_in_band_and_never_reorders():
    line = DelayLine({0: (0.020, 0.005)}, seed=1)
    dues = []
    for i in range(2000):
        line.arrive(0, i, now=i * 0.010)  # 10 ms apart: jitter can't collide
        dues.append(line.pending[0][-1][0] - i * 0.010)
    assert min(dues) >= 0.015 - 1e-9 and max(dues) <= 0.025 + 1e-9
    assert abs(sorted(dues)[1000] - 0.020) < 0.001  # uniform: median ~ delay
    times = [d for d, _ in line.pending[0]]
    assert times == sorted(times)


def test_overhead_is_subtracted_but_never_below_zero():
    line = DelayLine({0: (0.001, 0.0), 1: (0.00001, 0.0)}, overhead_s=0.0001)
    line.arrive(0, 1, 0.0)
    line.arrive(1, 1, 0.0)
    assert abs(line.pending[0][0][0] - 0.0009) < 1e-12
    assert line.pending[1][0][0] == 0.0


def test_parse_reads_the_kernel_timestamp():
    ts = struct.pack("=HH", 4 + 16, nfqueue.NFQA_TIMESTAMP) + struct.pack(">QQ", 1000, 250000)
    msg = bytearray(packet_msg(1, 7))
    msg += ts
    struct.pack_into("=I", msg, 0, len(msg))
    (pkt,) = nfqueue.parse(bytes(msg))
    assert pkt.packet_id == 7 and pkt.stamp == 1000.25


def test_the_line_learns_its_own_lateness():
    line = DelayLine({0: (0.010, 0.0)})
    t = 0.0
    for i in range(200):  # every release comes 200 µs after its due time
        line.arrive(0, i, t)
        due = line.pending[0][-1][0]
        assert line.due(due + 0.0002) == [(0, i)]
        t = due + 0.01
    assert abs(line.lateness - 0.0002) < 0.00002
    line.arrive(0, 999, 100.0)
    assert abs(line.pending[0][-1][0] - (100.0 + 0.010 - 0.0002)) < 0.00003


def test_netem_and_wire_configuration_lines():
    from netdojo.net import shaping
    from netdojo.topo.model import LinkParams

    p = LinkParams(bw=10, delay=20, jitter=2, loss=1, queue=100)
    lines = shaping.netem_lines("eth0", p)
    assert lines[0] == "qdisc add dev eth0 root handle 1: htb default 1"
    assert "rate 10000kbit" in lines[1]
    assert lines[2].endswith("netem delay 20ms 2ms loss 1% limit 100")
    assert shaping.netem_lines("eth1", LinkParams(delay=5)) == [
        "qdisc add dev eth1 root handle 10: netem delay 5ms limit 1000"]
    assert shaping.rate_lines("w0b", LinkParams(queue=50)) == [
        "qdisc add dev w0b root handle 10: pfifo limit 50"]
    rules = shaping.wire_rules("w0a", 6, p)
    assert "--probability 0.010000 -j DROP" in rules[0] and "--queue-num 6" in rules[1]
    assert shaping.wire_rules("w0a", 6, LinkParams(bw=5)) == []
