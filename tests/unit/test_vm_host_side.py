"""The lab VM's host side without Linux (issue 22.4): on macOS and Windows only Python and QEMU
run on the host.  The CLI is run with `platform.system()` standing in for the other system and
every Linux-only module refusing to import; QEMU itself is started, found and ended through
the portable path (QMP over 127.0.0.1), with the real QEMU of this machine."""

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from netdojo.vm import hostos

from ..integration.helpers import alive

# what only Linux has: netlink, namespaces, cgroups, the sandbox, and what builds on them
LINUX_ONLY = ["pyroute2", "netdojo.net.netns", "netdojo.net.netlink", "netdojo.net.cgroups",
              "netdojo.net.network", "netdojo.net.lifecycle", "netdojo.net.sandbox",
              "netdojo.net.containers", "netdojo.net.shapers", "netdojo.session",
              "netdojo.labs.runner", "netdojo.labs.context", "netdojo.failover.runner",
              "netdojo.grade.worker"]

SHIM = textwrap.dedent("""\
    import builtins, importlib.abc, platform, subprocess, sys
    BLOCKED = {blocked!r}
    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"{{name}} is Linux-only (test: the host is {{platform.system()}})")
    sys.meta_path.insert(0, Refuse())
    platform.system = lambda: {system!r}
    real_open, real_run = builtins.open, subprocess.run
    def no_proc(file, *a, **kw):
        if str(file).startswith(("/proc", "/sys", "/run/netns")):
            raise AssertionError(f"Linux-only path opened: {{file}}")
        return real_open(file, *a, **kw)
    builtins.open = no_proc
    def no_linux_tools(argv, *a, **kw):
        if argv and str(argv[0]).rsplit("/", 1)[-1] in ("ip", "tc", "nsenter", "unshare", "bwrap",
                                                        "mmdebstrap", "mount"):
            raise AssertionError(f"Linux-only tool run: {{argv[0]}}")
        return real_run(argv, *a, **kw)
    subprocess.run = no_linux_tools
    from netdojo.cli.main import main
    sys.exit(main(sys.argv[1:]))
    """)


def _netdojo_as(system: str, *args: str, tmp) -> subprocess.CompletedProcess:
    code = SHIM.format(blocked=LINUX_ONLY, system=system)
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=60, cwd=tmp)


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_the_vm_commands_run_without_anything_linux_only(system, tmp_path):
    vm = str(tmp_path / "vm")
    r = _netdojo_as(system, "vm", "status", "--dir", vm, tmp=tmp_path)
    assert r.returncode == 0 and "not running" in r.stdout, r.stderr
    r = _netdojo_as(system, "vm", "up", "--dir", vm, tmp=tmp_path)
    assert r.returncode != 0 and "netdojo vm build" in r.stderr and "Traceback" not in r.stderr
    r = _netdojo_as(system, "vm", "build", "--dir", vm, tmp=tmp_path)
    assert r.returncode != 0 and "built on Linux" in r.stderr and "Traceback" not in r.stderr
    r = _netdojo_as(system, "vm", "down", "--dir", vm, tmp=tmp_path)
    assert r.returncode == 0 and "not running" in r.stdout, r.stderr


def test_each_host_gets_its_accelerator_and_qemu(monkeypatch):
    assert hostos.accel_args("hvf") == ["-accel", "hvf", "-cpu", "host"]
    assert hostos.accel_args("whpx") == ["-accel", "whpx"]
    assert hostos.accel_args("tcg")[:2] == ["-accel", "tcg,thread=multi"]
    monkeypatch.setattr(hostos, "system", lambda: "Windows")
    assert hostos.native_accel()[0] is None  # WHPX only when asked for
    assert "winget" in hostos.install_hint()
    monkeypatch.setattr(hostos, "system", lambda: "Darwin")
    assert "brew install qemu" in hostos.install_hint()
    with pytest.raises(Exception, match="known are"):
        hostos.qemu_binary("sparc")


@pytest.mark.skipif(shutil.which("qemu-system-x86_64") is None,
                    reason="no QEMU here: scripts/install-vm.sh installs it")
@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_a_real_qemu_is_started_found_and_ended_over_qmp_alone(system, monkeypatch, tmp_path):
    monkeypatch.setattr(hostos, "system", lambda: system)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = [hostos.qemu_binary(), "-machine", "none", "-nodefaults", "-display", "none",
            "-monitor", "none", *hostos.qmp_args(port)]
    pid = hostos.start_detached(argv, tmp_path / "qemu.pid")
    try:
        deadline = time.monotonic() + 20
        while not hostos.alive(pid, "", port) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hostos.alive(pid, "", port)  # greeted as QEMU, no /proc read
        assert not hostos.alive(pid, "", port + 1 if port < 65535 else port - 1)
        hostos.stop(pid, "", port, grace=10)
        assert not hostos.alive(pid, "", port)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        if system == "Windows":  # started as our child there: reap it
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    # and the process itself is gone, not only its socket (a zombie awaits its parent)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)

