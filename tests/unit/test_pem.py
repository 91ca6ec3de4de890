"""A handed-in PEM file (labs/pem.py): certificates and one unencrypted key are read, anything
else is refused in one line, and what reaches a daemon is re-serialized from what parsed."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from netdojo.labs.pem import PemError, common_name, extension, parse_pem, public_bytes, signed_by
from netdojo.services.tls import LabCA


@pytest.fixture(scope="module")
def two_cas(tmp_path_factory):
    return (LabCA(tmp_path_factory.mktemp("a"), "root A"),
            LabCA(tmp_path_factory.mktemp("b"), "root B"))


def test_a_chain_and_its_key_are_read_and_told_apart(two_cas):
    a, b = two_cas
    chain, key = a.issue("web", ["web", "lb"], [])
    got = parse_pem(chain + key)
    leaf, root = got.certs
    assert common_name(leaf.subject) == "web" and common_name(root.subject) == "root A"
    assert public_bytes(got.key) == public_bytes(leaf) != public_bytes(root)
    assert signed_by(leaf, root) and signed_by(root, root)
    assert not signed_by(leaf, b.cert) and not signed_by(root, leaf)
    assert extension(root, x509.BasicConstraints).ca
    assert not extension(leaf, x509.BasicConstraints).ca
    assert extension(leaf, x509.NameConstraints) is None


def test_what_is_passed_on_is_rebuilt_not_copied(two_cas):
    chain, key = two_cas[0].issue("web", ["web"], [])
    noisy = "junk before\n" + chain.replace("-----END CERTIFICATE-----",
                                            "-----END CERTIFICATE-----\n# a comment") + key
    got = parse_pem(noisy)
    # Compared whole, line by line: a substring test ("junk" not in ...) once failed in CI
    # because the four letters turned up by chance inside a signature's base64.
    end = "-----END CERTIFICATE-----\n"
    clean = "".join(x509.load_pem_x509_certificate((block + end).encode())
                    .public_bytes(serialization.Encoding.PEM).decode()
                    for block in chain.split(end) if block.strip())
    assert got.certs_pem() == clean
    assert not any(line.startswith(("junk", "#")) for line in got.certs_pem().splitlines())
    assert got.certs_pem().count("BEGIN CERTIFICATE") == 2
    assert got.key_pem().startswith("-----BEGIN PRIVATE KEY-----")


def test_an_rsa_signature_verifies_too(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "rsa root")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    assert signed_by(cert, cert)


@pytest.mark.parametrize("text, words", [
    ("", "holds no PEM block"),
    ("hello\n", "holds no PEM block"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "does not parse"),
    ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "only certificates"),
    ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "key does not parse"),
])
def test_anything_else_is_refused_in_one_line(text, words):
    with pytest.raises(PemError, match=words) as e:
        parse_pem(text)
    assert "\n" not in str(e.value)


def test_an_encrypted_key_or_two_keys_are_refused():
    key = ec.generate_private_key(ec.SECP256R1())
    locked = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"secret")).decode()
    with pytest.raises(PemError, match="encrypted"):
        parse_pem(locked)
    plain = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    with pytest.raises(PemError, match="two private keys"):
        parse_pem(plain + plain)
    assert parse_pem(plain).certs == []
