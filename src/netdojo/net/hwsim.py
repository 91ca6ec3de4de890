"""Wi-Fi radios of the kernel's mac80211_hwsim, made and removed over generic netlink.

hwsim lets a radio hear only the radios made in the same network namespace (its "netgroup" is
fixed when the radio is made), so a run's radios are all made in one namespace of the run's own
(its air) and then moved into their nodes with `iw phy … set netns`: the radios of one run hear
each other and never those of another run graded beside it.  A radio made outside the root
namespace is destroyed by the kernel when the namespace it sits in is deleted (hwsim's
pernet exit), so a killed run leaves no radio behind; `down` still removes each one by the name
netdojo gave it (the node's namespace name), and nothing else.

The messages are built and read by pure functions (as `nfqueue.py` keeps its protocol apart
from I/O), so the unit tests check the bytes without a kernel that has the module.
"""

from __future__ import annotations

import errno
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
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
FAMILY = "MAC80211_HWSIM"
# include/uapi of drivers/net/wireless/virtual/mac80211_hwsim.h (enum hwsim_commands/attrs)
CMD_NEW_RADIO, CMD_DEL_RADIO, CMD_GET_RADIO = 4, 5, 6
ATTR_CHANNELS, ATTR_RADIO_ID, ATTR_RADIO_NAME, ATTR_NO_VIF = 9, 10, 17, 18
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


def del_radio_request(family: int, name: str, seq: int) -> bytes:
    return genl_message(family, CMD_DEL_RADIO, attr(ATTR_RADIO_NAME, name.encode()), seq,
                        NLM_F_REQUEST | NLM_F_ACK)


def dump_request(family: int, seq: int) -> bytes:
    return genl_message(family, CMD_GET_RADIO, b"", seq, NLM_F_REQUEST | NLM_F_DUMP)


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
                raise BuildError("this kernel has no mac80211_hwsim radios (the module is not "
                                 "loaded and cannot be): Wi-Fi labs run in the lab VM — "
                                 "netdojo vm up, then netdojo vm run -- …")
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
    if not available():
        _Genl()  # raises the clear message
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
    for argv in (["ip", "netns", "exec", air, "iw", "phy", name, "set", "netns", "name", ns],
                 ["ip", "netns", "exec", ns, "iw", "phy", name, "interface", "add", ifname,
                  "type", "managed"]):
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise BuildError(f"radio {name}: {' '.join(argv[4:])}: "
                             f"{(r.stderr or r.stdout).strip()}")


def delete_radio(name: str, ns: str | None = None) -> bool:
    """Remove radio `name`, asked from the namespace it is in (hwsim deletes only radios of the
    asking socket's netns); False if it was not there."""
    if not Path("/sys/module", MODULE).exists():
        return False
    if ns and netns.exists(ns):
        with netns.entered(ns):
            g = _Genl()
    else:
        g = _Genl()
    try:
        g.seq += 1
        code = g.acked(del_radio_request(g.family, name, g.seq))
    finally:
        g.close()
    if code not in (0, -errno.ENODEV):
        raise BuildError(f"mac80211_hwsim could not remove radio {name}: {os.strerror(-code)}")
    return code == 0


def radio_names() -> list[str]:
    """The names of the radios in this (the root) namespace: where the radios of a deleted
    namespace return to."""
    if not Path("/sys/module", MODULE).exists():
        return []
    g = _Genl()
    names: list[str] = []
    try:
        g.seq += 1
        g.sock.send(dump_request(g.family, g.seq))
        while True:
            batch = messages(g.sock.recv(65536))
            for kind, payload in batch:
                if kind in (NLMSG_DONE, NLMSG_ERROR):
                    return names
                name = attrs(payload).get(ATTR_RADIO_NAME)
                if name:
                    names.append(name.rstrip(b"\0").decode())
            if not batch:
                return names
    finally:
        g.close()
