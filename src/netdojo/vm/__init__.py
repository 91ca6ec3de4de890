"""The lab VM: a Debian disk image built with mmdebstrap, booted with QEMU, driven over SSH."""
