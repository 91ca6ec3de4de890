"""The layers run one way (README "Shape of the code"): topo → net → services → measure →
session → failover, labs → grade → web, cli; errors, paths, pages, plots and interrupts sit under
all of them and the lab VM beside.  No module imports a higher layer, even inside a function,
and no two modules import each other at load time."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "src" / "netdojo"
LAYER = {"errors": 0, "paths": 0, "pages": 0, "plots": 0, "interrupts": 0, "topo": 1, "net": 2,
         "services": 3, "measure": 4, "session": 5, "failover": 6, "labs": 6, "grade": 7,
         "vm": 8, "web": 9, "cli": 9, "__main__": 10}


def modules() -> dict[str, Path]:
    out = {}
    for f in ROOT.rglob("*.py"):
        parts = f.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


def imports(path: Path, top_level_only: bool) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, node.lineno)]
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
    # `from netdojo import __version__` names the package's own attribute, no layer
    return [(m, n) for m, n in found if m.startswith("netdojo.")
            and not m.split(".")[1].startswith("__version")]


def layer(module: str) -> int:
    part = module.split(".")[1]
    assert part in LAYER, f"{module}: a package with no layer; add it to LAYER and the README"
    return LAYER[part]


def test_every_module_has_a_layer():
    for name in modules():
        if name != "netdojo":
            layer(name)


def test_no_import_runs_back_up_a_layer():
    back = []
    for name, path in modules().items():
        if name == "netdojo":
            continue
        for target, line in imports(path, top_level_only=False):
            if layer(target) > layer(name):
                back.append(f"{path.relative_to(ROOT.parent)}:{line} imports {target}")
    assert not back, back


def test_no_import_cycle_at_load_time():
    mods = modules()
    graph = {n: {t for t, _ in imports(p, top_level_only=True) if t in mods and t != n}
             for n, p in mods.items()}
    # a package's __init__ importing its own submodules is the package, not a loop
    for n in graph:
        graph[n] = {t for t in graph[n] if not t.startswith(n + ".")}
    state: dict[str, int] = {}
    cycles = []

    def visit(n: str, stack: list[str]) -> None:
        state[n] = 1
        for t in sorted(graph[n]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t] if t in stack else [n, t])
            elif t not in state:
                visit(t, stack + [t])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycles, cycles


# Optional or heavy dependencies, loaded where they are used; nothing else is imported inside a
# function (issue 20: at most 15 such imports, each of one of these).
LAZY = ("matplotlib", "pyroute2", "docker", "mininet", "paramiko", "netdojo.web.serve")


def test_imports_inside_functions_are_only_the_heavy_optional_ones():
    inside = []
    for name, path in modules().items():
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(fn):
                    if isinstance(node, ast.Import):
                        inside += [(name, a.name) for a in node.names]
                    elif isinstance(node, ast.ImportFrom):
                        inside.append((name, node.module or ""))
    assert len(inside) <= 15, inside
    assert [(m, what) for m, what in inside if not what.startswith(LAZY)] == []


def test_builders_are_objects_behind_one_interface_chosen_by_name():
    from netdojo.errors import NetdojoError
    from netdojo.net.builders import BUILDERS, builder_for

    assert set(BUILDERS) == {"netdojo", "mininet"}
    for name, b in BUILDERS.items():
        assert builder_for(name) is b and b.name == name
        assert all(callable(getattr(b, m)) for m in ("choose_shaper", "make", "shape"))
    with pytest.raises(NetdojoError, match="unknown builder 'ovs' \\(choose netdojo, mininet\\)"):
        builder_for("ovs")
