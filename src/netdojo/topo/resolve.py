"""Which topology a command means: a file, a name under topologies/, or a generator spec
written as Mininet's --topo is (`linear,10`, `tree,2,3`, `mesh,5,partial`)."""

from __future__ import annotations

import runpy
from pathlib import Path

from netdojo.errors import SpecError
from netdojo.paths import data_dir
from netdojo.topo import generators
from netdojo.topo.loader import load_topology
from netdojo.topo.model import Topology
from netdojo.topo.validate import validate

GENERATORS = {"linear": generators.linear, "star": generators.star, "bus": generators.bus,
              "tree": generators.tree, "ring": generators.ring, "mesh": generators.mesh}


def topologies_dir() -> Path:
    return data_dir("topologies")


def resolve(arg: str) -> Topology:
    path = Path(arg)
    if path.suffix == ".py":
        return load_python(path)
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
    if named.with_suffix(".py").exists():
        return load_python(named.with_suffix(".py"))
    known = sorted(p.stem for p in topologies_dir().glob("*.y*ml"))
    known += sorted(p.stem for p in topologies_dir().glob("*.py"))
    raise SpecError(f"no topology {arg!r}: not a file, not one of ({', '.join(known)}), "
                    f"and not a generator ({', '.join(GENERATORS)} with ',ARGS')", arg)


def load_python(path: Path) -> Topology:
    """A Python topology file defines `topology()` returning a Topology (or a `topology`
    variable).  It is the user's own code, run as they would run it."""
    if not path.exists():
        raise SpecError("cannot read topology: no such file", str(path))
    try:
        ns = runpy.run_path(str(path))
    except Exception as e:  # noqa: BLE001 - report any failure of the user's file plainly
        raise SpecError(f"running the file failed: {type(e).__name__}: {e}", str(path)) from None
    made = ns.get("topology")
    topo = made() if callable(made) else made
    if not isinstance(topo, Topology):
        raise SpecError("a Python topology must define topology() returning a Topology",
                        str(path))
    topo.source = topo.source or str(path)
    return validate(topo)
