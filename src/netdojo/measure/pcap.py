"""Classic pcap files → frames with their Ethernet, IPv4 and TCP/UDP headers decoded, and where
each header starts and ends in the frame's bytes (so a lab can ask which bytes each layer
added).  Pure parsing: bytes in, dataclasses out; reading the file is the caller's business."""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276  # tcpdump ≥ 4.99 writes this for `-i any`
MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
          b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
TCP_FLAGS = {"FIN": 0x01, "SYN": 0x02, "RST": 0x04, "PSH": 0x08, "ACK": 0x10, "URG": 0x20}


class PcapError(ValueError):
    """Not a pcap file this reader understands; says why."""


@dataclass
class Layer:
    name: str  # link | internet | transport | application
    start: int  # byte offset in the frame
    header_len: int
    fields: dict = field(default_factory=dict)


@dataclass
class Frame:
    number: int  # 1-based, as Wireshark counts
    time: float
    data: bytes
    layers: list[Layer]

    def layer(self, name: str) -> Layer | None:
        return next((x for x in self.layers if x.name == name), None)

    @property
    def ip(self) -> dict:
        lay = self.layer("internet")
        return lay.fields if lay else {}

    @property
    def tcp(self) -> dict | None:
        lay = self.layer("transport")
        return lay.fields if lay and lay.fields.get("proto") == "tcp" else None

    @property
    def udp(self) -> dict | None:
        lay = self.layer("transport")
        return lay.fields if lay and lay.fields.get("proto") == "udp" else None

    @property
    def payload_len(self) -> int:
        app = self.layer("application")
        return app.fields["length"] if app else 0


def read_pcap(raw: bytes) -> list[Frame]:
    if len(raw) < 24 or raw[:4] not in MAGICS:
        raise PcapError("not a pcap file (write it with `tcpdump -w FILE.pcap`; pcapng is "
                        "not read — save as pcap in Wireshark)")
    endian, unit = MAGICS[raw[:4]]
    linktype = struct.unpack(endian + "I", raw[20:24])[0]
    if linktype not in (LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2):
        raise PcapError(f"link type {linktype} is not Ethernet (capture on an interface such "
                        "as eth0)")
    frames, off, n = [], 24, 0
    while off + 16 <= len(raw):
        sec, frac, incl, _orig = struct.unpack(endian + "IIII", raw[off:off + 16])
        data = raw[off + 16:off + 16 + incl]
        if len(data) < incl:
            break  # a capture cut short: keep the whole frames before it
        n += 1
        frames.append(Frame(n, sec + frac * unit, data, decode(data, linktype)))
        off += 16 + incl
    return frames


def _mac(b: bytes) -> str:
    return ":".join(f"{x:02x}" for x in b)


def decode(data: bytes, linktype: int = LINKTYPE_ETHERNET) -> list[Layer]:
    layers: list[Layer] = []
    if linktype == LINKTYPE_ETHERNET:
        if len(data) < 14:
            return layers
        ethertype = struct.unpack("!H", data[12:14])[0]
        layers.append(Layer("link", 0, 14, {"dst": _mac(data[0:6]), "src": _mac(data[6:12]),
                                            "ethertype": ethertype}))
        off = 14
    elif linktype == LINKTYPE_LINUX_SLL2:  # cooked v2: protocol first, then the interface
        if len(data) < 20:
            return layers
        ethertype = struct.unpack("!H", data[0:2])[0]
        layers.append(Layer("link", 0, 20, {"ethertype": ethertype, "cooked": True,
                                            "ifindex": struct.unpack("!I", data[4:8])[0]}))
        off = 20
    else:  # Linux cooked capture v1 (older tcpdump's -i any)
        if len(data) < 16:
            return layers
        ethertype = struct.unpack("!H", data[14:16])[0]
        layers.append(Layer("link", 0, 16, {"ethertype": ethertype, "cooked": True}))
        off = 16
    if ethertype != 0x0800 or len(data) < off + 20:
        return layers
    ihl = (data[off] & 0x0F) * 4
    total = struct.unpack("!H", data[off + 2:off + 4])[0]
    proto = data[off + 9]
    layers.append(Layer("internet", off, ihl, {
        "version": data[off] >> 4, "ttl": data[off + 8], "proto": proto, "total_len": total,
        "src": str(ipaddress.IPv4Address(data[off + 12:off + 16])),
        "dst": str(ipaddress.IPv4Address(data[off + 16:off + 20]))}))
    end = min(len(data), off + total)
    t = off + ihl
    if proto == 6 and end >= t + 20:
        sport, dport, seq, ack, offs, flags = struct.unpack("!HHIIBB", data[t:t + 14])
        hlen = (offs >> 4) * 4
        names = [k for k, v in TCP_FLAGS.items() if flags & v]
        layers.append(Layer("transport", t, hlen, {
            "proto": "tcp", "sport": sport, "dport": dport, "seq": seq, "ack": ack,
            "flags": names, "window": struct.unpack("!H", data[t + 14:t + 16])[0]}))
        t += hlen
    elif proto == 17 and end >= t + 8:
        sport, dport, length = struct.unpack("!HHH", data[t:t + 6])
        layers.append(Layer("transport", t, 8, {"proto": "udp", "sport": sport, "dport": dport,
                                                "length": length}))
        t += 8
    else:
        return layers
    layers.append(Layer("application", t, 0, {"length": max(0, end - t)}))
    return layers


def has_flags(tcp: dict | None, *names: str, exactly: bool = False) -> bool:
    if tcp is None:
        return False
    flags = set(tcp["flags"])
    return flags == set(names) if exactly else set(names) <= flags
