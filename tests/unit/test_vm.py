"""The lab VM's pure parts: which arguments of a remote command are files to send up or
outputs to bring back, the package list read from install.sh, and the known_hosts line."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from netdojo.vm import bootdisk, keys
from netdojo.vm.payload import apt_packages
from netdojo.vm.remote import Target, plan_transfers
from netdojo.vm.state import VmDir


def test_named_files_go_up_and_outputs_come_back():
    here = {"labs/arp-routing/solution", "class"}
    args, ups, downs = plan_transfers(
        ["grade", "arp-routing", "class", "--workers", "2", "--out", "grades"], "/tmp/w",
        exists=here.__contains__)
    assert args == ["grade", "arp-routing", "/tmp/w/in0/class", "--workers", "2", "--out",
                    "/tmp/w/out0/grades"]
    assert ups == [(Path("class"), "/tmp/w/in0/class")]
    assert downs == [("/tmp/w/out0/grades", Path("grades"))]
    args, ups, _ = plan_transfers(["lab", "check", "arp-routing", "--dir",
                                   "labs/arp-routing/solution", "--out=rep"], "/w",
                                  exists=here.__contains__)
    assert args[-2:] == ["/w/in0/solution", "--out=/w/out0/rep"]
    # a lab's name is not a local file, so it is passed on as written
    assert args[2] == "arp-routing" and len(ups) == 1


def test_the_vm_gets_install_sh_packages_but_no_browser():
    pkgs = apt_packages()
    assert {"iproute2", "iperf3", "mininet", "tcpdump"} <= set(pkgs)
    assert "chromium" not in pkgs and not any(p.startswith("#") for p in pkgs)


def test_known_hosts_pins_the_vm_key_to_its_loopback_port(tmp_path):
    vm = VmDir(tmp_path)
    client, host = keys.ensure(vm)
    assert oct(client.private.stat().st_mode & 0o777) == "0o600"
    line = keys.known_hosts_line(host, 2222)
    assert line.startswith("[127.0.0.1]:2222 ssh-ed25519 ")
    import paramiko

    k = paramiko.Ed25519Key.from_private_key_file(str(host.private))
    assert line.split()[2] == k.get_base64()
    assert keys.ensure(vm)[0].public_line() == client.public_line()  # made once, then kept


def test_a_remote_host_is_user_at_host_and_non_root_goes_through_sudo():
    t = Target.host("alice@lab1.example", 2200)
    assert (t.user, t.hostname, t.port, t.netdojo) == ("alice", "lab1.example", 2200,
                                                       "sudo -n netdojo")
    assert Target.host("root@lab1").netdojo == "netdojo"
    from netdojo.errors import NetdojoError
    with pytest.raises(NetdojoError, match="USER@HOST"):
        Target.host("lab1")


def test_vm_commands_without_an_image_or_a_running_vm_say_what_to_do(tmp_path, capsys):
    from netdojo.cli.main import main

    assert main(["vm", "up", "--dir", str(tmp_path)]) == 2
    assert "run `netdojo vm build` first" in capsys.readouterr().err
    assert main(["vm", "run", "--dir", str(tmp_path), "--", "lab", "list"]) == 2
    assert "the VM is not running: netdojo vm up" in capsys.readouterr().err
    assert main(["vm", "status", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "netdojo vm build" in out and "not running" in out
    assert main(["vm", "down", "--dir", str(tmp_path)]) == 0
    assert "not running" in capsys.readouterr().out


class _Guest:
    """The answers a booted VM gives to the image-loading wait (its logic, not SSH)."""

    def __init__(self, code: int, journal: str = ""):
        self.code, self.journal, self.commands = code, journal, []

    def exec(self, command: str, timeout: float = 60):
        self.commands.append(command)
        if command.startswith("journalctl"):
            return 0, self.journal, ""
        return self.code, "", "" if self.code in (0, 3, 4) else "Job failed"


def test_up_waits_for_an_older_images_first_boot_load_and_says_when_it_fails():
    """Images built before 2026-12-03 load their lab images at first boot; newer ones have
    them in the store already (vm/preload.py) and `vm up` has nothing to wait for."""
    from netdojo.errors import NetdojoError
    from netdojo.vm.image import IMAGES_UNIT
    from netdojo.vm.qemu import _wait_for_images

    loading = _Guest(0)
    assert isinstance(_wait_for_images(loading, log=lambda m: None), float)
    assert f"systemctl start {IMAGES_UNIT}" in loading.commands[-1]  # blocks until it is done
    said: list[str] = []
    assert _wait_for_images(_Guest(4), log=said.append) == 0.0  # loaded on an earlier boot
    assert _wait_for_images(_Guest(3), log=said.append) is None  # preloaded, or none
    assert said == []  # nothing to load: nothing said about loading
    broken = _Guest(1, journal="docker load: unexpected EOF")
    with pytest.raises(NetdojoError, match="could not load its lab images.*unexpected EOF"):
        _wait_for_images(broken, log=lambda m: None)


def test_the_boot_sector_points_grub_at_core_img_and_holds_one_active_linux_partition():
    boot_img = bytes(range(256)) * 2  # stands for GRUB's boot.img: only its code is kept
    sector = bootdisk.boot_sector(boot_img, part_sectors=12 << 21)
    assert len(sector) == 512 and sector[510:] == b"\x55\xaa"
    assert struct.unpack_from("<Q", sector, 0x5C)[0] == 1  # core.img right after the MBR
    assert sector[0x64] == 0xFF and sector[0x66:0x68] == b"\x90\x90"
    assert sector[:0x5C] == boot_img[:0x5C]  # GRUB's own code untouched
    status, ptype, start, count = struct.unpack_from("<B3xB3xII", sector, 0x1BE)
    assert (status, ptype, start, count) == (0x80, 0x83, 2048, 12 << 21)
    assert sector[0x1CE:0x1FE] == bytes(48)  # the other three entries empty
    with pytest.raises(ValueError):
        bootdisk.boot_sector(b"short", 1)


def test_core_img_names_where_its_own_sectors_lie_and_must_fit_before_the_partition():
    core = bootdisk.patch_core(b"\x01" * (512 * 60 + 100))  # 61 sectors
    assert len(core) == 61 * 512
    assert struct.unpack_from("<QHH", core, 500) == (2, 60, 0x820)
    with pytest.raises(ValueError, match="gap"):
        bootdisk.patch_core(bytes(512 * 2048))
    cfg = bootdisk.grub_cfg("vmlinuz-6.1.0-57-amd64", "initrd.img-6.1.0-57-amd64")
    assert "linux /boot/vmlinuz-6.1.0-57-amd64 root=LABEL=netdojo-root" in cfg
    assert "console=ttyS0" in cfg and "set timeout=0" in cfg
