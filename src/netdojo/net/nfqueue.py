"""nfnetlink_queue messages, encoded and decoded without any I/O (the h11/aioquic shape).

Only what a delay line needs: bind a queue in copy-mode META (the kernel sends metadata, never
the payload), let GSO packets through whole, and release packets with one batch verdict
("accept every id up to N"), which is what keeps a Python loop ahead of gigabit traffic.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG, NFQNL_MSG_VERDICT_BATCH = 0, 1, 2, 3
NFQA_PACKET_HDR, NFQA_VERDICT_HDR, NFQA_TIMESTAMP = 1, 2, 4
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN, NFQA_CFG_MASK, NFQA_CFG_FLAGS = 1, 2, 3, 4, 5
NFQNL_CFG_CMD_BIND, NFQNL_CFG_CMD_UNBIND = 1, 2
NFQNL_COPY_META = 1
NFQA_CFG_F_GSO = 4
NF_DROP, NF_ACCEPT = 0, 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR, NLMSG_DONE = 2, 3
AF_UNSPEC, AF_INET = 0, 2

_NLMSGHDR = struct.Struct("=IHHII")
_NFGENMSG = struct.Struct("=BBH")  # family, version, res_id (big endian, packed by hand)
_NLATTR = struct.Struct("=HH")


def _align(n: int) -> int:
    return (n + 3) & ~3


def _attr(kind: int, payload: bytes) -> bytes:
    raw = _NLATTR.pack(_NLATTR.size + len(payload), kind) + payload
    return raw + b"\0" * (_align(len(raw)) - len(raw))


def _message(msg_type: int, queue: int, attrs: bytes, seq: int, family: int = AF_UNSPEC,
             flags: int = NLM_F_REQUEST) -> bytes:
    body = struct.pack("=BB", family, 0) + struct.pack(">H", queue) + attrs
    kind = (NFNL_SUBSYS_QUEUE << 8) | msg_type
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind, flags, seq, 0) + body


def bind(queue: int, seq: int, maxlen: int = 65536) -> list[bytes]:
    """Messages that bind `queue` to this socket, metadata only, GSO passed whole."""
    ack = NLM_F_REQUEST | NLM_F_ACK
    return [
        _message(NFQNL_MSG_CONFIG, queue,
                 _attr(NFQA_CFG_CMD, struct.pack(">BxH", NFQNL_CFG_CMD_BIND, AF_INET)), seq, flags=ack),
        _message(NFQNL_MSG_CONFIG, queue,
                 _attr(NFQA_CFG_PARAMS, struct.pack(">IB", 0, NFQNL_COPY_META))
                 + _attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack(">I", maxlen))
                 + _attr(NFQA_CFG_FLAGS, struct.pack(">I", NFQA_CFG_F_GSO))
                 + _attr(NFQA_CFG_MASK, struct.pack(">I", NFQA_CFG_F_GSO)), seq + 1, flags=ack),
    ]


def verdict_batch(queue: int, upto_id: int, verdict: int = NF_ACCEPT, seq: int = 0) -> bytes:
    """One message that settles every packet of `queue` with id <= upto_id."""
    return _message(NFQNL_MSG_VERDICT_BATCH, queue,
                    _attr(NFQA_VERDICT_HDR, struct.pack(">II", verdict, upto_id)), seq)


@dataclass(frozen=True)
class Packet:
    queue: int
    packet_id: int
    stamp: float | None = None  # kernel receive time (CLOCK_REALTIME), when the skb has one


@dataclass(frozen=True)
class Ack:
    seq: int
    error: int  # 0 = success, else a negative errno


def parse(buf: bytes | memoryview) -> Iterator[Packet | Ack]:
    """Split a recv() buffer into queued-packet notices and acks/errors."""
    off, end = 0, len(buf)
    while off + _NLMSGHDR.size <= end:
        length, kind, _flags, seq, _pid = _NLMSGHDR.unpack_from(buf, off)
        if length < _NLMSGHDR.size:
            return
        body = off + _NLMSGHDR.size
        if kind == NLMSG_ERROR:
            (err,) = struct.unpack_from("=i", buf, body)
            yield Ack(seq, err)
        elif kind == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
            (queue,) = struct.unpack_from(">H", buf, body + 2)
            a = body + _NFGENMSG.size
            stop = off + length
            pid = stamp = None
            while a + _NLATTR.size <= stop:
                alen, atype = _NLATTR.unpack_from(buf, a)
                if alen < _NLATTR.size:
                    break
                kind = atype & 0x7FFF
                if kind == NFQA_PACKET_HDR:
                    (pid,) = struct.unpack_from(">I", buf, a + _NLATTR.size)
                elif kind == NFQA_TIMESTAMP:
                    sec, usec = struct.unpack_from(">QQ", buf, a + _NLATTR.size)
                    stamp = sec + usec / 1e6
                a += _align(alen)
            if pid is not None:
                yield Packet(queue, pid, stamp)
        off += _align(length)
