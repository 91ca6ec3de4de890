"""What `openssl s_client` and `openssl x509` print about a TLS handshake and a certificate,
as fields (the http-versions lab's TLS answers are checked against them), and the dates a
person or openssl writes.  Pure parsing: text in, values out."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def parse_s_client(text: str) -> dict:
    """The protocol, cipher, key-exchange group, issuer, subject, names and end date."""
    def find(pattern: str) -> str:
        m = re.search(pattern, text, re.M)
        return m.group(1).strip() if m else ""
    sans = re.findall(r"DNS:([^,\s]+)", text)
    return {"version": find(r"New, (TLSv[\d.]+)") or find(r"^\s*Protocol\s*:\s*(\S+)"),
            "cipher": find(r"Cipher is (\S+)") or find(r"^\s*Cipher\s*:\s*(\S+)"),
            "group": find(r"Server Temp Key: ([^,\s]+)") or find(r"group: (\S+)"),
            "issuer": find(r"^issuer=.*?CN\s*=\s*([^,\n]+)"),
            "subject": find(r"^subject=.*?CN\s*=\s*([^,\n]+)"),
            "san": sans, "not_after": find(r"^notAfter=(.+)$")}


def parse_date(text: str) -> datetime | None:
    """openssl's `Dec  6 12:13:09 2026 GMT`, or an ISO date a person wrote; None if neither."""
    for fmt in ("%b %d %H:%M:%S %Y %Z", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(" ".join(str(text).split()), fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
