"""The Mininet builder (`--builder mininet`): the same model built with Mininet's own classes —
`Host`/`Node` for hosts and routers, `LinuxBridge` for switches, `TCLink` (htb + netem) for
shaped links — from Debian's `mininet` package and its `mnexec`.

Every node, switches included, lives in its own namespace (Mininet's `inNamespace=True`), so
nothing is made in the root namespace and dockerd's FORWARD DROP does not matter.  Each node's
namespace is then attached under the run's name (`ip netns attach`), so addressing, routes,
`exec`, `measure`, `down` and the reaper work exactly as with the default builder.

It is the reference path for kernels with netem; it is slower to start (a shell per node,
Mininet's `ifconfig`/`tc` per interface), and it cannot use the userspace delay line, so delay,
jitter and loss need sch_netem.  See benchmarks/results/core.md for the start-up cost.
"""

from __future__ import annotations

from netdojo.errors import BuildError, NetdojoError
from netdojo.net import netns
from netdojo.net.runs import Run
from netdojo.topo.model import Topology


def port_name(switch: str, ifname: str) -> str:
    """Mininet's LinuxBridge enslaves only interfaces named after the switch."""
    return f"{switch}-{ifname}"


def prepare(topo: Topology, caps_netem: bool) -> None:
    """Refuse what this builder cannot make, and name switch ports as LinuxBridge expects."""
    for lk in topo.links:
        p = lk.params
        if (p.delay or p.jitter or p.loss) and not caps_netem:
            raise NetdojoError(f"--builder mininet shapes delay, jitter and loss with sch_netem, "
                               f"which this kernel lacks (link {lk.a} -- {lk.b}); use the "
                               "default builder, whose userspace shaper covers for it")
        for ep in (lk.a, lk.b):
            if topo.nodes[ep.node].kind == "container":
                raise NetdojoError("--builder mininet does not make container nodes; "
                                   "use the default builder")
            if topo.nodes[ep.node].kind != "switch" or ep.ifname.startswith(ep.node + "-"):
                continue
            if len(port_name(ep.node, ep.ifname)) > 15:
                raise NetdojoError(f"--builder mininet: port name {port_name(ep.node, ep.ifname)}"
                                   " is longer than 15 characters; shorten the switch name")
            ep.ifname = port_name(ep.node, ep.ifname)


def build(topo: Topology, run: Run) -> None:
    # Mininet is optional (Debian's python3-mininet): loaded only for --builder mininet
    from mininet import link as mlink
    from mininet import log as mlog
    from mininet import net as mnet
    from mininet import node as mnode
    from mininet import nodelib

    # Mininet warns that br_netfilter is on in the *root* namespace; our switches live in their
    # own namespaces, where nothing filters, so the warning does not apply.
    mlog.setLogLevel("error")
    mn = mnet.Mininet(topo=None, build=False, controller=None, autoSetMacs=False,
                 waitConnected=False)
    nodes = {}
    try:
        for name, node in topo.nodes.items():
            if node.kind == "switch":
                nodes[name] = mn.addSwitch(name, cls=nodelib.LinuxBridge, inNamespace=True, dpid="1")
            else:
                nodes[name] = mn.addHost(name, cls=mnode.Host, ip=None)
        for name, node in nodes.items():
            run.record_process(node.pid, f"mininet:{name}", save=False)
        run.save()  # the shells, before any link: what the reaper must end
        for lk in topo.links:
            p = lk.params
            params = {}
            if p.bw:
                params["bw"] = p.bw
            if p.delay:
                params["delay"] = f"{p.delay}ms"
            if p.jitter:
                params["jitter"] = f"{p.jitter}ms"
            if p.loss:
                params["loss"] = p.loss
            if p.queue:
                params["max_queue_size"] = int(p.queue)
            mn.addLink(nodes[lk.a.node], nodes[lk.b.node], intfName1=lk.a.ifname,
                       intfName2=lk.b.ifname, cls=mlink.TCLink if params else mlink.Link, **params)
        for name, node in topo.nodes.items():
            if node.kind == "switch":
                nodes[name].start([])
                if node.hub:
                    nodes[name].cmd("brctl setageing", name, "0")
    except Exception as e:
        raise BuildError(f"Mininet could not build the topology: {e}") from e
    # Name every node's namespace for the rest of netdojo (exec, measure, down, reaper).
    netns.ip_batch(f"netns attach {run.ns(n)} {nodes[n].pid}" for n in topo.nodes)
