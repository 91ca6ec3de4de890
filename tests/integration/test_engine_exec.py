"""A command in a container over the engine's API (net/engine_exec.py, what starts a lab's
services): its stdin arrives whole and ends, stdout and stderr come back apart with the exit
code, and a command that outlives its time raises as subprocess.run does."""

from __future__ import annotations

import hashlib
import subprocess

import pytest

from netdojo import session
from netdojo.topo import parse_topology

from .test_services import _docker_ready

ONE = """
name: apiexec
nodes:
  s: {kind: switch}
  c: {kind: container}
links:
  - {endpoints: [c, s]}
"""


@pytest.fixture(scope="module")
def net(caps):
    _docker_ready(caps)
    n = session.up(parse_topology(ONE, "apiexec.yaml"), detached=True)
    yield n
    n.run.teardown()


def test_stdin_arrives_whole_and_the_streams_come_back_apart(net):
    data = bytes(range(256)) * 4096  # 1 MiB, every byte value: more than one frame each way
    r = net.run_in("c", ["sh", "-c", "wc -c; echo to-stderr >&2; exit 3"], data, timeout=30)
    assert r.returncode == 3
    assert r.stdout.decode().strip() == str(len(data))
    assert r.stderr.decode().strip() == "to-stderr"
    r = net.run_in("c", ["sh", "-c", "cat | sha256sum"], data, timeout=30)
    assert r.stdout.decode().split()[0] == hashlib.sha256(data).hexdigest()


def test_a_command_without_stdin_sees_its_end_at_once(net):
    r = net.run_in("c", ["cat"], b"", timeout=10)  # would hang if stdin stayed open
    assert (r.returncode, r.stdout, r.stderr) == (0, b"", b"")


def test_a_command_past_its_time_raises_timeout_expired(net):
    with pytest.raises(subprocess.TimeoutExpired):
        net.run_in("c", ["sleep", "30"], b"", timeout=1)
