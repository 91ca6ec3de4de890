"""net/sockets.py: the ports a namespace listens on, read from /proc without a process."""

from __future__ import annotations

import os
import socket

from netdojo.net import sockets

TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 0100007F:C350 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 3 1
"""


def test_only_sockets_in_the_state_asked_count():
    assert sockets.ports_in_table(TABLE, sockets.TCP_LISTEN) == {53, 80}
    assert sockets.ports_in_table(TABLE, "01") == {50000}
    assert sockets.ports_in_table("header only\n", sockets.TCP_LISTEN) == set()


def test_a_socket_of_this_process_is_seen_and_a_closed_one_is_not():
    for kind, udp in ((socket.SOCK_STREAM, False), (socket.SOCK_DGRAM, True)):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        if not udp:
            s.listen()
        port = s.getsockname()[1]
        assert sockets.listening(os.getpid(), port, udp) is True
        s.close()
        assert sockets.listening(os.getpid(), port, udp) is False


def test_a_process_that_is_gone_is_unknown():
    assert sockets.listening(2**22 + 12345, 80) is None
