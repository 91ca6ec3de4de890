"""Page loads by HTTP version, measured inside a container node with the image's page loader
(docker/pageload.py), as typed results to set against the textbook (http_theory)."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from netdojo.errors import NetdojoError

if TYPE_CHECKING:
    from netdojo.net.network import Network

LOADER = ["/opt/web/bin/python", "/opt/web/pageload.py"]
CA_IN_NODE = "/tmp/netdojo-ca.pem"


@dataclass
class PageLoad:
    version: str
    total_s: float
    connections: int
    handshake_s: list[float]
    request_header_bytes: int
    response_header_bytes: int
    body_bytes: int
    objects: list[dict] = field(default_factory=list)  # path, start_s, end_s, bytes, conn
    early_data: bool | None = None  # http3-0rtt: the server accepted the 0-RTT request

    @classmethod
    def parse(cls, doc: dict) -> PageLoad:
        return cls(doc["version"], doc["total_s"], doc["connections"], doc["handshake_s"],
                   doc["header_bytes"]["request"], doc["header_bytes"]["response"],
                   doc["body_bytes"], doc["objects"], doc.get("early_data"))


def load_pages(net: Network, node: str, url: str, version: str, loads: int = 5,
               parallel: int = 6, timeout: float = 120) -> list[PageLoad]:
    """`loads` loads of the page at `url` from `node` (a container) with one HTTP version."""
    if not net.is_container(node):
        raise NetdojoError(f"{node} is not a container: the page loader runs in the lab image")
    argv = [*LOADER, url, "--version", version, "--loads", str(loads),
            "--parallel", str(parallel)]
    if url.startswith("https:"):
        # the client verifies the server against the run's own CA (the http service made it)
        ca = net.run.dir / "ca" / "ca.pem"
        if not ca.is_file():
            raise NetdojoError("no lab CA in this run: is an http service running with tls?")
        net.copy(str(ca), f"{node}:{CA_IN_NODE}")
        argv += ["--ca", CA_IN_NODE]
    try:
        r = subprocess.run(net.exec_argv(node, argv), capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        raise NetdojoError(f"{version} page loads from {node} took over {timeout:.0f} s") from None
    if r.returncode != 0:
        raise NetdojoError(f"{version} page load from {node} failed: "
                           f"{(r.stderr or r.stdout).strip()[-400:]}")
    return [PageLoad.parse(json.loads(line)) for line in r.stdout.splitlines() if line.strip()]


def median_seconds(loads: list[PageLoad]) -> float:
    return statistics.median(x.total_s for x in loads)
