"""Keys made for this host at build time: the login key the VM accepts (and no other, no
password), and the VM's own SSH host key, so the host knows it before the first connection and
checks it on every one (known_hosts), as it would any machine."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from netdojo.vm.state import VmDir


@dataclass
class KeyPair:
    private: Path

    def public_line(self) -> str:
        return self.private.with_suffix(".pub").read_text().strip()


def _make(path: Path, comment: str) -> KeyPair:
    if not path.is_file():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                serialization.NoEncryption())
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                            serialization.PublicFormat.OpenSSH)
        path.with_suffix(".pub").write_text(f"{pub.decode()} {comment}\n")
    return KeyPair(path)


def ensure(vm: VmDir) -> tuple[KeyPair, KeyPair]:
    return (_make(vm.client_key, "netdojo-host"), _make(vm.host_key, "root@netdojo-vm"))


def install(root: Path, client: KeyPair, host: KeyPair) -> None:
    ssh = root / "root" / ".ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "authorized_keys").write_text(client.public_line() + "\n")
    (ssh / "authorized_keys").chmod(0o600)
    etc = root / "etc" / "ssh"
    target = etc / "ssh_host_ed25519_key"
    target.write_bytes(host.private.read_bytes())
    target.chmod(0o600)
    (etc / "ssh_host_ed25519_key.pub").write_text(host.public_line() + "\n")


def known_hosts_line(host: KeyPair, port: int) -> str:
    kind, blob = host.public_line().split()[:2]
    return f"[127.0.0.1]:{port} {kind} {blob}\n"
