"""up / exec / status / down through the CLI, and nothing left after Ctrl-C or kill -9."""

import os
import signal
import textwrap
import time

from netdojo.net import lifecycle, netns
from netdojo.net.network import Network
from netdojo.topo import star

from .helpers import alive, cli, popen_cli, run_state, snapshot, wait_for_line, wait_until

SHAPED = textwrap.dedent("""\
    name: shaped
    nodes: {h1: {}, h2: {}, s1: {kind: switch}}
    links:
      - {endpoints: [h1, s1], delay: 5}
      - {endpoints: [h2, s1], bw: 20}
    """)


def _run_id(line: str) -> str:
    return line.split()[1].rstrip(":")


def test_shell_runs_node_commands_then_tears_down(clean, tmp_path):
    topo = tmp_path / "shaped.yaml"
    topo.write_text(SHAPED)
    r = cli("up", str(topo), input="h1 ping -c 2 h2\nnodes\nexit\n")
    assert r.returncode == 0, r.stderr
    assert "2 received" in r.stdout
    assert "switch" in r.stdout and "down" in r.stdout


def test_detached_run_exec_status_down(clean):
    r = cli("up", "star,3", "--detach")
    assert r.returncode == 0, r.stderr
    rid = _run_id(r.stdout)
    assert rid in cli("status").stdout
    r = cli("exec", "--run", rid, "h1", "--", "ping", "-c", "1", "-W", "2", "h3")
    assert r.returncode == 0 and "1 received" in r.stdout
    r = cli("measure", "--run", rid, "h1", "h2", "--count", "5", "--seconds", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "h1->h2" in r.stdout
    assert cli("exec", "--run", rid, "h9", "--", "true").returncode == 2
    r = cli("down", rid)
    assert r.returncode == 0 and rid in r.stdout
    assert not any(n.startswith(f"nd{rid}") for n in netns.listed("nd"))


def _up_shaped_in_background(tmp_path):
    """`netdojo up` of a shaped lab as a child process: (process, run id, state, delayd pid)."""
    topo = tmp_path / "shaped.yaml"
    topo.write_text(SHAPED)
    proc = popen_cli("up", str(topo))
    rid = _run_id(wait_for_line(proc, " up in "))
    state = run_state(rid)
    delayd = [p["pid"] for p in state["processes"] if p["what"] == "delayd"][0]
    assert alive(delayd)
    return proc, rid, state, delayd


def test_ctrl_c_tears_everything_down(clean, tmp_path):
    proc, _, state, delayd = _up_shaped_in_background(tmp_path)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert not alive(delayd)
    assert not any(netns.exists(n) for n in state["namespaces"])


def test_kill_9_owner_is_reaped_by_the_next_command(clean, tmp_path):
    proc, rid, state, delayd = _up_shaped_in_background(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert all(netns.exists(n) for n in state["namespaces"])  # the owner could not clean up
    r = cli("status")
    assert f"reaped dead run {rid}" in r.stdout
    wait_until(lambda: not alive(delayd), 5, "delayd to end")
    assert not any(netns.exists(n) for n in state["namespaces"])


def test_processes_started_inside_a_node_end_with_the_run(clean):
    net = lifecycle.up(star(2), detached=True)
    sleeper = netns.popen_in(net.ns("h1"), ["sleep", "300"])
    try:
        wait_until(lambda: sleeper.pid in netns.pids_inside({netns.inode(net.ns("h1"))}), 5,
                   "sleeper in namespace")
    finally:
        net.run.teardown()
    sleeper.wait(timeout=5)
    assert sleeper.returncode is not None


def test_a_failed_build_leaves_nothing(clean, monkeypatch):
    def boom(self):
        raise RuntimeError("injected failure after the namespaces exist")

    monkeypatch.setattr(Network, "_hosts_files", boom)
    before = snapshot()
    try:
        lifecycle.up(star(3), detached=True)
    except RuntimeError:
        pass
    else:
        raise AssertionError("build should have failed")
    assert snapshot() == before


def test_bad_topology_is_named_and_builds_nothing(clean, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nodes:\n  h1: {}\nlinks:\n  - {endpoints: [h1, ghost]}\n")
    before = snapshot()
    r = cli("up", str(bad))
    assert r.returncode == 2
    assert f"{bad}:4:" in r.stderr and "unknown node 'ghost'" in r.stderr
    r = cli("up", "no-such-lab")
    assert r.returncode == 2 and "no topology 'no-such-lab'" in r.stderr
    r = cli("up", "star,2", "--shaper", "warp", "--detach")
    assert r.returncode == 2 and "unknown shaper" in r.stderr
    r = cli("verify", str(bad))
    assert r.returncode == 2
    assert snapshot() == before


def test_down_all_and_doctor(clean):
    r = cli("up", "star,2", "--detach")
    assert r.returncode == 0
    assert cli("down", "--all").returncode == 0
    r = cli("doctor")
    assert r.returncode == 0 and "link shaper (--shaper auto)" in r.stdout


def _hops(rid: str, src: str, dst: str) -> int:
    r = cli("exec", "--run", rid, src, "--", "traceroute", "-n", "-q", "1", "-w", "1", "-m", "6",
            dst)
    return len(r.stdout.splitlines()) - 1


def _hops_within(rid: str, src: str, dst: str, want: int, deadline_s: float = 5.0) -> int:
    stop = time.monotonic() + deadline_s
    while (got := _hops(rid, src, dst)) != want and time.monotonic() < stop:
        pass  # each traceroute waits up to a second per silent hop: no sleep needed
    return got


def test_fail_and_restore_reroute_around_a_ring(clean):
    r = cli("up", "ring,4", "--detach")
    assert r.returncode == 0, r.stderr
    rid = _run_id(r.stdout)
    try:
        assert _hops(rid, "h1", "h2") == 3  # r1, r2, h2
        r = cli("fail", "--run", rid, "r1-r2")
        assert r.returncode == 0 and "down now: r1-r2" in r.stdout, r.stderr
        assert _hops(rid, "h1", "h2") == 5  # the long way: r1, r4, r3, r2, h2
        cli("fail", "--run", rid, "r3")
        ping = cli("exec", "--run", rid, "h1", "--", "ping", "-c", "1", "-W", "1", "h2")
        assert ping.returncode != 0  # two failures split a ring
        bad = cli("fail", "--run", rid, "r1-r3")
        assert bad.returncode != 0 and "no link joins r1 and r3" in bad.stderr
        assert "Traceback" not in bad.stderr
        assert cli("restore", "--run", rid, "all").returncode == 0
        # back on the direct link, its routes put back; `restore` waits for the carrier, the
        # first packets still wait for ARP (CI, stop 26: 6 hops, all silent, at once)
        assert _hops_within(rid, "h1", "h2", want=3) == 3
        assert _hops_within(rid, "h2", "h4", want=4) == 4
    finally:
        cli("down", rid)
