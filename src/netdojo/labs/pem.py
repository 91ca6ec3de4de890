"""A handed-in PEM file (a certificate authority, a site's certificate chain, its private key),
parsed here and never passed on as written: what reaches a daemon is re-serialized from the
parsed objects, so a hostile file can only be refused, not smuggle anything into HAProxy,
nginx or hypercorn."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import NameOID

BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.S)
CERT = "CERTIFICATE"
KEYS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")
MAX_BLOCKS = 8  # a CA and a site's chain need two or three


class PemError(ValueError):
    """A PEM file that is not what the lab asks for, in one line."""


@dataclass
class Pem:
    certs: list[x509.Certificate] = field(default_factory=list)
    key: Any = None  # a private key object, or None

    def certs_pem(self) -> str:
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.certs)

    def key_pem(self) -> str:
        if self.key is None:
            return ""
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()


def parse_pem(text: str) -> Pem:
    """Certificates and at most one unencrypted private key; any other block, an encrypted key
    or a block that does not parse is refused with what to do instead."""
    blocks = BLOCK.findall(text)
    if not blocks:
        raise PemError("holds no PEM block (-----BEGIN CERTIFICATE----- or -----BEGIN PRIVATE "
                       "KEY-----): hand in what openssl wrote")
    if len(blocks) > MAX_BLOCKS:
        raise PemError(f"holds {len(blocks)} PEM blocks; a certificate chain needs a few")
    out = Pem()
    for label, body in blocks:
        whole = f"-----BEGIN {label}-----\n{body}-----END {label}-----\n".encode()
        if label == CERT:
            try:
                out.certs.append(x509.load_pem_x509_certificate(whole))
            except ValueError:
                raise PemError(f"certificate {len(out.certs) + 1} does not parse") from None
        elif label in KEYS:
            if out.key is not None:
                raise PemError("holds two private keys; hand in one")
            try:
                key = serialization.load_pem_private_key(whole, password=None)
            except TypeError:
                raise PemError("its private key is encrypted: write it with -nodes (or "
                               "-noenc) so the server can start without a passphrase") from None
            except ValueError:
                raise PemError("its private key does not parse") from None
            if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
                              | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
                raise PemError(f"its key is a {type(key).__name__}; use RSA or EC")
            out.key = key
        elif "ENCRYPTED" in label:
            raise PemError("its private key is encrypted: write it with -nodes (or -noenc)")
        else:
            raise PemError(f"holds a {label} block; only certificates and a private key belong")
    return out


def public_bytes(key_or_cert: Any) -> bytes:
    """A key's (or certificate's) public key, to tell whether a key belongs to a certificate."""
    pub = key_or_cert.public_key()
    return pub.public_bytes(serialization.Encoding.DER,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` issued `cert`: its name, and its key's signature over the certificate
    (RSA PKCS#1 v1.5, ECDSA or EdDSA; the cryptography here predates verify_directly_issued_by)."""
    if cert.issuer != issuer.subject:
        return False
    pub, tbs, sig = issuer.public_key(), cert.tbs_certificate_bytes, cert.signature
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(sig, tbs, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(sig, tbs, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(pub, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            pub.verify(sig, tbs)
        else:
            return False
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def common_name(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else ""


def extension(cert: x509.Certificate, kind: type) -> Any:
    """The certificate's extension of this class (x509.BasicConstraints, …), or None."""
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None
