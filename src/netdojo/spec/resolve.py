"""Which topology a command means: a file, a name under topologies/, or a generator spec
written as Mininet's --topo is (`linear,10`, `tree,2,3`, `mesh,5,partial`)."""

from __future__ import annotations

import os
from pathlib import Path

from netdojo.errors import SpecError
from netdojo.spec import generators
from netdojo.spec.loader import load_topology
from netdojo.spec.model import Topology

GENERATORS = {"linear": generators.linear, "star": generators.star, "bus": generators.bus,
              "tree": generators.tree, "ring": generators.ring, "mesh": generators.mesh}


def topologies_dir() -> Path:
    env = os.environ.get("NETDOJO_TOPOLOGIES")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "topologies"


def resolve(arg: str) -> Topology:
    path = Path(arg)
    if path.suffix in (".yaml", ".yml") or path.exists():
        return load_topology(path)
    head, *rest = arg.split(",")
    if head in GENERATORS and rest:
        args: list[object] = [int(a) if a.isdigit() else a for a in rest]
        try:
            return GENERATORS[head](*args)
        except (TypeError, ValueError) as e:
            raise SpecError(f"generator {arg!r}: {e}") from None
    named = topologies_dir() / f"{arg}.yaml"
    if named.exists():
        return load_topology(named)
    known = sorted(p.stem for p in topologies_dir().glob("*.yaml"))
    raise SpecError(f"no topology {arg!r}: not a file, not one of ({', '.join(known)}), "
                    f"and not a generator ({', '.join(GENERATORS)} with ',ARGS')", arg)
