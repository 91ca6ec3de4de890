"""Model → a live network: named namespaces, veths, bridges, addresses, routes, shaping.

Every node is a named network namespace (`ip netns` lists it as nd<run>-<node>); both ends of
every veth live inside the run's namespaces, and switches are bridges inside their own
namespace, so the host's root namespace — and its firewall, which dockerd sets to FORWARD DROP
— is never touched.  Deleting the namespaces removes every link and bridge with them.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from netdojo.errors import BuildError
from netdojo.net import congestion, containers, engine, engine_exec, netns, sockets, wifi
from netdojo.net.builders import builder_for
from netdojo.net.runs import ETC_NETNS, Run
from netdojo.net.shapers import Wire
from netdojo.topo.addressing import Addressing, plan_addresses
from netdojo.topo.model import Link, Topology
from netdojo.topo.routing import RoutingPlan, path_links, plan_routes
from netdojo.topo.serialize import from_dict

# Large enough windows for 1 Gbit/s over a 400 ms round trip; set per namespace, never on
# the host.
TCP_MEM = "4096 131072 67108864"


class Network:
    def __init__(self, topo: Topology, run: Run):
        self.topo = topo
        self.run = run
        self.addr: Addressing = plan_addresses(topo)
        self.routing: RoutingPlan = plan_routes(topo, self.addr)
        self.wires: list[Wire] = []
        self.services: list = []  # filled by netdojo.session once the daemons are up
        if run.shaper == "userspace":
            self.wires = [Wire(i, lk) for i, lk in enumerate(topo.links) if lk.params.shaped]

    @classmethod
    def attach(cls, run: Run) -> Network:
        """The model of a run that is already up (from another terminal)."""
        return cls(from_dict(run.topology), run)

    # ----- names and addresses -------------------------------------------------------------
    def ns(self, node: str) -> str:
        return self.run.ns(node)

    def ip(self, node: str) -> str:
        ip = self.addr.primary_ip(node)
        if ip is None:
            raise BuildError(f"node {node!r} has no address")
        return str(ip)

    def path(self, src: str, dst: str) -> list[Link]:
        return path_links(self.topo, self.addr, self.routing, src, dst)

    def far_end(self, node: str) -> tuple[str, str]:
        """(namespace, interface) across the node's first link: where to pull its cable."""
        wired = {w.index: w for w in self.wires}
        for i, lk in enumerate(self.topo.links):
            if node in (lk.a.node, lk.b.node):
                if i in wired:
                    w = wired[i]
                    return self.run.wire_ns, (w.port_a if lk.a.node == node else w.port_b)
                other = lk.other(node)
                return self.ns(other.node), other.ifname  # type: ignore[return-value]
        raise BuildError(f"node {node!r} has no link")

    def planned_namespaces(self) -> list[str]:
        names = [self.ns(n) for n in self.topo.nodes]
        if self.wires:
            names.append(self.run.wire_ns)
        if wifi.nodes(self):
            names.append(wifi.air_ns(self))
        return names

    # ----- build ---------------------------------------------------------------------------
    def is_container(self, node: str) -> bool:
        return self.topo.nodes[node].kind == "container"

    def exec_argv(self, node: str, cmd: list[str], interactive: bool = False) -> list[str]:
        """How to run a command *in* a node: in its container, or in its namespace."""
        if self.is_container(node):
            return containers.exec_argv(self.run.container(node), cmd, interactive)
        return ["ip", "netns", "exec", self.ns(node), *cmd]

    def run_in(self, node: str, cmd: list[str], input: bytes = b"",
               timeout: float = 30) -> subprocess.CompletedProcess:
        """exec_argv's command run to its end, stdin fed: over the engine's API for a Docker
        container (no docker CLI started: see engine_exec), else as a process.  Raises
        subprocess.TimeoutExpired as subprocess.run does."""
        if self.is_container(node) and not engine.is_podman():
            try:
                rc, out, err = engine_exec.run(self.run.container(node), cmd, input, timeout)
            except engine_exec.ExecTimeout:
                raise subprocess.TimeoutExpired(cmd, timeout) from None
            return subprocess.CompletedProcess(cmd, rc, out, err)
        return subprocess.run(self.exec_argv(node, cmd), input=input, capture_output=True,
                              timeout=timeout)

    def probe_argv(self, node: str, cmd: list[str], unprivileged: bool = False) -> list[str]:
        """A checker's short command in a node (exec_argv without the engine's round trip for
        a container: see containers.probe_argv)."""
        if self.is_container(node):
            return containers.probe_argv(self.run.container(node), cmd, unprivileged)
        return ["ip", "netns", "exec", self.ns(node), *cmd]

    def listening(self, node: str, port: int, udp: bool = False) -> bool | None:
        """Whether a container node listens on `port`, read from the host (net/sockets.py);
        None when that cannot be told without a process in the node (a namespace node)."""
        if not self.is_container(node):
            return None
        pid = engine.pid_of(self.run.container(node))
        return sockets.listening(pid, port, udp) if pid else None

    def copy(self, src: str, dst: str) -> None:
        """Copy a file in or out of a node: `node:/path` on one side, a host path on the other.
        Containers have their own filesystem (docker cp); namespace nodes share the host's."""

        def split(arg: str) -> tuple[str | None, str]:
            node, sep, path = arg.partition(":")
            if sep and node in self.topo.nodes:
                return node, path
            return None, arg

        (sn, sp), (dn, dp) = split(src), split(dst)
        if (sn is None) == (dn is None):
            raise BuildError("copy needs exactly one side written NODE:PATH")
        node = sn or dn
        if self.is_container(node):  # type: ignore[arg-type]
            name = self.run.container(node)  # type: ignore[arg-type]
            if sn:
                engine.get_file(name, sp, Path(dp))
            else:
                engine.put_file(name, Path(sp), dp)
        else:
            try:
                shutil.copy(sp, dp)
            except OSError as e:
                raise BuildError(f"copy {src} -> {dst}: {e.strerror}") from None

    def logs(self, node: str, lines: int = 50) -> str:
        """A container's output and the tail of its daemons' log files."""
        if not self.is_container(node):
            return (f"{node} is a namespace node: its processes write where they were started "
                    "(it has no filesystem of its own)\n")
        name = self.run.container(node)
        files = subprocess.run(self.exec_argv(node, [
            "sh", "-c", f"for f in /var/log/*.log /var/log/*.out; do [ -s \"$f\" ] && "
            f"echo \"== $f\" && tail -n {lines} \"$f\"; done; true"]),
            capture_output=True, text=True)
        return containers.logs(name, lines) + files.stdout

    def build(self) -> None:
        wifi.require_radios(self)  # a lab needing radios says so before anything is made
        self.run.namespaces = self.planned_namespaces()
        self.run.containers = [c for n, node in self.topo.nodes.items() if self.is_container(n)
                               for c in containers.names(self.run.container(n), node.restartable)]
        self.run.save()  # before creating anything: the list `down` and the reaper use
        builder = builder_for(self.run.builder)
        builder.make(self)
        self.configure_l3()
        self._hosts_files()
        builder.shape(self)
        wifi.build(self)
        self.run.state = "up"
        self.run.save()

    def names(self) -> dict[str, str]:
        """Each node's primary address, for /etc/hosts inside nodes and containers."""
        return {node: str(ip.ip) for (node, _), ip in sorted(self.addr.ips.items())
                if self.addr.primary_ip(node) == ip.ip}

    def lab_resolvers(self) -> list[str]:
        """Containers resolve through the lab's own resolver (or its DNS server) if it has one,
        so names like shop.lab.example work and no query heads for the host's resolver."""
        for kind in ("resolver", "dns"):
            for n, node in self.topo.nodes.items():
                if kind in node.services and self.addr.primary_ip(n):
                    return [str(self.addr.primary_ip(n))]
        return []

    def common_sysctls(self) -> None:
        # IPv6 off: no router solicitations or DAD noise in captures and pings.
        netns.write_sysctl("net.ipv6.conf.all.disable_ipv6", 1)
        netns.write_sysctl("net.ipv6.conf.default.disable_ipv6", 1)

    def ports(self) -> dict[str, list[str]]:
        """Each node's interface names, in link order (the builders and L3 set-up use it)."""
        out: dict[str, list[str]] = {}
        for lk in self.topo.links:
            for ep in (lk.a, lk.b):
                out.setdefault(ep.node, []).append(ep.ifname)
        return out

    def _l3_lines(self, name: str, router: bool, ports: list[str], addrs: list) -> list[str]:
        """Write a host's or router's sysctls (in-process: cheap) and return its `ip -batch`
        lines: addresses, interfaces up, the planned routes, and the lab's TCP congestion
        control on every route a connection can take (net/congestion.py says why routes)."""
        cc = self.topo.congestion_of(name)
        with netns.entered(self.ns(name)):
            self.common_sysctls()
            netns.write_sysctl("net.ipv4.tcp_rmem", TCP_MEM)
            netns.write_sysctl("net.ipv4.tcp_wmem", TCP_MEM)
            if router:
                netns.write_sysctl("net.ipv4.ip_forward", 1)
            if self.topo.ipv6:
                # a host learns its prefix and default router from router advertisements
                # (SLAAC, EUI-64 interface ids from the MACs); a router forwards and sends them
                # (each port too: a veth keeps the settings of the namespace it was made in)
                for scope in ("all", "default", *ports):
                    netns.write_sysctl(f"net.ipv6.conf.{scope}.disable_ipv6", 0)
                    netns.write_sysctl(f"net.ipv6.conf.{scope}.addr_gen_mode", 0)
                    netns.write_sysctl(f"net.ipv6.conf.{scope}.use_tempaddr", 0)
                if router:
                    netns.write_sysctl("net.ipv6.conf.all.forwarding", 1)
            congestion.try_default(cc)
        lines = ["link set lo up"]
        lines += [f"address add {ip} dev {ifname}" for ifname, ip in addrs]
        lines += [f"link set {port} up" for port in ports]  # every interface, leased ones too
        lines += [f"route add {rt.dst} via {rt.via} congctl {cc}"
                  for rt in self.routing.routes.get(name, [])]
        gw = self.routing.gateways.get(name)
        if gw is not None:
            lines.append(f"route add default via {gw} congctl {cc}")
        # last: the routes the kernel made for the addresses and for lo, re-marked
        return lines + congestion.connected_lines(addrs, cc) + congestion.local_lines(addrs, cc)

    def configure_l3(self) -> None:
        """Every host and router: one `ip -batch` per namespace, a few at a time.  pyroute2
        spent about a millisecond per netlink request in its asyncio core (3 s of a 200-node
        start); one `ip` process per node does all of a node's requests in one go."""
        l3 = {n: node for n, node in self.topo.nodes.items() if node.kind != "switch"}
        for algo in {self.topo.congestion_of(n) for n in l3}:
            congestion.check_available(algo)
        addresses: dict[str, list] = {}
        for (node, ifname), ip in self.addr.ips.items():
            addresses.setdefault(node, []).append((ifname, ip))
        ports = self.ports()
        netns.ip_batches({self.ns(n): self._l3_lines(n, node.routes_packets, ports.get(n, []),
                                                     addresses.get(n, []))
                          for n, node in l3.items()})

    def _hosts_files(self) -> None:
        # `ip netns exec` mounts /etc/netns/<ns>/hosts over /etc/hosts: node names resolve.
        # And resolv.conf, when the lab has a resolver: a namespace node then asks it, as a
        # container does, and no lab query heads for the host's resolver (the dns lab's pc).
        text = "127.0.0.1 localhost\n" + "".join(
            f"{ip} {node}\n" for node, ip in self.names().items())
        dns = self.lab_resolvers()
        for node in self.topo.nodes:
            if self.is_container(node):
                continue  # a container gets its own, bound in (containers.start)
            d = ETC_NETNS / self.ns(node)
            d.mkdir(parents=True, exist_ok=True)
            (d / "hosts").write_text(text)
            if dns:
                (d / "resolv.conf").write_text(containers.resolv_conf(dns))
