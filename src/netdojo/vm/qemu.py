"""`netdojo vm up | down | status`: the image booted with QEMU, SSH forwarded to 127.0.0.1
only, and the QEMU process ended by the id recorded when it started.

KVM where /dev/kvm works; otherwise TCG, QEMU's software CPU, which runs the same kernel and
the same netem, only slower.  "Works" is measured, not assumed: on some hosts /dev/kvm opens yet
a guest kernel never gets past its setup code, so a KVM boot that has not reached the kernel's
first userspace step in KVM_PROBE_S is stopped, the host is remembered as KVM-broken, and the VM
boots under TCG."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.vm import hostos, keys
from netdojo.vm.bootdisk import ROOT_LABEL, kernel_args
from netdojo.vm.foreign import is_foreign
from netdojo.vm.image import IMAGES_TAR, IMAGES_UNIT
from netdojo.vm.remote import Target
from netdojo.vm.state import VmDir

KVM_PROBE_S = 30.0
SSH_DEADLINE_TCG_S = 600.0
SSH_DEADLINE_KVM_S = 180.0
IMAGES_DEADLINE_S = 900.0  # docker load of the saved lab images, first boot, under TCG
USERSPACE_MARK = "Run /init as init process"


def kvm_usable() -> tuple[bool, str]:
    try:
        fd = os.open("/dev/kvm", os.O_RDWR)
    except OSError as e:
        return False, f"/dev/kvm: {e.strerror}"
    os.close(fd)
    return True, "/dev/kvm opens"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid: int, disk: Path, qmp_port: int | None = None) -> bool:
    """The recorded pid is still our QEMU (hostos.alive: /proc on Linux, QMP elsewhere)."""
    return hostos.alive(pid, str(disk), qmp_port)


def status(vm: VmDir) -> dict | None:
    """The running VM's record, or None; a record whose QEMU is gone is removed (reaped)."""
    st = vm.running()
    if st is None:
        return None
    if _alive(st["pid"], vm.overlay, st.get("qmp_port")):
        return st
    vm.running_file.unlink(missing_ok=True)
    return None


WEB_PORT = 8765  # `netdojo web` in the guest; the host reaches it on 127.0.0.1:<web_port>


def _argv(vm: VmDir, accel: str, port: int, memory_mb: int, cpus: int,
          boot: str = "kernel", web_port: int | None = None,
          qmp_port: int | None = None) -> list[str]:
    argv = [hostos.qemu_binary(vm.arch), "-name", "netdojo-vm", "-nodefaults", "-no-user-config",
            *hostos.machine_args(vm.arch), "-m", str(memory_mb), "-smp", str(cpus)]
    if boot == "kernel":  # the disk's GRUB otherwise ("disk"), as another hypervisor boots it
        argv += ["-kernel", str(vm.kernel), "-initrd", str(vm.initrd), "-append",
                 f"root=LABEL={ROOT_LABEL} {kernel_args(vm.arch)}"]
    argv += ["-drive", f"file={vm.overlay},if=virtio,format=qcow2,discard=unmap",
            "-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:22"
            + (f",hostfwd=tcp:127.0.0.1:{web_port}-:{WEB_PORT}" if web_port else ""),
            "-device", "virtio-net-pci,netdev=n0", "-device", "virtio-rng-pci",
            "-display", "none", "-serial", f"file:{vm.console}", "-monitor", "none"]
    if qmp_port:  # how the host finds and ends QEMU where there is no /proc (hostos.py)
        argv += hostos.qmp_args(qmp_port)
    return argv + hostos.accel_args(accel)


def _start(vm: VmDir, accel: str, port: int, memory_mb: int, cpus: int,
           boot: str = "kernel", web_port: int | None = None,
           qmp_port: int | None = None) -> int:
    vm.console.write_text("")
    try:
        return hostos.start_detached(_argv(vm, accel, port, memory_mb, cpus, boot, web_port,
                                           qmp_port), vm.dir / "qemu.pid")
    except NetdojoError as e:
        raise NetdojoError(f"qemu ({accel}): {e}") from None
    except FileNotFoundError:
        raise NetdojoError(f"no QEMU on this host: {hostos.install_hint(vm.arch)}") from None


def _stop(pid: int, disk: Path, qmp_port: int | None = None, grace: float = 10.0) -> None:
    hostos.stop(pid, str(disk), qmp_port, grace)


def _reached_userspace(vm: VmDir) -> bool:
    try:
        return USERSPACE_MARK in vm.console.read_text(errors="replace")
    except OSError:
        return False


def _choose_accel(vm: VmDir, accel: str, log) -> str:
    if accel != "auto":
        return accel
    if is_foreign(vm.arch):
        log(f"an {vm.arch} guest on this CPU: QEMU's software CPU (TCG) emulates it, many "
            "times slower than a native one")
        return "tcg"
    native, why = hostos.native_accel()
    if native != "kvm":  # macOS, Windows: no /dev/kvm to probe
        if native is None:
            log(f"no hardware accelerator ({why}): booting under TCG, QEMU's software CPU")
            return "tcg"
        log(f"accelerator: {why}")
        return native
    broken = vm.dir / "kvm-broken"
    ok, why = kvm_usable()
    if not ok:
        log(f"KVM is not available ({why}): booting under TCG, QEMU's software CPU, which "
            "is several times slower than KVM")
        return "tcg"
    if broken.is_file():
        log(f"KVM did not boot a guest on this host before ({broken.read_text().strip()}): "
            "booting under TCG, several times slower")
        return "tcg"
    return "kvm"


def up(vm: VmDir, memory_mb: int = 2048, cpus: int = 2, accel: str = "auto",
       fresh: bool = False, boot: str = "kernel", log=print) -> dict:
    if status(vm):
        raise NetdojoError("the VM is already running (netdojo vm status; netdojo vm down)")
    if not vm.disk.is_file() or not vm.kernel.is_file():
        arch = f" --arch {vm.arch}" if vm.arch != "amd64" else ""
        raise NetdojoError(f"no VM image in {vm.dir}: run `netdojo vm build{arch}` first")
    if boot == "disk" and vm.arch != "amd64":
        raise NetdojoError(f"--boot disk: the {vm.arch} image has no boot loader (QEMU, UTM "
                           "and the Mac's hypervisors load its kernel directly): --boot kernel")
    if fresh:
        vm.fresh_overlay()
    if not vm.overlay.is_file() or vm.overlay.stat().st_mtime < vm.disk.stat().st_mtime:
        r = subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                            str(vm.disk), str(vm.overlay)], capture_output=True, text=True)
        if r.returncode != 0:
            raise NetdojoError(f"qemu-img create: {r.stderr.strip()}")
    chosen = _choose_accel(vm, accel, log)
    t0 = time.monotonic()
    port, web_port, qmp_port = _free_port(), _free_port(), _free_port()
    while len({port, web_port, qmp_port}) < 3:
        web_port, qmp_port = _free_port(), _free_port()
    if chosen == "kvm" and accel == "auto":
        why = None
        try:
            pid = _start(vm, chosen, port, memory_mb, cpus, boot, web_port, qmp_port)
        except NetdojoError as e:
            why = f"QEMU refused KVM here: {str(e).splitlines()[0][:160]}"
        if why is None:
            deadline = time.monotonic() + KVM_PROBE_S
            while not _reached_userspace(vm) and time.monotonic() < deadline:
                time.sleep(0.25)
            if not _reached_userspace(vm):
                _stop(pid, vm.overlay, qmp_port)
                tail = (vm.console.read_text(errors="replace").strip().splitlines()[-1:]
                        or ["nothing"])
                why = (f"a KVM guest showed no userspace in {KVM_PROBE_S:.0f} s; its console "
                       f"ended at: {tail[0][:120]}")
        if why:
            (vm.dir / "kvm-broken").write_text(why + "\n")
            log(f"{why}. Booting under TCG instead (several times slower); this host is "
                "remembered as KVM-broken")
            chosen, t0, port = "tcg", time.monotonic(), _free_port()
            pid = _start(vm, chosen, port, memory_mb, cpus, boot, web_port, qmp_port)
    else:
        pid = _start(vm, chosen, port, memory_mb, cpus, boot, web_port, qmp_port)
    st = {"pid": pid, "port": port, "web_port": web_port, "qmp_port": qmp_port, "accel": chosen,
          "started": time.time(),
          "memory_mb": memory_mb, "cpus": cpus, "boot": boot}
    vm.running_file.write_text(json.dumps(st))
    host = keys.KeyPair(vm.host_key)
    vm.known_hosts.write_text(keys.known_hosts_line(host, port))
    log(f"booting ({chosen.upper()}); waiting for SSH on 127.0.0.1:{port}")

    try:
        Target.vm(vm).wait(SSH_DEADLINE_KVM_S if chosen == "kvm" else SSH_DEADLINE_TCG_S,
                           alive=lambda: _alive(pid, vm.overlay, qmp_port))
    except BaseException:
        _stop(pid, vm.overlay, qmp_port)
        vm.running_file.unlink(missing_ok=True)
        raise
    st["boot_s"] = round(time.monotonic() - t0, 1)
    vm.running_file.write_text(json.dumps(st))
    try:
        st["images_s"] = _wait_for_images(Target.vm(vm), log)
    except BaseException:
        down(vm)
        raise
    vm.running_file.write_text(json.dumps(st))
    return st


def _wait_for_images(target, log) -> float | None:
    """Block until the first boot's `docker load` of the lab images is done: a lab started
    before it would find no image.  Seconds waited; None for an image built without them."""
    code, _, _ = target.exec(f"[ -e /etc/systemd/system/{IMAGES_UNIT} ] || exit 3; "
                             f"[ -e {IMAGES_TAR} ] || exit 4", timeout=60)
    if code == 3:
        return None
    if code == 4:  # loaded on an earlier boot of this overlay
        return 0.0
    t0 = time.monotonic()
    log("loading the lab images into the VM's Docker engine (first boot only; about 3 minutes "
        "under TCG)…")
    done = threading.Event()

    def progress() -> None:
        while not done.wait(30):
            log(f"  still loading the lab images ({time.monotonic() - t0:.0f} s)")

    threading.Thread(target=progress, daemon=True).start()
    try:
        code, _, err = target.exec(f"timeout {IMAGES_DEADLINE_S:.0f} systemctl start "
                                   f"{IMAGES_UNIT}", timeout=IMAGES_DEADLINE_S + 60)
    finally:
        done.set()
    if code != 0:
        _, journal, _ = target.exec(f"journalctl -u {IMAGES_UNIT} -n 5 --no-pager", timeout=30)
        raise NetdojoError("the VM booted but could not load its lab images "
                           f"({err.strip() or f'exit {code}'}): {journal.strip()[-600:]}\n"
                           "Build the image again: netdojo vm build")
    seconds = round(time.monotonic() - t0, 1)
    log(f"lab images ready ({seconds:.1f} s)")
    return seconds


def down(vm: VmDir) -> str:
    st = vm.running()
    if st is None:
        return "vm: not running"
    pid, qmp_port = st["pid"], st.get("qmp_port")
    if _alive(pid, vm.overlay, qmp_port):
        try:  # a clean shutdown keeps the overlay's filesystem consistent
            Target.vm(vm).exec("systemctl poweroff", timeout=10)
        except (NetdojoError, OSError):
            pass
        deadline = time.monotonic() + 60
        while _alive(pid, vm.overlay, qmp_port) and time.monotonic() < deadline:
            time.sleep(0.25)
        _stop(pid, vm.overlay, qmp_port)
    vm.running_file.unlink(missing_ok=True)
    (vm.dir / "qemu.pid").unlink(missing_ok=True)
    return f"vm: down (QEMU pid {pid} ended)"
