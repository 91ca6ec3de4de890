"""Up and down: the one place that ties a model, a run record and a build together, and
makes sure a failed or interrupted build leaves nothing behind."""

from __future__ import annotations

from netdojo.net import containers, netns, runs
from netdojo.net.builders import builder_for
from netdojo.net.network import Network
from netdojo.topo.model import Topology
from netdojo.topo.serialize import to_dict


def up(topo: Topology, shaper: str = "auto", detached: bool = False,
       builder: str = "netdojo") -> Network:
    runs.reap()
    chosen = builder_for(builder).choose_shaper(topo, shaper)
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
