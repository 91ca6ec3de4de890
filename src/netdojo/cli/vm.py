"""`netdojo vm build | up | down | status | ssh | run`: the lab VM (or, with --host, any Linux
machine with netdojo installed) driven from this one."""

from __future__ import annotations

import argparse
import os
import sys

from netdojo.errors import NetdojoError
from netdojo.vm import guest_images, hostos
from netdojo.vm.image import build
from netdojo.vm.qemu import WEB_PORT, down, status, up
from netdojo.vm.remote import Target, run_netdojo
from netdojo.vm.state import ARCHES, VmDir


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def cmd_build(a: argparse.Namespace) -> int:
    if hostos.system() != "Linux":
        raise NetdojoError("the VM image is built on Linux (mmdebstrap, as root): build it there "
                           "or in the netdojo container, copy its folder here, and give it "
                           "with --dir")
    vm = VmDir.at(a.dir, a.arch)
    log = lambda m: print(m, flush=True)  # noqa: E731
    res = build(vm, log=log, with_images=not a.no_images, rebuild=a.rebuild)
    if not a.no_images and guest_images.needed(vm):
        res.seconds["guest_images_s"] = guest_images.build_in_guest(vm, log)
        res.built.append("lab image (in the guest)")
        res.size_bytes = vm.disk.stat().st_blocks * 512
    what = ", ".join(res.built) if res.built else "nothing (the image is current)"
    print(f"vm image {res.image}: {_mb(res.size_bytes)} on disk ({_mb(res.apparent_bytes)} "
          f"apparent, sparse); made {what} in "
          f"{sum(res.seconds.values()):.0f} s "
          f"({', '.join(f'{k[:-2]} {v:.0f} s' for k, v in res.seconds.items())})")
    print("next: netdojo vm up" + (f" --arch {vm.arch}" if vm.arch != "amd64" else ""))
    return 0


def cmd_up(a: argparse.Namespace) -> int:
    vm = VmDir.at(a.dir, a.arch)
    st = up(vm, memory_mb=a.memory, cpus=a.cpus, accel=a.accel, fresh=a.fresh,
            boot=a.boot, log=lambda m: print(m, flush=True))
    images = f", lab images loaded {st['images_s']:.0f} s later" if st.get("images_s") else ""
    print(f"vm up: {st['accel'].upper()}, ssh on 127.0.0.1:{st['port']} "
          f"(booted to SSH in {st['boot_s']:.0f} s{images})")
    print("next: netdojo vm run -- lab check arp-routing --dir labs/arp-routing/solution")
    return 0


def cmd_down(a: argparse.Namespace) -> int:
    print(down(VmDir.at(a.dir, a.arch)))
    return 0


def cmd_status(a: argparse.Namespace) -> int:
    vm = VmDir.at(a.dir, a.arch)
    info, st = vm.info(), status(vm)
    if info:
        print(f"image: {vm.disk} ({_mb(info['size_bytes'])} on disk), built {info['built']}")
    else:
        print(f"image: none in {vm.dir} (netdojo vm build)")
    if st:
        print(f"vm: running, pid {st['pid']}, {st['accel'].upper()}, ssh 127.0.0.1:{st['port']}")
    else:
        print("vm: not running (netdojo vm up)")
    return 0


def _target(a: argparse.Namespace):
    return Target.host(a.host, a.port, a.identity) if a.host else Target.vm(VmDir.at(a.dir, a.arch))


def cmd_ssh(a: argparse.Namespace) -> int:
    t = _target(a)
    os.execvp("ssh", t.ssh_argv(a.command))
    return 0


def cmd_run(a: argparse.Namespace) -> int:
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        raise NetdojoError("netdojo vm run -- <netdojo command>, e.g. netdojo vm run -- lab list")
    return run_netdojo(_target(a), cmd, sys.stdout, sys.stderr)


class _HostURL:
    """Prints the guest's `netdojo web` lines with the URL the host opens (QEMU forwards
    127.0.0.1:<web_port> on the host to the guest's web port)."""

    def __init__(self, out, guest_port: int, host_port: int):
        self.out, self.guest, self.host = out, f":{guest_port}/", f":{host_port}/"

    def write(self, text: str) -> int:
        return self.out.write(text.replace(self.guest, self.host))

    def flush(self) -> None:
        self.out.flush()


def cmd_web(a: argparse.Namespace) -> int:
    vm = VmDir.at(a.dir, a.arch)
    st = status(vm)
    if st is None or not st.get("web_port"):
        raise NetdojoError("the VM is not running with a web port: `netdojo vm up` first (a VM "
                           "booted by an older netdojo: `netdojo vm down`, then up)")
    args = a.args[1:] if a.args[:1] == ["--"] else a.args
    if not args:
        raise NetdojoError("netdojo vm web -- --lab LAB --student ID (or a topology)")
    # in the guest it listens on all its addresses: only QEMU's forward from the host's
    # loopback reaches them (the guest's user-mode network has no other way in)
    cmd = ["web", *args, "--host", "0.0.0.0", "--port", str(WEB_PORT)]
    return run_netdojo(Target.vm(vm), cmd, _HostURL(sys.stdout, WEB_PORT, st["web_port"]),
                       sys.stderr)


def _where(s: argparse.ArgumentParser, remote: bool = False) -> None:
    s.add_argument("--dir", help="the VM's folder (default: .vm in a checkout)")
    s.add_argument("--arch", choices=ARCHES, default="amd64",
                   help="the guest's CPU: amd64, or arm64 (an Apple-silicon Mac's; its own "
                        "folder, arm64/ in --dir)")
    if remote:
        s.add_argument("--host", metavar="USER@HOST",
                       help="any Linux machine with netdojo installed, instead of the VM")
        s.add_argument("--port", type=int, default=22, help="with --host: its SSH port")
        s.add_argument("-i", "--identity", help="with --host: the private key to log in with")


def add_parsers(sub) -> None:
    p = sub.add_parser("vm", help="the lab VM: build a Debian image, boot it with QEMU, run "
                                  "netdojo in it over SSH")
    vsub = p.add_subparsers(dest="vm_action", required=True)
    s = vsub.add_parser("build", help="make the disk image from Debian's archive (mmdebstrap)")
    _where(s)
    s.add_argument("--no-images", action="store_true",
                   help="leave the lab image out (the VM builds it when a lab needs it)")
    s.add_argument("--rebuild", action="store_true", help="make every stage again")
    s.set_defaults(func=cmd_build)
    s = vsub.add_parser("up", help="boot the VM (KVM where it works, else TCG); SSH on loopback")
    _where(s)
    s.add_argument("--memory", type=int, default=2048, metavar="MB")
    s.add_argument("--cpus", type=int, default=2)
    s.add_argument("--accel", choices=["auto", "kvm", "hvf", "whpx", "tcg"], default="auto",
                   help="auto: KVM on Linux, HVF on macOS, else TCG (whpx: Windows, if turned on)")
    s.add_argument("--fresh", action="store_true", help="start from the image as built")
    s.add_argument("--boot", choices=["kernel", "disk"], default="kernel",
                   help="kernel: QEMU loads the image's kernel (fast); disk: through the "
                        "image's own boot loader, as VirtualBox, UTM or Hyper-V would")
    s.set_defaults(func=cmd_up)
    s = vsub.add_parser("down", help="shut the VM down (nothing of it is left running)")
    _where(s)
    s.set_defaults(func=cmd_down)
    s = vsub.add_parser("status", help="the image and whether the VM runs")
    _where(s)
    s.set_defaults(func=cmd_status)
    s = vsub.add_parser("ssh", help="a shell in the VM (or run one command)")
    _where(s, remote=True)
    s.add_argument("command", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_ssh)
    s = vsub.add_parser("run", help="run a netdojo command in the VM: files it names go up "
                                    "first, its --out folder comes back")
    _where(s, remote=True)
    s.add_argument("command", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_run)
    s = vsub.add_parser("web", help="netdojo web in the VM; prints the URL to open on this "
                                    "machine (netdojo vm web -- --lab LAB --student ID)")
    _where(s)
    s.add_argument("args", nargs=argparse.REMAINDER)
    s.set_defaults(func=cmd_web)
