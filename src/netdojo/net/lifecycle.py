"""Up and down: the one place that ties a model, a run record and a build together, and
makes sure a failed or interrupted build leaves nothing behind."""

from __future__ import annotations

from netdojo.errors import NetdojoError
from netdojo.net import containers, mininet_builder, netns, runs, shaping
from netdojo.net.capabilities import probe
from netdojo.net.network import Network
from netdojo.topo.model import Topology
from netdojo.topo.serialize import to_dict

BUILDERS = ("netdojo", "mininet")


def up(topo: Topology, shaper: str = "auto", detached: bool = False,
       builder: str = "netdojo") -> Network:
    runs.reap()
    if builder not in BUILDERS:
        raise NetdojoError(f"unknown builder {builder!r} (choose {', '.join(BUILDERS)})")
    chosen = "none"
    if builder == "mininet":
        caps = probe()
        mininet_builder.prepare(topo, caps.netem)
        if any(lk.params.shaped for lk in topo.links):
            chosen = "netem" if caps.netem else "htb"
    elif any(lk.params.shaped for lk in topo.links):
        chosen = shaping.choose(shaper, probe())
    elif shaper not in shaping.SHAPERS:
        shaping.choose(shaper, None)
    run = runs.new_run(topo.name, to_dict(topo), detached)
    run.shaper = chosen
    run.builder = builder
    net = Network(topo, run)
    try:
        net.build()
    except BaseException:
        run.teardown()
        raise
    return net


def down(run_id: str | None = None, everything: bool = False) -> list[str]:
    """Tear down one run (or all, plus namespaces named like ours that no run lists)."""
    removed = runs.reap()
    if everything:
        for run in runs.all_runs():
            run.teardown()
            removed.append(run.id)

        stray_containers = containers.strays({r.id for r in runs.all_runs()})
        containers.remove(stray_containers)
        stray = runs.orphans()
        netns.delete(stray)
        removed += stray + stray_containers
        return removed
    run = runs.pick(run_id)
    run.teardown()
    return removed + [run.id]
