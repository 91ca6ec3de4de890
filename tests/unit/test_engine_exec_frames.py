"""The engine's multiplexed exec stream split into stdout and stderr (net/engine_exec.py)."""

from __future__ import annotations

from netdojo.net.engine_exec import HEADER, split_frames


def frame(stream: int, body: bytes) -> bytes:
    return HEADER.pack(stream, len(body)) + body


def test_frames_go_to_their_stream_in_order():
    data = frame(1, b"a") + frame(2, b"err") + frame(1, b"bc") + frame(1, b"")
    assert split_frames(data) == (b"abc", b"err")


def test_a_frame_cut_short_is_dropped_not_read_half():
    whole = frame(1, b"done")
    cut = frame(2, b"half of it")[:12]
    assert split_frames(whole + cut) == (b"done", b"")
    assert split_frames(whole[:5]) == (b"", b"")
