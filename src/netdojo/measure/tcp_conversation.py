"""A TCP connection read from captured frames: who opened it, whether the three-way handshake
and the close (FIN and its ACK, both ways) are complete with matching numbers, who closed
first, and which segments were sent again."""

from __future__ import annotations

from dataclasses import dataclass, field

from netdojo.measure.pcap import Frame, has_flags

Endpoint = tuple[str, int]


@dataclass
class Conversation:
    client: Endpoint  # the side that sent the SYN
    server: Endpoint
    frames: list[Frame] = field(default_factory=list)

    def side(self, f: Frame) -> str:
        return "client" if (f.ip["src"], f.tcp["sport"]) == self.client else "server"


def conversations(frames: list[Frame]) -> list[Conversation]:
    """TCP connections in capture order, each opened by a SYN seen in the capture."""
    found: dict[frozenset, Conversation] = {}
    for f in frames:
        tcp = f.tcp
        if tcp is None:
            continue
        a, b = (f.ip["src"], tcp["sport"]), (f.ip["dst"], tcp["dport"])
        key = frozenset((a, b))
        if key not in found and has_flags(tcp, "SYN", exactly=True):
            found[key] = Conversation(a, b)
        if key in found:
            found[key].frames.append(f)
    return list(found.values())


@dataclass
class Verdict:
    ok: bool
    frames: list[int]  # the frame numbers that show it
    why: str


def handshake(c: Conversation) -> Verdict:
    syn = next((f for f in c.frames if has_flags(f.tcp, "SYN", exactly=True)), None)
    if syn is None:
        return Verdict(False, [], "no SYN")
    synack = next((f for f in c.frames if c.side(f) == "server"
                   and has_flags(f.tcp, "SYN", "ACK", exactly=True)
                   and f.tcp["ack"] == (syn.tcp["seq"] + 1) % 2**32), None)
    if synack is None:
        return Verdict(False, [syn.number], "no SYN-ACK acknowledging the SYN's sequence + 1")
    ack = next((f for f in c.frames if c.side(f) == "client" and f.number > synack.number
                and has_flags(f.tcp, "ACK") and not has_flags(f.tcp, "SYN")
                and f.tcp["ack"] == (synack.tcp["seq"] + 1) % 2**32), None)
    if ack is None:
        return Verdict(False, [syn.number, synack.number],
                       "no ACK acknowledging the SYN-ACK's sequence + 1")
    return Verdict(True, [syn.number, synack.number, ack.number],
                   f"SYN seq={syn.tcp['seq']}, SYN-ACK seq={synack.tcp['seq']} "
                   f"ack={synack.tcp['ack']}, ACK ack={ack.tcp['ack']}")


def close(c: Conversation) -> tuple[Verdict, str | None]:
    """(verdict, the side that sent the first FIN)."""
    fins = [f for f in c.frames if has_flags(f.tcp, "FIN")]
    first = c.side(fins[0]) if fins else None
    shown: list[int] = []
    for side in ("client", "server"):
        fin = next((f for f in fins if c.side(f) == side), None)
        if fin is None:
            return Verdict(False, shown, f"no FIN from the {side}"), first
        end = (fin.tcp["seq"] + fin.payload_len + 1) % 2**32
        ack = next((f for f in c.frames if c.side(f) != side and f.number > fin.number
                    and has_flags(f.tcp, "ACK") and f.tcp["ack"] == end), None)
        if ack is None:
            return Verdict(False, shown + [fin.number],
                           f"the {side}'s FIN is never acknowledged"), first
        shown += [fin.number, ack.number]
    return Verdict(True, sorted(set(shown)), f"FIN and ACK both ways; the {first} closed "
                   "first"), first


def retransmissions(c: Conversation) -> int:
    """Segments with data sent again (same side, same sequence number)."""
    seen: set[tuple[str, int]] = set()
    again = 0
    for f in c.frames:
        if f.payload_len == 0:
            continue
        key = (c.side(f), f.tcp["seq"])
        if key in seen:
            again += 1
        seen.add(key)
    return again
