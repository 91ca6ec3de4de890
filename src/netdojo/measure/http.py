"""HTTP probes with real clients run inside a lab node: curl for HTTP/1.0, 1.1 and 2 (TLS and
h2c), ngtcp2's client for HTTP/3.  Each result says which protocol the *server* reports."""

from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass

from netdojo.errors import NetdojoError

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


@dataclass
class Timing:
    """One curl GET on a new connection, in seconds from its start (curl's own clocks)."""
    connect_s: float     # TCP handshake done
    tls_s: float         # TLS handshake done (0 over clear HTTP)
    first_byte_s: float  # the first byte of the answer (TTFB)
    total_s: float
    status: int
    cache: str           # X-Cache-Status of an edge cache ("" when none answered)


def timed_gets(net, node: str, urls: list[str], ca: str = CA,
               timeout: float = 10) -> list[Timing]:
    """GET each URL in turn from `node`, each on a new connection; curl runs inside the node
    (one exec for all of them, so the probes are not spaced by docker's own overhead)."""
    fmt = "__t__ %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total} " \
          "%{http_code} %header{x-cache-status}\\n"
    script = "; ".join(f"curl -s -o /dev/null --max-time {timeout} --cacert {ca} "
                       f"-w '{fmt}' '{u}'" for u in urls)
    r = subprocess.run(net.exec_argv(node, ["sh", "-c", script]), capture_output=True,
                       text=True, timeout=timeout * len(urls) + 30)
    out = []
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0] == "__t__":
            out.append(Timing(float(parts[1]), float(parts[2]), float(parts[3]),
                              float(parts[4]), int(parts[5]), parts[6] if len(parts) > 6 else ""))
    if len(out) != len(urls):
        raise NetdojoError(f"curl from {node} gave {len(out)} of {len(urls)} timings: "
                           f"{(r.stderr or r.stdout).strip()[-300:]}")
    return out
