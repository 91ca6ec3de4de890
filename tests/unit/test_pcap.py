"""pcap reading and TCP conversation logic on frames built byte by byte here."""

from __future__ import annotations

import struct

import pytest

from netdojo.measure.pcap import PcapError, read_pcap
from netdojo.measure.tcp_conversation import close, conversations, handshake, retransmissions

C, S = ("10.1.1.10", 40000), ("10.1.2.10", 8080)


def _ip(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def tcp_frame(src, dst, seq, ack, flags, payload=b"", ttl=64) -> bytes:
    bits = {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16}
    fl = sum(bits[c] for c in flags)
    opts = b"\x01\x01\x08\x0a" + b"\0" * 8  # NOP NOP timestamps: a 32-byte header
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack, (32 // 4) << 4, fl, 502, 0, 0)
    tcp += opts + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, ttl, 6, 0, _ip(src[0]),
                     _ip(dst[0]))
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth + ip + tcp


def pcap(frames: list[bytes]) -> bytes:
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
    for i, f in enumerate(frames):
        out += struct.pack("<IIII", 1000 + i, 0, len(f), len(f)) + f
    return out


def session(first_closer: str = "server", resend: bool = False) -> list[bytes]:
    req, resp = b"GET / HTTP/1.0\r\n\r\n", b"HTTP/1.0 200 OK\r\n\r\nhello"
    f = [tcp_frame(C, S, 100, 0, "S"), tcp_frame(S, C, 500, 101, "SA"),
         tcp_frame(C, S, 101, 501, "A"), tcp_frame(C, S, 101, 501, "PA", req)]
    if resend:
        f.append(tcp_frame(C, S, 101, 501, "PA", req))
    c_end, s_end = 101 + len(req), 501 + len(resp)
    f.append(tcp_frame(S, C, 501, c_end, "PA", resp))
    if first_closer == "server":
        f += [tcp_frame(S, C, s_end, c_end, "FA"), tcp_frame(C, S, c_end, s_end + 1, "FA"),
              tcp_frame(S, C, s_end + 1, c_end + 1, "A")]
    else:
        f += [tcp_frame(C, S, c_end, s_end, "FA"), tcp_frame(S, C, s_end, c_end + 1, "A"),
              tcp_frame(S, C, s_end, c_end + 1, "FA"), tcp_frame(C, S, c_end + 1, s_end + 1, "A")]
    return f


def test_layers_and_their_byte_ranges():
    frames = read_pcap(pcap(session()))
    f = frames[3]
    assert [(x.name, x.start, x.header_len) for x in f.layers] == [
        ("link", 0, 14), ("internet", 14, 20), ("transport", 34, 32), ("application", 66, 0)]
    assert f.ip["src"] == C[0] and f.ip["ttl"] == 64 and f.tcp["dport"] == 8080
    assert f.payload_len == len(b"GET / HTTP/1.0\r\n\r\n") and f.number == 4
    assert f.layer("link").fields["src"] == "02:00:00:00:00:01"


def test_cooked_v2_from_any_interface_is_read():
    # tcpdump ≥ 4.99 writes `-i any` as LINUX_SLL2 (276): protocol, reserved, ifindex, ...
    eth = tcp_frame(C, S, 100, 0, "S")
    sll2 = struct.pack("!HHIHBB8s", 0x0800, 0, 7, 1, 4, 6, b"\2\0\0\0\0\1\0\0")
    raw = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 276)
    raw += struct.pack("<IIII", 1000, 0, 20 + len(eth) - 14, 20 + len(eth) - 14)
    raw += sll2 + eth[14:]
    f = read_pcap(raw)[0]
    assert f.layer("link").fields == {"ethertype": 0x0800, "cooked": True, "ifindex": 7}
    assert f.tcp["dport"] == 8080 and f.tcp["flags"] == ["SYN"] and f.ip["src"] == C[0]


@pytest.mark.parametrize("closer", ["server", "client"])
def test_handshake_and_close_are_found(closer):
    conv = conversations(read_pcap(pcap(session(closer))))
    assert len(conv) == 1 and conv[0].client == C
    hs = handshake(conv[0])
    assert hs.ok and hs.frames == [1, 2, 3]
    verdict, first = close(conv[0])
    assert verdict.ok and first == closer
    assert retransmissions(conv[0]) == 0


def test_broken_numbers_and_missing_fins_are_named():
    frames = session()
    frames[1] = tcp_frame(S, C, 500, 999, "SA")  # acknowledges the wrong sequence number
    hs = handshake(conversations(read_pcap(pcap(frames)))[0])
    assert not hs.ok and "SYN-ACK" in hs.why
    frames = session()[:-3]  # no close at all
    verdict, first = close(conversations(read_pcap(pcap(frames)))[0])
    assert not verdict.ok and first is None and "no FIN from the client" in verdict.why


def test_a_resent_segment_is_counted():
    assert retransmissions(conversations(read_pcap(pcap(session(resend=True))))[0]) == 1


def test_not_a_pcap_says_what_to_do():
    with pytest.raises(PcapError, match="tcpdump -w"):
        read_pcap(b"\x0a\x0d\x0d\x0a" + b"\0" * 40)  # pcapng
    truncated = pcap(session())[:-10]
    assert len(read_pcap(truncated)) == len(session()) - 1
