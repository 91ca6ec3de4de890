"""Render every service, check each config with its daemon's own checker, start them phase by
phase in parallel, and wait until each answers its readiness probe (polled, with a deadline)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from netdojo.services.base import Service, ServiceError
from netdojo.services.dhcp import DhcpClient, KeaDhcp
from netdojo.services.dns import BindAuthoritative, BindResolver, BindRoot
from netdojo.services.edge_cache import EdgeCache
from netdojo.services.ftp import FtpServer
from netdojo.services.haproxy import HAProxy
from netdojo.services.http import WebServer
from netdojo.services.install import install, overlay, put_files, wait_ready
from netdojo.services.nat import Nat
from netdojo.services.page import Page
from netdojo.services.radvd import Radvd
from netdojo.services.smtp import Smtp
from netdojo.services.ssh import Ssh
from netdojo.services.wifi import AccessPoint, Station

if TYPE_CHECKING:
    from netdojo.net.network import Network


def registry() -> dict[str, type[Service]]:
    return {c.name: c for c in (BindAuthoritative, BindRoot, BindResolver, KeaDhcp, DhcpClient,
                                Nat, HAProxy, WebServer, Ssh, Smtp, FtpServer,
                                EdgeCache, AccessPoint, Station, Radvd, Page)}


def plan(net: Network) -> list[Service]:
    known = registry()
    services: list[Service] = []
    for name, node in net.topo.nodes.items():
        for sname, settings in node.services.items():
            if sname not in known:
                probe = Service(net, name, settings)
                probe.name = sname
                raise probe.fail(f"unknown service (known: {', '.join(sorted(known))})")
            services.append(known[sname](net, name, dict(settings)))
    for lk in net.topo.links:
        for ep in (lk.a, lk.b):
            if ep.dhcp and not any(isinstance(s, known["dhcp_client"]) and s.node == ep.node
                                   and s.settings.get("interface") == ep.ifname
                                   for s in services):
                services.append(known["dhcp_client"](net, ep.node, {"interface": ep.ifname}))
    return services


# the files of people's own, per (node, service): {path: text}, asked of the network once it
# is built and its services rendered, before any daemon starts (a lab's student files)
GivenFiles = Callable[["Network"], Mapping[tuple[str, str], dict[str, str]]]


def start_services(net: Network, log=None, given: GivenFiles | None = None) -> list[Service]:
    services = plan(net)
    if not services:
        return []
    for svc in services:
        svc.render()  # every settings error surfaces before any daemon starts
    _share_ca(net)
    texts = given(net) if given else {}
    for phase in sorted({s.phase for s in services}):
        group = [s for s in services if s.phase == phase]
        with ThreadPoolExecutor(max_workers=8) as pool:
            for f in [pool.submit(_put_in_place, s, texts.get((s.node, s.name)))
                      for s in group]:
                f.result()
        wait_ready(group)
        if log:
            log(f"services ready: {', '.join(f'{s.node}/{s.name}' for s in group)}")
    return services


def _put_in_place(svc: Service, texts: dict[str, str] | None) -> None:
    """Start a service, on a person's files where they are given — but never a main config of
    theirs: one its daemon refuses leaves the service stopped, and the caller reports that
    after the start (services/install.replace_files)."""
    if texts and svc.config_path not in texts:
        problems = overlay(svc, texts)
        svc.given = {path: problems.get(path) for path in texts}
    install(svc)


def _share_ca(net: Network) -> None:
    """Every container gets the lab CA at /etc/netdojo/tls/ca.pem, so clients verify servers."""
    ca = net.run.dir / "ca" / "ca.pem"
    if not ca.exists():
        return
    files = {"/etc/netdojo/tls/ca.pem": ca.read_text()}
    nodes = [n for n, node in net.topo.nodes.items() if node.kind == "container"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for node, problem in zip(nodes, pool.map(lambda n: put_files(net, n, files), nodes),
                                 strict=True):
            if problem:
                raise ServiceError(f"{node}: could not install the lab CA: {problem}")


__all__ = ["ServiceError", "install", "plan", "start_services", "wait_ready"]
