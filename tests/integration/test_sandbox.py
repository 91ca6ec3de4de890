"""A hostile student's scripts, run in the sandbox on a real network: each one harmless, each
stopped with one line that says why, nothing of the host read or written, nothing left."""

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

from netdojo.errors import BuildError
from netdojo.net import cgroups, runs, sandbox
from netdojo.net.sandbox import Sandbox
from netdojo.paths import project_root
from netdojo.topo import star

ENV = {"LAB_NET": "42"}


@pytest.fixture
def net(lab):
    return lab(star(2))


def run(net, script: str, timeout: float = 20, node: str = "h1", limits=cgroups.DEFAULT):
    with Sandbox(net, node, dict(ENV), limits=limits) as box:
        out = box.run_script(textwrap.dedent(script), timeout)
        group = box.group
    assert not any(d.exists() for d in group.dirs), "the script's cgroup outlived it"
    return out


def test_sees_the_image_not_the_host(net):
    host_shadow = Path("/etc/shadow").read_text().splitlines()[0]
    out = run(net, f"""
        head -1 /etc/shadow
        ls {project_root()} 2>&1 || true
        ls {runs.RUN_ROOT} 2>&1 || true
        ls /var/run/docker.sock 2>&1 || true
        touch /etc/owned 2>&1 || true
        echo hello > /tmp/inside && cat /tmp/inside
        id -u; grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status
        ps -e --no-headers | wc -l
        echo "LAB_NET=$LAB_NET"
    """)
    text = out.stdout.decode()
    assert out.ok, out
    assert host_shadow not in text
    assert text.count("No such file or directory") == 3, text  # project, runs, docker socket
    assert "Read-only file system" in out.stderr + text
    assert "hello" in text and "LAB_NET=42" in text
    assert "65534" in text.split()  # nobody
    assert "CapEff:\t0000000000003000" in text and "CapBnd:\t0000000000003000" in text
    assert "NoNewPrivs:\t1" in text
    assert int(text.split()[-2]) <= 5  # its own PID namespace: sh, ps, wc and bwrap's init
    assert not Path("/etc/owned").exists()


def test_network_is_the_nodes_own(net):
    out = run(net, "ping -c 1 -W 2 h2 >/dev/null && echo reached; ip -o link | grep -c eth0")
    assert out.ok, out.stderr
    assert out.stdout.split() == [b"reached", b"1"]


def test_reads_its_own_interfaces_in_sys(net):
    """Scripts read their MAC and link speed from /sys (the addressing lab's printer does)."""
    mac = subprocess.run(["ip", "netns", "exec", net.ns("h1"), "cat", "/sys/class/net/eth0/address"],
                         capture_output=True, text=True, check=True).stdout
    out = run(net, "cat /sys/class/net/eth0/address; ls /sys/class/net")
    assert out.ok, out.stderr
    assert out.stdout.decode().split() == [mac.strip(), "eth0", "lo"]


def test_without_the_lab_image_it_sees_the_hosts_programs_and_no_more(net, monkeypatch):
    """A lab VM built without images: the host's /usr, /usr/local hidden, a public /etc."""
    def missing(image):
        raise BuildError(f"image {image} is missing")
    monkeypatch.setattr(sandbox.rootfs, "path_for", missing)
    out = run(net, f"""
        ls /usr/local | wc -l
        ls /etc | sort | tr '\\n' ' '; echo
        head -1 /etc/shadow 2>&1 || true
        ls {project_root()} 2>&1 || true
        echo 'a b' | awk '{{print $2}}'; ip -o link | grep -c eth0; id -u
    """)
    text = out.stdout.decode()
    assert out.ok, out.stderr
    lines = text.splitlines()
    assert lines[0] == "0"
    assert "passwd" in lines[1] and "shadow" not in lines[1] and "ssh" not in lines[1]
    assert text.count("No such file or directory") == 2, text
    assert lines[-3:] == ["b", "1", "65534"]


def test_writes_outside_and_links_in_lab_out_stay_inside(net, tmp_path):
    marker = tmp_path / "marker"
    out = run(net, f"""
        echo x > {marker} 2>/dev/null || true
        ln -s /etc/shadow "$LAB_OUT/answers.yaml"
        echo ok > "$LAB_OUT/plain.txt"
    """)
    assert out.ok, out.stderr
    assert not marker.exists()
    assert out.files == {"plain.txt": b"ok\n"}  # the link is never followed on the host


def test_busy_loop_is_stopped_at_its_time_limit(net):
    out = run(net, "while :; do :; done", timeout=2)
    assert not out.ok and out.code == 124
    assert out.problem.startswith("still running after 2 s")
    assert out.seconds < 6


def test_fork_bomb_is_bounded_and_ended(net):
    out = run(net, "bomb() { bomb | bomb & }; bomb; sleep 3; echo survived", timeout=8)
    assert out.seconds < 12
    assert "fork" in out.stderr.lower() or "resource" in out.stderr.lower(), out.stderr[-300:]


def test_setsid_daemon_does_not_outlive_the_script(net):
    mark = "987.654"
    out = run(net, f"setsid sleep {mark} </dev/null >/dev/null 2>&1 & echo started")
    assert out.ok, out.stderr
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep {mark}" not in ps


def test_printing_gigabytes_is_cut_at_a_megabyte(net):
    out = run(net, "yes netdojo", timeout=20)
    assert out.problem and "printed more than 1 MiB" in out.problem
    assert len(out.stdout) <= sandbox.STDOUT_CAP
    assert out.seconds < 10


def test_memory_hog_is_killed_at_its_limit(net):
    limits = cgroups.Limits(memory=64 << 20)
    out = run(net, "python3 -c 'x = bytearray(512 << 20); print(len(x))'", limits=limits)
    assert not out.ok
    assert b"536870912" not in out.stdout
    if "memory" in cgroups.Group("probe").enforced:
        assert out.problem and "out of memory" in out.problem


def test_signalling_the_grader_reaches_nothing(net):
    me = os.getpid()
    out = run(net, f"kill -9 {me} 2>&1; kill -9 1 2>&1; echo still-here")
    assert b"still-here" in out.stdout  # and this test is still running


def test_channel_reaches_only_this_runs_nodes_and_links(net):
    out = run(net, """
        netdojo exec --run "$LAB_RUN" h2 -- hostname
        netdojo exec h2 -- sh -c 'head -1 /etc/shadow; id -u'
        netdojo exec --run ffffff h2 -- true; echo "other run: $?"
        netdojo exec nosuch -- true; echo "no node: $?"
        netdojo fail s1-h2 && ! ping -c 1 -W 1 h2 >/dev/null && echo cut
        netdojo restore all && ping -c 1 -W 2 h2 >/dev/null && echo back
        netdojo up star,3; echo "up: $?"
    """)
    text = out.stdout.decode()
    assert "h2" in text.split()[0]
    assert Path("/etc/shadow").read_text().splitlines()[0] not in text
    assert "other run: 2" in text and "no node: 2" in text
    assert "cut" in text and "back" in text
    assert "up: 2" in text
    assert "is not this script's run" in out.stderr and "is not a node of this lab" in out.stderr


def test_channel_command_dies_with_the_script(net):
    mark = "876.543"
    out = run(net, f"netdojo exec h2 -- sleep {mark} & sleep 30", timeout=2)
    assert out.code == 124
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert f"sleep {mark}" not in ps


def test_leftovers_of_a_killed_owner_are_removed(net):
    box = Sandbox(net, "h1", dict(ENV)).__enter__()  # its owner "dies" without close()
    assert box.dir.exists() and box.group.dirs[0].exists()
    box.channel.stop()
    sandbox.leftovers(net.run.id)
    assert not box.dir.exists() and not any(d.exists() for d in box.group.dirs)
    assert not box.bin.exists()


def test_channel_works_where_the_scratch_dir_is_noexec(net, tmp_path, monkeypatch):
    """A container's /dev/shm is mounted noexec (Docker's default): the shim must still run
    (Debian 13 container, stop 28: `netdojo exec` ended "Permission denied", exit 126)."""
    shm = tmp_path / "shm"
    shm.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "noexec,size=16m", "tmpfs", str(shm)],
                   check=True)
    try:
        monkeypatch.setattr(sandbox, "SCRATCH", shm)
        monkeypatch.setattr(sandbox, "SHIM_DIRS", (shm, Path("/var/tmp")))
        out = run(net, 'netdojo exec --run "$LAB_RUN" h2 -- hostname')
        assert out.ok and out.stdout.decode().split() == ["h2"], (out.stdout, out.stderr)
        assert not list(Path("/var/tmp").glob(f"netdojo-{net.run.id}-*")), "shim dir left"
    finally:
        subprocess.run(["umount", str(shm)], check=True)


def test_a_commands_file_line_runs_in_the_jail_too(net):
    """`kind: commands` lines (arp-routing's routing.sh) go through the same jail as scripts:
    nobody with NET_ADMIN, the node's own routes changed, nothing of the host readable."""
    with Sandbox(net, "h1", dict(ENV)) as box:
        added = box.run("h1", ["ip", "route", "add", "192.0.2.0/24", "dev", "eth0"], timeout=10)
        who = box.run("h1", ["id", "-u"], timeout=10)
        shadow = box.run("h1", ["cat", "/etc/shadow"], timeout=10)
        slow = box.run("h1", ["sleep", "30"], timeout=1)
    assert added.ok, added
    routes = subprocess.run(["ip", "-n", net.ns("h1"), "route"], capture_output=True,
                            text=True).stdout
    assert "192.0.2.0/24" in routes
    assert who.stdout.decode().strip() == "65534"
    host_shadow = Path("/etc/shadow").read_text().splitlines()[0]
    assert not shadow.ok and host_shadow not in shadow.stdout.decode()
    assert slow.code == 124 and "still running after 1 s" in slow.problem
