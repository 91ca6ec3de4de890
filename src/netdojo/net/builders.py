"""The two ways a model becomes live nodes and links, as objects with one interface, chosen
once from the run's recorded builder (as the shapers are, `net/shapers.py`):

- `NamespaceBuilder` (`--builder netdojo`, the default) — a named namespace per node (a
  container's own for container nodes), every veth in one `ip -batch`, a bridge per switch;
  the run's shaper shapes the links afterwards.
- `MininetBuilder` (`--builder mininet`) — Mininet's own classes (`net/mininet_builder.py`),
  which shape each link with TCLink as they make it.

After either, `Network.build` gives every host and router its addresses and routes the same
way, so everything above the net layer sees one kind of network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from netdojo.errors import NetdojoError
from netdojo.net import containers, mininet_builder, netns, shaping
from netdojo.net.capabilities import probe
from netdojo.net.shapers import shaper_for
from netdojo.topo.addressing import mac_for
from netdojo.topo.model import Topology

if TYPE_CHECKING:
    from netdojo.net.network import Network


class Builder(Protocol):
    name: str

    def choose_shaper(self, topo: Topology, requested: str) -> str:
        """Refuse what this builder cannot make; the shaper the run will record."""

    def make(self, net: Network) -> None:
        """Nodes, links and switches (not addresses or routes)."""

    def shape(self, net: Network) -> None:
        """Rate, delay, jitter and loss on the shaped links, once addresses and routes are in."""


class NamespaceBuilder:
    name = "netdojo"

    def choose_shaper(self, topo: Topology, requested: str) -> str:
        if any(lk.params.shaped for lk in topo.links):
            return shaping.choose(requested, probe())
        if requested not in shaping.SHAPERS:
            shaping.choose(requested, None)  # the same error for a bad name, shaped or not
        return "none"

    def make(self, net: Network) -> None:
        attached = {net.ns(n) for n in net.topo.nodes if net.is_container(n)}
        netns.create([n for n in net.run.namespaces if n not in attached])
        self._containers(net)
        self._links(net)
        ports = net.ports()
        netns.ip_batches({net.ns(name): self._switch(net, name, node.hub, ports.get(name, []))
                          for name, node in net.topo.nodes.items() if node.kind == "switch"})

    def shape(self, net: Network) -> None:
        shaper_for(net.run.shaper).apply(net)

    @staticmethod
    def _containers(net: Network) -> None:
        specs = [{"name": net.run.container(n), "node": n, "run": net.run.id,
                  "image": node.image, "netns": net.ns(n), "hosts": net.names(),
                  "env": {"NETDOJO_NODE": n}, "dns": net.lab_resolvers(),
                  "pod": node.restartable, "etc_dir": net.run.dir / "etc" / n}
                 for n, node in net.topo.nodes.items() if node.kind == "container"]
        containers.start(specs)

    @staticmethod
    def _links(net: Network) -> None:
        # Every veth end gets an ifindex unique in the run.  The kernel treats a carrier change
        # as urgent only when a device's ifindex differs from its peer's; two fresh namespaces
        # would both hand out index 2, and the non-urgent path is rate-limited to once a second,
        # which left new ports dropping frames (a 1 s first ARP) until linkwatch caught up.
        wired = {w.index: w for w in net.wires}
        index = iter(range(10, 1 << 30))
        lines = []

        def pair(name_a: str, ns_a: str, mac_a: str, name_b: str, ns_b: str, mac_b: str) -> str:
            return (f"link add name {name_a} netns {ns_a} index {next(index)} address {mac_a} "
                    f"type veth peer name {name_b} netns {ns_b} index {next(index)} "
                    f"address {mac_b}")

        for i, lk in enumerate(net.topo.links):
            na, nb = net.ns(lk.a.node), net.ns(lk.b.node)
            seed = net.topo.mac_seed
            ma, mb = mac_for(lk.a.node, lk.a.ifname, seed), mac_for(lk.b.node, lk.b.ifname, seed)
            if i in wired:  # through the userspace shaper's bridge in the wire namespace
                w, wire = wired[i], net.run.wire_ns
                lines.append(pair(lk.a.ifname, na, ma, w.port_a, wire,
                                  mac_for(f"{i}.wire", w.port_a)))
                lines.append(pair(lk.b.ifname, nb, mb, w.port_b, wire,
                                  mac_for(f"{i}.wire", w.port_b)))
            else:
                lines.append(pair(lk.a.ifname, na, ma, lk.b.ifname, nb, mb))
        netns.ip_batch(lines)

    @staticmethod
    def _switch(net: Network, name: str, hub: bool, ports: list[str]) -> list[str]:
        """Write a switch's sysctls; its bridge as `ip -batch` lines."""
        with netns.entered(net.ns(name)):
            net.common_sysctls()
            # Bridged frames skip iptables in a switch: nothing there filters, and it is faster.
            netns.write_sysctl("net.bridge.bridge-nf-call-iptables", 0)
        # A hub never learns (ageing 0), so it floods every frame to every port (a shared
        # medium); a switch forgets a MAC after 300 s (the unit is 1/100 s).
        return ([f"link add br0 type bridge stp_state 0 ageing_time {0 if hub else 30000} "
                 "mcast_snooping 0"]
                + [f"link set {port} master br0 up" for port in ports] + ["link set br0 up"])


class MininetBuilder:
    name = "mininet"

    def choose_shaper(self, topo: Topology, requested: str) -> str:
        caps = probe()
        mininet_builder.prepare(topo, caps.netem)
        if any(lk.params.shaped for lk in topo.links):
            return "netem" if caps.netem else "htb"  # TCLink's, whatever was requested
        return "none"

    def make(self, net: Network) -> None:
        mininet_builder.build(net.topo, net.run)

    def shape(self, net: Network) -> None:
        pass  # TCLink shaped every link in make()


BUILDERS: dict[str, Builder] = {b.name: b for b in (NamespaceBuilder(), MininetBuilder())}


def builder_for(name: str) -> Builder:
    try:
        return BUILDERS[name]
    except KeyError:
        raise NetdojoError(f"unknown builder {name!r} (choose {', '.join(BUILDERS)})") from None
