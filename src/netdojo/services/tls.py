"""A certificate authority per lab run: root → server certificates with SANs, so HTTPS labs
show a real chain and clients verify it with --cacert instead of -k."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "netdojo lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _pem_cert(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class LabCA:
    def __init__(self, directory: Path, name: str = "netdojo lab root CA"):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        key_path, cert_path = self.dir / "ca.key", self.dir / "ca.pem"
        if cert_path.exists():
            self.key = serialization.load_pem_private_key(key_path.read_bytes(), None)
            self.cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            return
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        self.cert = (x509.CertificateBuilder().subject_name(_name(name)).issuer_name(_name(name))
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(now - dt.timedelta(minutes=5))
                     .not_valid_after(now + dt.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                     .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                                  False, False), critical=True)
                     .sign(self.key, hashes.SHA256()))
        key_path.write_text(_pem_key(self.key))
        key_path.chmod(0o600)
        cert_path.write_text(_pem_cert(self.cert))

    @property
    def pem(self) -> str:
        return _pem_cert(self.cert)

    def issue(self, cn: str, dns: list[str], ips: list[str],
              not_after: dt.datetime | None = None) -> tuple[str, str]:
        """(certificate chain PEM, key PEM) for a server known by these names and addresses,
        valid 7 days unless the lab fixes its end (a date a student reads and is graded on must
        not move from one day's run to the next)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        sans = [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i))
                                                 for i in ips]
        cert = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(self.cert.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(not_after or now + dt.timedelta(days=7))
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                               critical=False)
                .sign(self.key, hashes.SHA256()))
        return _pem_cert(cert) + self.pem, _pem_key(key)


def node_certificate(net, node: str, not_after: dt.datetime | None = None
                     ) -> tuple[str, str, str]:
    """(chain PEM, key PEM, CA PEM) for a node, issued by its run's CA, valid for the node's
    name, name.lab.example, localhost and every address it has."""
    ca = LabCA(net.run.dir / "ca")
    ips = [str(ip.ip) for _, ip in net.addr.addresses_of(node)]
    cert, key = ca.issue(node, [node, f"{node}.lab.example", "localhost"], ips + ["127.0.0.1"],
                         not_after)
    return cert, key, ca.pem
