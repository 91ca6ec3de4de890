"""The lab VM's host side on Linux, macOS and Windows: which QEMU, which accelerator, and how
to start, find and end the QEMU process without anything Linux-only.

On Linux netdojo keeps what it has always done (QEMU's `-daemonize`, `/proc/PID/cmdline` to be
sure a recorded pid is still our QEMU, SIGTERM then SIGKILL).  Elsewhere there is no /proc and
Windows has neither `-daemonize` nor signals, so QEMU also opens a QMP socket on 127.0.0.1:
a pid is ours while that socket greets us as QEMU, and `quit` over it ends the process — the
same on every host.  What the student installs: QEMU (Homebrew `qemu`, winget
`SoftwareFreedomConservancy.QEMU`) and Python; nothing else runs on the host.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from netdojo.errors import NetdojoError

ARCHES = {"x86_64": "qemu-system-x86_64", "amd64": "qemu-system-x86_64",
          "arm64": "qemu-system-aarch64", "aarch64": "qemu-system-aarch64"}


def system() -> str:
    """"Linux", "Darwin" or "Windows" (read at each call, so a test can stand in another)."""
    return platform.system()


def qemu_binary(arch: str = "x86_64") -> str:
    """The QEMU for the guest's architecture, as the host names it (`.exe` on Windows)."""
    try:
        name = ARCHES[arch]
    except KeyError:
        raise NetdojoError(f"--arch {arch}: known are {', '.join(ARCHES)}") from None
    found = shutil.which(name)
    if found:
        return found
    if system() == "Windows":
        default = Path(os.environ.get("ProgramFiles", r"C:\Program Files")) / "qemu" / f"{name}.exe"
        if default.is_file():
            return str(default)
    return name  # the error QEMU's absence gives names it; `netdojo doctor` says what to install


def install_hint(arch: str = "amd64") -> str:
    debian = "qemu-system-arm" if arch == "arm64" else "qemu-system-x86"
    return {"Darwin": "brew install qemu",
            "Windows": "winget install SoftwareFreedomConservancy.QEMU"}.get(
        system(), f"apt-get install {debian} qemu-utils (scripts/install-vm.sh)")


def machine_args(arch: str) -> list[str]:
    """The board: a PC for amd64 (QEMU's default); for arm64 QEMU's `virt` board, which has
    PCI for the same virtio disk and network and boots a kernel given with -kernel directly,
    no firmware.  On an Apple-silicon Mac it is the same board under HVF."""
    if arch in ("arm64", "aarch64"):
        return ["-machine", "virt"]
    return []


def native_accel() -> tuple[str | None, str]:
    """The host's hardware accelerator and why: KVM on Linux (probed by the caller), HVF on
    macOS when the kernel says it supports it, WHPX on Windows only when asked for (it needs
    the Windows Hypervisor Platform feature turned on, which Python cannot see)."""
    sysname = system()
    if sysname == "Darwin":
        r = subprocess.run(["sysctl", "-n", "kern.hv_support"], capture_output=True, text=True)
        if r.stdout.strip() == "1":
            return "hvf", "macOS Hypervisor.framework (kern.hv_support = 1)"
        return None, "no Hypervisor.framework here (kern.hv_support is not 1)"
    if sysname == "Windows":
        return None, "WHPX only with --accel whpx (Windows Hypervisor Platform turned on)"
    return "kvm", "Linux: KVM if /dev/kvm works"


def accel_args(accel: str) -> list[str]:
    if accel in ("kvm", "hvf"):
        return ["-accel", accel, "-cpu", "host"]
    if accel == "whpx":
        return ["-accel", "whpx"]
    if accel == "tcg":
        return ["-accel", "tcg,thread=multi", "-cpu", "max"]
    raise NetdojoError(f"--accel {accel}: auto, kvm, hvf, whpx or tcg")


def qmp_args(port: int) -> list[str]:
    return ["-qmp", f"tcp:127.0.0.1:{port},server=on,wait=off"]


def start_detached(argv: list[str], pidfile: Path) -> int:
    """Start QEMU in the background; its pid.  POSIX: QEMU daemonizes itself and writes the
    pid file once it is running; Windows: a detached process of its own."""
    if system() == "Windows":
        flags = (getattr(subprocess, "DETACHED_PROCESS", 0)
                 | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0))
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, creationflags=flags)
        return proc.pid
    pidfile.unlink(missing_ok=True)
    r = subprocess.run(argv + ["-daemonize", "-pidfile", str(pidfile)], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise NetdojoError(f"qemu did not start: {r.stderr.strip()[-800:]}")
    return int(pidfile.read_text())


def _qmp(port: int, command: str | None = None, timeout: float = 2.0) -> bool:
    """Whether a QEMU greets on 127.0.0.1:port; with `command`, also run it there."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            f = s.makefile("rw", encoding="utf-8", newline="\n")
            if "QMP" not in json.loads(f.readline() or "{}"):
                return False
            if command:
                for cmd in ("qmp_capabilities", command):
                    f.write(json.dumps({"execute": cmd}) + "\n")
                    f.flush()
                    f.readline()
            return True
    except (OSError, ValueError):
        return False


def alive(pid: int, marker: str, qmp_port: int | None) -> bool:
    """The recorded pid is still our QEMU (not a recycled pid of something else): on Linux its
    command line names QEMU and the VM's disk; elsewhere its QMP socket answers."""
    if system() == "Linux":
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return False
        return bool(cmd) and b"qemu-system" in cmd[0] and any(marker.encode() in c for c in cmd)
    return qmp_port is not None and _qmp(qmp_port)


def stop(pid: int, marker: str, qmp_port: int | None, grace: float = 10.0) -> None:
    """End our QEMU: QMP `quit` where there is no /proc, SIGTERM on Linux; then, if it is still
    there after `grace` seconds, the hard way (SIGKILL; TerminateProcess on Windows)."""
    if not alive(pid, marker, qmp_port):
        return
    if system() == "Linux":
        os.kill(pid, signal.SIGTERM)  # QEMU exits at once on SIGTERM (the guest just stops)
    elif qmp_port is not None:
        _qmp(qmp_port, "quit")
    deadline = time.monotonic() + grace
    while alive(pid, marker, qmp_port) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid, marker, qmp_port):
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
