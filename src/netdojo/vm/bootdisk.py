"""A BIOS-bootable disk around the image's ext4 root, made without a loop device or a mount.

Layout: an MBR with GRUB's boot.img, GRUB's core.img in the gap after it (sectors 1…), and the
root filesystem as partition 1 from 1 MiB on (written there by `mke2fs -E offset=`).  This is
what grub-install does on a real disk; grub-bios-setup needs a block device, so its few patches
are made here (offsets from GRUB's include/grub/i386/pc/boot.h), and kept pure to be tested.

QEMU still boots the kernel directly (faster, no firmware); the boot loader is for every other
hypervisor (VirtualBox, UTM, Hyper-V generation 1, QEMU without -kernel)."""

from __future__ import annotations

import struct

SECTOR = 512
PART_START_LBA = 2048  # 1 MiB: the usual alignment, and room for core.img before it
ROOT_LABEL = "netdojo-root"
# the same for GRUB and QEMU's -append; the last console (the serial port) is /dev/console
KERNEL_ARGS = "rw console=tty0 console=ttyS0 quiet loglevel=4 net.ifnames=1"


def kernel_args(arch: str = "amd64") -> str:
    """KERNEL_ARGS for the guest: an arm64 `virt` board's serial port is a PL011, ttyAMA0."""
    return KERNEL_ARGS.replace("ttyS0", "ttyAMA0") if arch == "arm64" else KERNEL_ARGS

# boot.img fields (GRUB's boot.h)
KERNEL_SECTOR = 0x5C  # 8 bytes: the LBA of core.img's first sector
BOOT_DRIVE = 0x64     # 0xff: the drive the BIOS booted from
DRIVE_CHECK = 0x66    # a jump that NOPs turn into a workaround for BIOSes passing a wrong drive
CODE_END = 0x1B8      # boot code ends here; disk id and partition table follow
CORE_SEGMENT = 0x800 + (SECTOR >> 4)  # where diskboot.img loads the rest of core.img


def boot_sector(boot_img: bytes, part_sectors: int, disk_id: int = 0x6E64_6A6F,
                core_lba: int = 1) -> bytes:
    """Sector 0: GRUB's boot code pointed at core.img, then one active Linux partition."""
    if len(boot_img) != SECTOR:
        raise ValueError(f"boot.img is {len(boot_img)} bytes, not {SECTOR}")
    code = bytearray(boot_img[:CODE_END])
    code[KERNEL_SECTOR:KERNEL_SECTOR + 8] = struct.pack("<Q", core_lba)
    code[BOOT_DRIVE] = 0xFF
    code[DRIVE_CHECK:DRIVE_CHECK + 2] = b"\x90\x90"
    # CHS fields say "beyond CHS" (LBA only), as every current partitioner writes them
    entry = struct.pack("<B3sB3sII", 0x80, b"\xfe\xff\xff", 0x83, b"\xfe\xff\xff",
                        PART_START_LBA, part_sectors)
    sector = bytes(code) + struct.pack("<IH", disk_id, 0) + entry + bytes(16 * 3) + b"\x55\xaa"
    assert len(sector) == SECTOR
    return sector


def patch_core(core_img: bytes, core_lba: int = 1) -> bytes:
    """core.img with its first block list naming where its remaining sectors lie (they follow
    its first sector, diskboot.img, on the disk)."""
    sectors = -(-len(core_img) // SECTOR)
    if core_lba + sectors > PART_START_LBA:
        raise ValueError(f"core.img needs {sectors} sectors; the gap before the partition has "
                         f"{PART_START_LBA - core_lba}")
    img = bytearray(core_img) + bytes(sectors * SECTOR - len(core_img))
    first = SECTOR - 12  # start (8), length (2), segment (2), at the end of diskboot.img
    img[first:SECTOR] = struct.pack("<QHH", core_lba + 1, sectors - 1, CORE_SEGMENT)
    return bytes(img)


def grub_cfg(kernel: str, initrd: str) -> str:
    """The menu: no wait, the serial console too (a headless VM has only that)."""
    return (f"serial --unit=0 --speed=115200\nterminal_input serial console\n"
            f"terminal_output serial console\nset timeout=0\nset default=0\n"
            f'menuentry "netdojo lab VM" {{\n'
            f"  search --no-floppy --label {ROOT_LABEL} --set=root\n"
            f"  linux /boot/{kernel} root=LABEL={ROOT_LABEL} {KERNEL_ARGS}\n"
            f"  initrd /boot/{initrd}\n}}\n")


# Built into core.img, so that it reaches grub.cfg with nothing loaded from the disk
CORE_MODULES = ["biosdisk", "part_msdos", "ext2", "normal", "linux", "search",
                "search_label", "serial", "terminal", "echo", "test", "configfile"]
