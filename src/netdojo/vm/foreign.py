"""Running another architecture's programs during `vm build --arch arm64`, without touching the
host's binfmt_misc.

mmdebstrap runs each package's maintainer scripts in the image, and those are arm64 programs.
The usual way registers QEMU's user-mode emulator in the host's binfmt_misc — a host-wide
setting every process sees, which netdojo does not change.  Since Linux 6.7 a user namespace
can mount a binfmt_misc of its own: a registration made there is seen by that namespace's
processes only and is gone with them.  So the build runs in a user namespace that maps every
id to itself (root stays root for the files it writes), with a mount namespace of its own
where binfmt_misc is mounted and qemu-aarch64-static registered with the F flag (the kernel
opens the emulator once, so it works inside the image's chroot too).

Usage, from the build: `wrap(argv, "arm64")` is argv run that way (this module's __main__)."""

from __future__ import annotations

import ctypes
import os
import platform
import subprocess
import sys
from pathlib import Path

from netdojo.errors import NetdojoError

# Debian's architecture names, QEMU's, and the binfmt rule qemu-user-static ships for each
QEMU_ARCH = {"arm64": "aarch64", "amd64": "x86_64"}
BINFMT_DIR = Path("/usr/lib/binfmt.d")
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000
FULL_MAP = "0 0 4294967295\n"  # every id is itself: files keep their real owners


def host_arch() -> str:
    return {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine(), platform.machine())


def is_foreign(arch: str) -> bool:
    return arch != host_arch()


def rule(arch: str) -> str:
    """The binfmt_misc registration line for `arch` (qemu-user-static's own file)."""
    conf = BINFMT_DIR / f"qemu-{QEMU_ARCH[arch]}.conf"
    try:
        lines = [x for x in conf.read_text().splitlines() if x and not x.startswith("#")]
    except OSError:
        raise NetdojoError(f"vm build --arch {arch}: {conf} is missing; install "
                           "qemu-user-static (scripts/install-vm.sh --arch arm64)") from None
    line = lines[0]
    flags = line.rsplit(":", 1)[1]
    return line if "F" in flags else line + "F"


def wrap(argv: list[str], arch: str) -> list[str]:
    """argv as run with `arch` programs executable; argv itself when `arch` is the host's."""
    if not is_foreign(arch):
        return argv
    if arch not in QEMU_ARCH:
        raise NetdojoError(f"--arch {arch}: known are {', '.join(QEMU_ARCH)}")
    rule(arch)  # fail here, in one line, rather than inside the namespace
    return [sys.executable, "-m", "netdojo.vm.foreign", arch, *argv]


def _unshare(flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _main(arch: str, argv: list[str]) -> int:
    """Fork a child into new user and mount namespaces; the parent (real root) writes its id
    maps, then the child mounts binfmt_misc, registers the emulator and execs argv."""
    line = rule(arch)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(go_w)
            _unshare(CLONE_NEWUSER | CLONE_NEWNS)
            os.write(ready_w, b"1")
            if os.read(go_r, 1) != b"1":
                os._exit(70)
            os.setresgid(0, 0, 0)
            os.setresuid(0, 0, 0)
            subprocess.run(["mount", "--make-rprivate", "/"], check=True)
            subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc",
                            "/proc/sys/fs/binfmt_misc"], check=True)
            Path("/proc/sys/fs/binfmt_misc/register").write_text(line + "\n")
            os.execvp(argv[0], argv)
        except BaseException as e:  # noqa: BLE001 - the child must never return into Python
            print(f"vm build --arch {arch}: cannot set up the emulator's namespace: {e} "
                  "(binfmt_misc in a user namespace needs Linux 6.7 or newer)", file=sys.stderr)
            os._exit(70)
    os.close(ready_w)
    os.close(go_r)
    try:
        if os.read(ready_r, 1) == b"1":
            Path(f"/proc/{pid}/uid_map").write_text(FULL_MAP)
            Path(f"/proc/{pid}/setgroups").write_text("allow\n")
            Path(f"/proc/{pid}/gid_map").write_text(FULL_MAP)
            os.write(go_w, b"1")
    except OSError as e:
        print(f"vm build --arch {arch}: cannot map ids into the build's user namespace: {e}",
              file=sys.stderr)
    finally:
        os.close(go_w)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1], sys.argv[2:]))
