"""How `vm build --arch arm64` runs arm64 programs on this x86-64 host (vm/foreign.py): QEMU's
user-mode emulator registered in a binfmt_misc of the build's own user namespace.  Inside it
an arm64 program runs and files keep their real owners; outside it the host still cannot run
one, and the host's binfmt_misc holds nothing new — the host-wide setting is never touched."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import pytest

from netdojo.vm import foreign

ARM64_PROGRAM = Path("/usr/lib/arch-test/arm64")  # arch-test's tiny static arm64 program


def _kernel() -> tuple[int, int]:
    major, minor = platform.release().split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


pytestmark = [
    pytest.mark.skipif(platform.machine() != "x86_64", reason="the host must be x86-64 for "
                       "arm64 to be foreign"),
    pytest.mark.skipif(_kernel() < (6, 7), reason="binfmt_misc in a user namespace needs "
                       "Linux 6.7 or newer"),
]


@pytest.fixture(scope="module", autouse=True)
def arm64_tools(repo):
    """What `vm build --arch arm64` needs, installed the way a user would (idempotent)."""
    r = subprocess.run(["bash", str(repo / "scripts" / "install-vm.sh"), "--arch", "arm64"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert ARM64_PROGRAM.exists() and (foreign.BINFMT_DIR / "qemu-aarch64.conf").exists()


def _host_binfmt() -> list[str]:
    d = Path("/proc/sys/fs/binfmt_misc")
    return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def test_an_arm64_program_runs_in_the_builds_namespace_and_nowhere_else(tmp_path):
    before = _host_binfmt()
    with pytest.raises(OSError):  # the host itself: "Exec format error"
        subprocess.run([str(ARM64_PROGRAM)], capture_output=True)
    r = subprocess.run(foreign.wrap([str(ARM64_PROGRAM)], "arm64"), capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    # inside: every id is itself, so what the build writes belongs to whom it says
    probe = tmp_path / "owned"
    r = subprocess.run(foreign.wrap(["sh", "-c", f"cat /proc/self/uid_map; touch {probe}; "
                                     f"chown 100:65534 {probe}"], "arm64"),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0", "0", "4294967295"]
    assert (probe.stat().st_uid, probe.stat().st_gid) == (100, 65534)
    # and afterwards: the host still refuses arm64, its binfmt_misc unchanged
    assert _host_binfmt() == before
    with pytest.raises(OSError):
        subprocess.run([str(ARM64_PROGRAM)], capture_output=True)
    assert os.path.exists(ARM64_PROGRAM)


def test_a_command_that_fails_inside_gives_its_own_exit_code():
    r = subprocess.run(foreign.wrap(["sh", "-c", "exit 7"], "arm64"), capture_output=True,
                       timeout=60)
    assert r.returncode == 7
