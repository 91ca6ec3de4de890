"""The arm64 lab VM's host side (issue 22.3): its own folder, QEMU's `virt` board with a PL011
console, TCG on a CPU of another kind (HVF on an Apple-silicon Mac), the emulator's binfmt rule
with the F flag, and one clear line for what is missing.  The arm64 boot itself is
scripts/vm-arm64.sh's (tests/unit/test_vm_arm64_results.py reads its committed results)."""

from __future__ import annotations

import pytest

from netdojo.errors import NetdojoError
from netdojo.vm import foreign, hostos, image, qemu
from netdojo.vm.payload import apt_packages
from netdojo.vm.state import VmDir


def test_an_arm64_vm_lives_in_a_folder_of_its_own(tmp_path):
    assert VmDir.at(tmp_path).dir == tmp_path
    arm = VmDir.at(tmp_path, "arm64")
    assert arm.dir == tmp_path / "arm64" and arm.arch == "arm64"
    assert arm.disk.parent == arm.dir and arm.running_file.parent == arm.dir


def test_an_arm64_guest_boots_on_the_virt_board_with_its_serial_console(tmp_path):
    arm = qemu._argv(VmDir.at(tmp_path, "arm64"), "tcg", 2222, 2048, 2)
    assert arm[0].endswith("qemu-system-aarch64")
    assert arm[arm.index("-machine") + 1] == "virt"
    append = arm[arm.index("-append") + 1]
    assert "console=ttyAMA0" in append and "ttyS0" not in append
    pc = qemu._argv(VmDir.at(tmp_path), "tcg", 2222, 2048, 2)
    assert pc[0].endswith("qemu-system-x86_64") and "-machine" not in pc
    assert "console=ttyS0" in pc[pc.index("-append") + 1]


def test_a_missing_qemu_is_named_for_the_guests_cpu(monkeypatch):
    monkeypatch.setattr(hostos, "system", lambda: "Linux")
    assert "qemu-system-arm " in hostos.install_hint("arm64")
    assert "qemu-system-x86 " in hostos.install_hint("amd64")


def test_a_guest_of_another_cpu_is_emulated_and_a_mac_runs_arm64_natively(tmp_path, monkeypatch):
    said: list[str] = []
    monkeypatch.setattr(foreign, "host_arch", lambda: "amd64")
    assert qemu._choose_accel(VmDir.at(tmp_path, "arm64"), "auto", said.append) == "tcg"
    assert "software CPU" in said[-1]
    monkeypatch.setattr(foreign, "host_arch", lambda: "arm64")  # an Apple-silicon Mac
    monkeypatch.setattr(hostos, "native_accel", lambda: ("hvf", "kern.hv_support = 1"))
    assert qemu._choose_accel(VmDir.at(tmp_path, "arm64"), "auto", said.append) == "hvf"


def test_the_emulator_is_registered_with_the_F_flag_and_a_missing_one_says_what_to_install(
        tmp_path, monkeypatch):
    monkeypatch.setattr(foreign, "BINFMT_DIR", tmp_path)
    (tmp_path / "qemu-aarch64.conf").write_text(
        "# a comment\n:qemu-aarch64:M::\\x7fELF:\\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OP\n")
    line = foreign.rule("arm64")
    assert line.startswith(":qemu-aarch64:") and line.rsplit(":", 1)[1] == "OPF"
    (tmp_path / "qemu-aarch64.conf").unlink()
    with pytest.raises(NetdojoError, match=r"qemu-user-static.*install-vm.sh --arch arm64"):
        foreign.rule("arm64")


def test_only_another_cpus_programs_go_through_the_emulators_namespace(monkeypatch):
    monkeypatch.setattr(foreign, "host_arch", lambda: "amd64")
    assert foreign.wrap(["mmdebstrap", "x"], "amd64") == ["mmdebstrap", "x"]
    monkeypatch.setattr(foreign, "rule", lambda arch: ":qemu-aarch64:M::x:y:z:F")
    wrapped = foreign.wrap(["mmdebstrap", "x"], "arm64")
    assert wrapped[1:4] == ["-m", "netdojo.vm.foreign", "arm64"] and wrapped[-2:] == ["mmdebstrap", "x"]
    with pytest.raises(NetdojoError, match="known are"):
        foreign.wrap(["true"], "sparc")


def test_each_arch_gets_its_kernel_and_only_the_pc_gets_grub():
    assert "linux-image-arm64" in image.ARCH_PACKAGES["arm64"]
    assert "grub-pc-bin" not in image.ARCH_PACKAGES["arm64"]
    assert {"linux-image-amd64", "grub-pc-bin"} <= set(image.ARCH_PACKAGES["amd64"])
    assert not {"linux-image-amd64", "linux-image-arm64"} & set(image.VM_PACKAGES + apt_packages())


def test_arm64_commands_without_an_image_name_the_arch_and_refuse_a_disk_boot(tmp_path, capsys):
    from netdojo.cli.main import main

    assert main(["vm", "up", "--arch", "arm64", "--dir", str(tmp_path)]) == 2
    assert "netdojo vm build --arch arm64" in capsys.readouterr().err
    vm = VmDir.at(tmp_path, "arm64")
    vm.dir.mkdir()
    vm.disk.write_bytes(b"")
    vm.kernel.write_bytes(b"")
    with pytest.raises(NetdojoError, match="no boot loader"):
        qemu.up(vm, boot="disk", log=lambda m: None)
    assert main(["vm", "status", "--arch", "arm64", "--dir", str(tmp_path)]) == 0
    assert "not running" in capsys.readouterr().out
