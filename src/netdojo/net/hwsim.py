"""Wi-Fi radios of the kernel's mac80211_hwsim, made and removed over generic netlink.

hwsim lets a radio hear only the radios made in the same network namespace (its "netgroup" is
fixed when the radio is made), so a run's radios are all made in one namespace of the run's own
(its air) and then moved into their nodes with `iw phy … set netns`: the radios of one run hear
each other and never those of another run graded beside it.  A radio made outside the root
namespace is destroyed by the kernel when the namespace it sits in is deleted (hwsim's
pernet exit): a run's teardown, which deletes its namespaces (`down`, Ctrl-C, the reaping of a
killed run), removes its radios and no other.

The messages are built and read by pure functions (as `nfqueue.py` keeps its protocol apart
from I/O), so the unit tests check the bytes without a kernel that has the module.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from pathlib import Path

from netdojo.errors import BuildError
from netdojo.net import netns

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2
NLM_F_REQUEST, NLM_F_ACK = 0x1, 0x4
NLMSG_ERROR = 2
FAMILY = "MAC80211_HWSIM"
# include/uapi of drivers/net/wireless/virtual/mac80211_hwsim.h (enum hwsim_commands/attrs)
CMD_NEW_RADIO = 4
ATTR_CHANNELS, ATTR_RADIO_NAME, ATTR_NO_VIF = 9, 17, 18
MODULE = "mac80211_hwsim"


# ----- pure: messages ------------------------------------------------------------------------
def attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute, padded to 4 bytes."""
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + b"\0" * (-len(raw) % 4)


def genl_message(family: int, cmd: int, attrs: bytes, seq: int, flags: int) -> bytes:
    body = struct.pack("=BBH", cmd, 1, 0) + attrs
    return struct.pack("=IHHII", 16 + len(body), family, flags, seq, 0) + body


def family_request(seq: int) -> bytes:
    return genl_message(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                        attr(CTRL_ATTR_FAMILY_NAME, FAMILY.encode() + b"\0"), seq,
                        NLM_F_REQUEST)


def new_radio_request(family: int, name: str, seq: int) -> bytes:
    return genl_message(family, CMD_NEW_RADIO,
                        attr(ATTR_CHANNELS, struct.pack("=I", 1))
                        + attr(ATTR_RADIO_NAME, name.encode())
                        + attr(ATTR_NO_VIF, b""),  # wlan0 is added in the node's namespace
                        seq, NLM_F_REQUEST | NLM_F_ACK)


def messages(data: bytes) -> list[tuple[int, bytes]]:
    """(type, payload) of each netlink message in one datagram."""
    out, off = [], 0
    while off + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, off)
        if length < 16:
            break
        out.append((kind, data[off + 16:off + length]))
        off += (length + 3) & ~3
    return out


def attrs(payload: bytes) -> dict[int, bytes]:
    """The attributes after a generic netlink header (4 bytes)."""
    out, off = {}, 4
    while off + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, off)
        if length < 4:
            break
        out[kind & 0x3FFF] = payload[off + 4:off + length]
        off += (length + 3) & ~3
    return out


def ack_code(payload: bytes) -> int:
    """An NLMSG_ERROR's code: 0 an ack, < 0 -errno; hwsim's NEW_RADIO answers the new radio's
    index, a positive number, the same way."""
    return struct.unpack_from("=i", payload)[0]


# ----- I/O -----------------------------------------------------------------------------------
class _Genl:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.settimeout(10)
        self.sock.bind((0, 0))
        self.seq = 0
        self.family = self._family()

    def close(self) -> None:
        self.sock.close()

    def ask(self, msg: bytes) -> list[tuple[int, bytes]]:
        self.sock.send(msg)
        return messages(self.sock.recv(65536))

    def _family(self) -> int:
        self.seq += 1
        for kind, payload in self.ask(family_request(self.seq)):
            if kind == NLMSG_ERROR and ack_code(payload) < 0:
                raise BuildError("this kernel has no mac80211_hwsim radios: Wi-Fi runs in the "
                                 "lab VM (docs/vm/README.md)")
            if kind == GENL_ID_CTRL:
                return struct.unpack("=H", attrs(payload)[CTRL_ATTR_FAMILY_ID][:2])[0]
        raise BuildError("generic netlink gave no family id for mac80211_hwsim")

    def acked(self, msg: bytes) -> int:
        for kind, payload in self.ask(msg):
            if kind == NLMSG_ERROR:
                return ack_code(payload)
        raise BuildError("mac80211_hwsim did not answer")


def available() -> bool:
    """Whether radios can be made: the module is loaded or loads (radios=0: none of its own)."""
    if Path("/sys/module", MODULE).exists():
        return True
    try:
        r = subprocess.run(["modprobe", MODULE, "radios=0"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and Path("/sys/module", MODULE).exists()


def new_radio(air: str, name: str) -> int:
    """Make radio `name`, with no interface yet, in the run's air namespace; its hwsim index."""
    with netns.entered(air):
        g = _Genl()  # the socket's netns is where the radio is made, and its netgroup
    try:
        g.seq += 1
        code = g.acked(new_radio_request(g.family, name, g.seq))
    finally:
        g.close()
    if code < 0:
        raise BuildError(f"mac80211_hwsim refused radio {name}: {os.strerror(-code)}")
    return code


def move_radio(name: str, air: str, ns: str, ifname: str = "wlan0") -> None:
    """Move radio `name` from the air namespace into node namespace `ns` and give it its
    interface there."""
    for where, argv in ((air, ["iw", "phy", name, "set", "netns", "name", ns]),
                        (ns, ["iw", "phy", name, "interface", "add", ifname, "type", "managed"])):
        r = netns.run_in(where, argv, timeout=30)
        if r.returncode != 0:
            raise BuildError(f"radio {name}: {' '.join(argv)}: "
                             f"{(r.stderr or r.stdout).strip()}")
