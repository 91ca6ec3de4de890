"""HTTP probes with real clients run inside a lab node: curl for HTTP/1.0, 1.1 and 2 (TLS and
h2c), ngtcp2's client for HTTP/3.  Each result says which protocol the *server* reports."""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass

CA = "/etc/netdojo/tls/ca.pem"
CURL_FLAGS = {"1.0": ["--http1.0"], "1.1": ["--http1.1"], "2": ["--http2"],
              "h2c": ["--http2-prior-knowledge"]}


@dataclass
class HttpResult:
    status: int
    backend: str | None
    server_protocol: str | None  # what the server says it spoke
    client_protocol: str | None  # what the client says it negotiated
    seconds: float | None
    body: str


def curl(net, node: str, url: str, version: str = "1.1", timeout: float = 5,
         extra: list[str] | None = None) -> HttpResult:
    """GET `url` from `node` with curl; version is 1.0, 1.1, 2 (ALPN over TLS) or h2c."""
    marker = "\n__netdojo__ %{http_code} %{http_version} %{time_total}"
    argv = ["curl", "-s", "--max-time", str(timeout), "--cacert", CA, *CURL_FLAGS[version],
            "-w", marker, *(extra or []), url]
    r = subprocess.run(net.exec_argv(node, argv), capture_output=True, text=True,
                       timeout=timeout + 10)
    body, _, tail = r.stdout.rpartition("\n__netdojo__ ")
    parts = tail.split()
    status = int(parts[0]) if parts and parts[0].isdigit() else 0
    return _result(status, body, parts[1] if len(parts) > 1 else None,
                   float(parts[2]) if len(parts) > 2 else None)


def h3(net, node: str, host_ip: str, url: str, timeout: float = 10) -> HttpResult:
    """GET over HTTP/3 (QUIC) with ngtcp2's gtlsclient; the body is read from its download dir."""
    d = f"/tmp/netdojo-h3-{secrets.token_hex(4)}"
    script = (f"mkdir -p {d} && timeout {timeout} gtlsclient --no-quic-dump "
              f"--exit-on-all-streams-close --download={d} {host_ip} 443 {url} 2>&1; "
              f"echo __netdojo_body__; cat {d}/* 2>/dev/null; rm -rf {d}")
    r = subprocess.run(net.exec_argv(node, ["sh", "-c", script]), capture_output=True,
                       text=True, timeout=timeout + 10)
    dump, _, body = r.stdout.partition("__netdojo_body__\n")
    status = 0
    for line in dump.splitlines():
        if "[:status: " in line:
            status = int(line.split("[:status: ")[1].rstrip("]"))
    return _result(status, body, "3" if status else None, None)


def _result(status: int, body: str, client_proto: str | None, seconds: float | None,
            ) -> HttpResult:
    backend = proto = None
    try:
        doc = json.loads(body)
        backend, proto = doc.get("backend"), doc.get("http_version")
    except (json.JSONDecodeError, AttributeError):
        pass
    return HttpResult(status, backend, proto, client_proto, seconds, body)
