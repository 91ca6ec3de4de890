"""`netdojo vm build`: a bootable disk image made from Debian's archive alone.

Two stages, each kept in the VM folder and made again only when its inputs change:
  1. base-KEY/: mmdebstrap of bookworm with Debian's stock kernel, systemd, OpenSSH, the Docker
     engine and every apt package scripts/install.sh names (read from that script, so the VM and
     a lab machine get the same set);
  2. disk.img: the base, plus netdojo's checkout in /opt/netdojo installed by its own
     scripts/install.sh (offline, from wheels fetched on the host), an SSH host key and a login
     key made for this host, and the lab image saved from the host's Docker engine, loaded
     into the image's Docker store at build time (vm/preload.py); written to an ext4 file
     with `mke2fs -d`, so no loop device or mount is used.

The disk is BIOS-bootable (GRUB in its MBR, vm/bootdisk.py), so any hypervisor boots it; QEMU
here boots the image's own kernel and initrd directly (-kernel/-initrd), which is faster."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from netdojo.errors import NetdojoError
from netdojo.paths import in_checkout, project_root
from netdojo.vm import bootdisk, foreign, hostos, keys
from netdojo.vm.payload import apt_packages, saved_images, source_files, wheels_for
from netdojo.vm.preload import preload
from netdojo.vm.state import VmDir

SUITE = "bookworm"
VM_PACKAGES = [
    "systemd-sysv", "udev", "dbus", "openssh-server", "kmod", "procps",
    "iproute2", "ca-certificates", "docker.io", "python3-venv", "less", "nano",
    # Debian's kernel enables AppArmor, and dockerd then refuses to start a container without
    # its docker-default profile, which apparmor_parser loads (measured: "apparmor_parser:
    # executable file not found" for every container node in the VM)
    "apparmor",
    # Wi-Fi labs: radios of mac80211_hwsim (in Debian's kernel) are moved into their nodes with
    # iw (net/hwsim.py); hostapd and wpa_supplicant run in the lab image's containers
    "iw",
]
# the kernel, and GRUB for hypervisors that boot the disk (PC BIOS only: an arm64 guest is booted
# with -kernel, as UTM and QEMU on a Mac do)
ARCH_PACKAGES = {"amd64": ["linux-image-amd64", "grub-pc-bin"], "arm64": ["linux-image-arm64"]}
DISK_GIB = 12  # sparse: only what is written takes space
# ext4 features pinned to what the image's GRUB 2.06 reads (Debian 12's own defaults): a newer
# host's mke2fs would add metadata_csum_seed and orphan_file, which that GRUB refuses
MKE2FS_CONF = """[defaults]
\tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
\tdefault_mntopts = acl,user_xattr
\tblocksize = 4096
\tinode_size = 256
\tinode_ratio = 16384

[fs_types]
\text4 = {
\t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
\t}
"""
IMAGES = ["netdojo/node:latest"]

NETWORKD = "[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n"
SSHD = ("# netdojo: key login only, with the host key made at build time\n"
        "HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nUseDNS no\n")
# Images built before 2026-12-03 loaded theirs at first boot with this unit; `vm up` still
# waits for it when an image has it (vm/qemu.py).  Now they are in the store (vm/preload.py).
IMAGES_TAR = "/var/lib/netdojo/images.tar"
IMAGES_UNIT = "netdojo-images.service"


@dataclass
class BuildResult:
    image: Path
    built: list[str]          # the stages made this time ([] when everything was current)
    seconds: dict[str, float]
    size_bytes: int           # blocks the image really uses (it is sparse)
    apparent_bytes: int



def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()[:16]



def _run(argv: list[str], what: str, **kw) -> subprocess.CompletedProcess:
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise NetdojoError(f"vm build: {what} failed (exit {r.returncode}):\n"
                           f"{(r.stdout + r.stderr).strip()[-2000:]}")
    return r


def _tools(arch: str) -> None:
    tools = ["mmdebstrap", "mke2fs", hostos.ARCHES[arch].removesuffix(".exe")]
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise NetdojoError(f"vm build needs {', '.join(missing)}: run scripts/install-vm.sh "
                           f"--arch {arch} (as root)")
    if foreign.is_foreign(arch):
        foreign.rule(arch)


def build_base(vm: VmDir, log=print) -> tuple[Path, bool]:
    """Stage 1: Debian with its kernel and every package; cached by the package list."""
    packages = sorted(set(VM_PACKAGES + ARCH_PACKAGES[vm.arch] + apt_packages()))
    key = _digest(SUITE, *packages, NETWORKD, SSHD, "base-v2",
                  *([vm.arch] if vm.arch != "amd64" else []))
    base = vm.dir / f"base-{key}"
    if (base / "etc" / "os-release").exists():
        return base, False
    for old in vm.dir.glob("base-*"):
        shutil.rmtree(old)
    slow = (" under QEMU's user-mode emulator; 10–20 minutes the first time"
            if foreign.is_foreign(vm.arch) else "; a few minutes the first time")
    log(f"stage 1/2: mmdebstrap {SUITE} for {vm.arch} with {len(packages)} packages (Debian's "
        f"archive{slow})")
    hooks = [
        'echo "iperf3 iperf3/start_daemon boolean false" | chroot "$1" debconf-set-selections',
    ]
    custom = [
        'echo netdojo-vm > "$1/etc/hostname"',
        'printf "127.0.0.1 localhost\\n127.0.1.1 netdojo-vm\\n" > "$1/etc/hosts"',
        f'echo "LABEL={bootdisk.ROOT_LABEL} / ext4 rw,errors=remount-ro 0 1" > "$1/etc/fstab"',
        f'printf "{_esc(NETWORKD)}" > "$1/etc/systemd/network/80-netdojo.network"',
        'chroot "$1" systemctl enable systemd-networkd',
        # QEMU's user-mode network answers DNS at 10.0.2.3; no resolver daemon is needed
        'rm -f "$1/etc/resolv.conf" && echo "nameserver 10.0.2.3" > "$1/etc/resolv.conf"',
        f'printf "{_esc(SSHD)}" > "$1/etc/ssh/sshd_config.d/netdojo.conf"',
        'rm -f "$1"/etc/ssh/ssh_host_*',  # the build writes this host's key in stage 2
        'chroot "$1" apt-get clean',
    ]
    tmp = vm.dir / f"base-{key}.part"  # a folder: stage 2 copies it, and nothing else does
    argv = ["mmdebstrap", "--variant=apt", "--mode=root", f"--arch={vm.arch}",
            "--include=" + ",".join(packages)]
    argv += [f"--essential-hook={h}" for h in hooks]
    argv += [f"--customize-hook={h}" for h in custom]
    argv += [SUITE, str(tmp)]
    proc = subprocess.Popen(foreign.wrap(argv, vm.arch), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    tail: list[str] = []
    for line in proc.stdout:  # type: ignore[union-attr]
        tail = (tail + [line])[-40:]
        if line.startswith("I: ") and any(w in line for w in ("downloading", "installing",
                                                              "running", "creating")):
            log("  " + line[3:].strip()[:100])
    if proc.wait() != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise NetdojoError("vm build: mmdebstrap failed:\n" + "".join(tail)[-2000:])
    tmp.rename(base)
    return base, True


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("%", "%%")


def build(vm: VmDir, log=print, with_images: bool = True, rebuild: bool = False) -> BuildResult:
    if os.geteuid() != 0:
        raise NetdojoError("vm build runs as root (mmdebstrap installs packages into the "
                           "image); there is no sudo here: run it in a root shell")
    if not in_checkout():
        raise NetdojoError("vm build copies netdojo's checkout (its tests included) into the "
                           "image: run it from a git clone of netdojo")
    _tools(vm.arch)
    vm.dir.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    built: list[str] = []
    t = time.monotonic()
    if rebuild:
        for old in vm.dir.glob("base-*"):
            shutil.rmtree(old)
    base, made = build_base(vm, log)
    seconds["base_s"] = time.monotonic() - t
    if made:
        built.append("base")
    client_key, host_key = keys.ensure(vm)
    if foreign.is_foreign(vm.arch):  # the host's lab image is for its own CPU: the guest
        images, image_id = None, "guest"  # builds its own (vm/guest_images.py)
    else:
        images, image_id = saved_images(vm, IMAGES[0], log) if with_images else (None, "none")
    files = source_files()
    key = _digest(base.name, image_id, client_key.public_line(), host_key.public_line(),
                  *(f"{p.relative_to(project_root())}:{p.stat().st_mode & 0o111}" for p in files),
                  *(p.read_bytes() for p in files))
    info = vm.info()
    if vm.disk.is_file() and vm.kernel.is_file() and info.get("inputs") == key:
        seconds["disk_s"] = 0.0
    else:
        t = time.monotonic()
        _assemble(vm, base, files, images, client_key, host_key, log)
        seconds["disk_s"] = time.monotonic() - t
        built.append("disk")
        vm.fresh_overlay()
    used = vm.disk.stat().st_blocks * 512
    vm.save_info({"inputs": key, "base": base.name, "images": image_id,
                  "size_bytes": used, "apparent_bytes": vm.disk.stat().st_size,
                  "built": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "seconds": {k: round(v, 1) for k, v in seconds.items()}})
    return BuildResult(vm.disk, built, seconds, used, vm.disk.stat().st_size)


def _assemble(vm: VmDir, base: Path, files: list[Path], images: Path | None, client_key,
              host_key, log) -> None:
    work = vm.dir / "work"
    shutil.rmtree(work, ignore_errors=True)
    root = work / "root"
    root.mkdir(parents=True)
    try:
        log("stage 2/2: copying the base")
        root.rmdir()
        _run(["cp", "-a", "--reflink=auto", str(base), str(root)], "cp -a")
        src = root / "opt" / "netdojo"
        for p in files:
            dest = src / p.relative_to(project_root())
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, dest)
        shutil.copytree(wheels_for(vm, log, vm.arch), root / "var" / "cache" / "netdojo-wheels")
        log("stage 2/2: installing netdojo in the image with its own scripts/install.sh")
        _in_chroot(root, "NETDOJO_NO_BROWSER=1 PIP_NO_INDEX=1 PIP_CONFIG_FILE=/dev/null "
                         "PIP_FIND_LINKS=/var/cache/netdojo-wheels bash /opt/netdojo/scripts/"
                         "install.sh && ln -sf /opt/netdojo/.venv/bin/netdojo /usr/local/bin/"
                         "netdojo && rm -rf /var/cache/netdojo-wheels /root/.cache", log,
                   vm.arch)
        keys.install(root, client_key, host_key)
        if images is not None:
            preload(root, images, IMAGES, log)
        [kernel] = sorted((root / "boot").glob("vmlinuz-*"))[-1:] or [None]
        [initrd] = sorted((root / "boot").glob("initrd.img-*"))[-1:] or [None]
        if kernel is None or initrd is None:
            raise NetdojoError("vm build: the image has no kernel or initrd in /boot")
        shutil.copy(kernel, vm.kernel)
        shutil.copy(initrd, vm.initrd)
        boot_img, core_img = _bootloader(root, kernel.name, initrd.name, vm.arch, log)
        log(f"stage 2/2: writing the disk image ({DISK_GIB} GiB, sparse; ext4 from 1 MiB on)")
        part = vm.disk.with_suffix(".part")
        part.unlink(missing_ok=True)
        offset = bootdisk.PART_START_LBA * bootdisk.SECTOR
        fs_bytes = DISK_GIB << 30
        conf = work / "mke2fs.conf"
        conf.write_text(MKE2FS_CONF)
        _run(["truncate", "-s", str(offset + fs_bytes), str(part)], "truncate")
        _run(["mke2fs", "-q", "-t", "ext4", "-L", bootdisk.ROOT_LABEL,
              "-E", f"root_owner=0:0,offset={offset}", "-d", str(root), "-F", str(part),
              f"{DISK_GIB}G"], "mke2fs -d", env={**os.environ, "MKE2FS_CONFIG": str(conf)})
        with part.open("r+b") as f:
            f.write(bootdisk.boot_sector(boot_img, fs_bytes // bootdisk.SECTOR))
            f.write(core_img)
        part.rename(vm.disk)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _bootloader(root: Path, kernel: str, initrd: str, arch: str, log) -> tuple[bytes, bytes]:
    """The MBR's boot code and GRUB's core.img for a PC; none for arm64 (booted with -kernel:
    the MBR then only holds the partition table the kernel reads)."""
    if arch != "amd64":
        return bytes(bootdisk.SECTOR), b""
    log("stage 2/2: GRUB for other hypervisors (QEMU here boots the kernel directly)")
    grub = root / "boot" / "grub"
    grub.mkdir(parents=True, exist_ok=True)
    (grub / "grub.cfg").write_text(bootdisk.grub_cfg(kernel, initrd))
    _in_chroot(root, "grub-mkimage -O i386-pc -o /boot/grub/core.img -p "
                     f"'(hd0,msdos1)/boot/grub' {' '.join(bootdisk.CORE_MODULES)} && "
                     "cp -a /usr/lib/grub/i386-pc /boot/grub/", log)
    boot_img = (root / "usr" / "lib" / "grub" / "i386-pc" / "boot.img").read_bytes()
    return boot_img, bootdisk.patch_core((grub / "core.img").read_bytes())


def _in_chroot(root: Path, script: str, log, arch: str = "amd64") -> None:
    """Run a shell script in the image's root.  The mounts it needs (/dev, /proc) live in a
    private mount namespace, so they vanish with the process whatever happens to it.  For
    another architecture it runs in vm/foreign.py's user namespace, where a new proc or sysfs
    cannot be mounted: the host's are bound instead (read by the scripts, never written)."""
    if foreign.is_foreign(arch):
        mounts = (f'mount --rbind /dev "{root}/dev" && mount --rbind /proc "{root}/proc" && '
                  f'mount --rbind /sys "{root}/sys"')
    else:
        mounts = (f'mount --bind /dev "{root}/dev" && mount -t proc proc "{root}/proc" && '
                  f'mount -t sysfs sys "{root}/sys"')
    inner = f'{mounts} && exec chroot "{root}" /bin/sh -c "$0"'
    _run(foreign.wrap(["unshare", "--mount", "--propagation", "private", "sh", "-c", inner,
                       script], arch), "install in the image")
