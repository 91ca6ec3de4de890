"""Checks of the topologies lab: who still reaches whom once each topology has lost its element
(the checker fails the same element and measures), the detour that is left, and the bottleneck
of a four-link path found by measurement."""

from __future__ import annotations

import statistics
from concurrent.futures import ThreadPoolExecutor
from itertools import combinations

from netdojo.labs.checks import CheckFailure, check, failed, partial, passed, within_band

TOPOLOGIES = ("tree", "bus", "star", "ring", "mesh", "part")
NAMES = {"tree": "tree", "bus": "bus", "star": "star", "ring": "ring", "mesh": "full mesh",
         "part": "partial mesh"}
PATH_LINKS = ("src-bn1", "bn1-bn2", "bn2-bn3", "bn3-dst")
PATH_NODES = ("bn1", "bn2", "bn3", "dst")


def derive(values: dict) -> dict:
    """The four link rates: the bottleneck's slow one where the student's value puts it."""
    fast = [values["fast_a"], values["fast_b"], values["fast_c"]]
    out = {}
    for i in range(1, 5):
        out[f"l{i}_bw"] = values["slow_bw"] if i == values["bottleneck"] else fast.pop(0)
    return out


def setup(ctx):
    for node in PATH_NODES:
        ctx.serve(node, ["iperf3", "-s", "-p", "5201"], 5201)


def hosts(topo: str) -> list[str]:
    return [f"{topo}{i}" for i in range(1, 5)]


def _reaches(ctx, a: str, b: str) -> bool:
    r = ctx.sh(a, ["ping", "-n", "-c", "3", "-i", "0.2", "-W", "1", ctx.ip(b)], timeout=15)
    return " 0 received" not in r.stdout and "bytes from" in r.stdout


def _hops(ctx, a: str, b: str) -> int:
    """Lines of traceroute up to and including b; 0 when b never answers."""
    dst = ctx.ip(b)
    for hop in ctx.traceroute(a, b, max_hops=6):
        if hop.address == dst:
            return hop.ttl
    return 0


def groups_of(members: list[str], reach: dict[tuple[str, str], bool]) -> list[list[str]]:
    """The hosts split into groups that reach each other (a lone host is a group of one)."""
    parent = {m: m for m in members}

    def root(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for (a, b), ok in reach.items():
        if ok:
            parent[root(a)] = root(b)
    out: dict[str, list[str]] = {}
    for m in members:
        out.setdefault(root(m), []).append(m)
    return sorted(sorted(g) for g in out.values())


def _measured(ctx) -> dict:
    """Every topology's element failed at once (they are separate networks), then each pair
    pinged and host 1 traced to host 2; everything restored afterwards."""
    def run():
        ctx.restore_all()  # whatever the student's script left down
        for t in TOPOLOGIES:
            ctx.fail(ctx.params[f"{t}_fail"])
        try:
            pairs = [(t, a, b) for t in TOPOLOGIES for a, b in combinations(hosts(t), 2)]
            with ThreadPoolExecutor(max_workers=12) as pool:
                oks = list(pool.map(lambda p: _reaches(ctx, p[1], p[2]), pairs))
                hops = dict(zip(TOPOLOGIES, pool.map(
                    lambda t: _hops(ctx, f"{t}1", f"{t}2"), TOPOLOGIES), strict=True))
        finally:
            ctx.restore_all()
        out = {}
        for t in TOPOLOGIES:
            reach = {(a, b): ok for (tt, a, b), ok in zip(pairs, oks, strict=True) if tt == t}
            out[t] = {"groups": groups_of(hosts(t), reach), "hops": hops[t],
                      "pairs": {f"{a}-{b}": ok for (a, b), ok in reach.items()}}
        return out
    return ctx.once("failed", run)


def _student_groups(ctx, topo: str, key: str) -> list[list[str]]:
    block = ctx.answers().get(topo)
    if not isinstance(block, dict) or block.get(key) in (None, "", []):
        raise CheckFailure(f"answers.yaml: no {topo}.{key} — fill it in")
    groups = block[key]
    where = f"answers.yaml: {topo}.{key}"
    if not isinstance(groups, list) or not all(isinstance(g, list) for g in groups):
        raise CheckFailure(f"{where} must be a list of groups, e.g. [[{topo}1, {topo}2], "
                           f"[{topo}3], [{topo}4]]")
    seen = [str(h).strip() for g in groups for h in g]
    wanted = hosts(topo)
    stray = [h for h in seen if h not in wanted]
    if stray:
        raise CheckFailure(f"{where}: {', '.join(stray)} is not a host of the {NAMES[topo]} "
                           f"({', '.join(wanted)})")
    missing = [h for h in wanted if h not in seen]
    twice = sorted({h for h in seen if seen.count(h) > 1})
    if missing or twice:
        raise CheckFailure(f"{where}: list every host exactly once (a host that reaches no one "
                           f"is a group of its own)" + (f"; missing {', '.join(missing)}"
                                                        if missing else "")
                           + (f"; twice {', '.join(twice)}" if twice else ""))
    return sorted(sorted(str(h).strip() for h in g) for g in groups)


def _show(groups: list[list[str]]) -> str:
    return " | ".join(" ".join(g) for g in groups)


@check(points=6, title="measured: which hosts still reach each other after each failure",
       hint="`fail ELEMENT` in the lab shell, then ping between the hosts of that topology "
            "(`tree1 ping -c 3 tree3`); group the hosts that still reach each other.  "
            "`restore all` afterwards.", needs=["answers.yaml"])
def reach(ctx):
    answered = {t: _student_groups(ctx, t, "measured") for t in TOPOLOGIES}
    real = _measured(ctx)
    right, notes = 0, []
    for t in TOPOLOGIES:
        mine = answered[t]
        ok = mine == real[t]["groups"]
        right += ok
        notes.append(f"{NAMES[t]} without {ctx.params[t + '_fail']}: "
                     + ("right" if ok else f"you {_show(mine)}, checker {_show(real[t]['groups'])}"))
    return partial(right, len(TOPOLOGIES), "; ".join(notes),
                   samples={t: real[t]["pairs"] for t in TOPOLOGIES})


@check(points=2, title="predicted before failing: the same groups, from the drawing alone",
       hint="A host is cut off when every path to the others goes through the failed element.  "
            "Routers find another way if one exists; switches and hubs here do not (they form "
            "a tree, there is no second way).", needs=["answers.yaml"])
def predict(ctx):
    answered = {t: _student_groups(ctx, t, "predicted") for t in TOPOLOGIES}
    real = _measured(ctx)
    right = [t for t in TOPOLOGIES if answered[t] == real[t]["groups"]]
    wrong = [NAMES[t] for t in TOPOLOGIES if t not in right]
    return partial(len(right), len(TOPOLOGIES),
                   f"{len(right)} of {len(TOPOLOGIES)} predictions held"
                   + (f"; look again at: {', '.join(wrong)}" if wrong else ""))


@check(points=2, title="hops from host 1 to host 2 with the element failed (the detour)",
       hint="With the element failed: `ring1 traceroute -n ring2` — count the lines up to and "
            "including ring2's address; 0 if it never answers.  A ring's detour goes the long "
            "way round; a mesh has a shortcut.", needs=["answers.yaml"])
def detour(ctx):
    answered = {}
    for t in TOPOLOGIES:
        block = ctx.answers().get(t)
        got = block.get("hops_1_to_2") if isinstance(block, dict) else None
        if got is None or isinstance(got, bool) or not isinstance(got, int):
            raise CheckFailure(f"answers.yaml: {t}.hops_1_to_2 must be a whole number — "
                               "fill it in")
        answered[t] = got
    real = _measured(ctx)
    right, notes = 0, []
    for t in TOPOLOGIES:
        got = answered[t]
        ok = got == real[t]["hops"]
        right += ok
        notes.append(f"{NAMES[t]}: {got}" + ("" if ok else f" (checker {real[t]['hops']})"))
    return partial(right, len(TOPOLOGIES), "; ".join(notes))


def _staircase(ctx) -> dict[str, list[float]]:
    """Goodput from src to each node along the path: it falls at the bottleneck and stays."""
    def run():
        # once to each router (the staircase only has to show where it falls), three times
        # to dst (the rate the student is judged against)
        return {n: [ctx.iperf("src", n, seconds=1).goodput_mbps
                    for _ in range(3 if n == "dst" else 1)] for n in PATH_NODES}
    return ctx.once("staircase", run)


def _bottleneck_answer(ctx) -> dict:
    block = ctx.answers().get("bottleneck")
    if not isinstance(block, dict):
        raise CheckFailure("answers.yaml: no bottleneck: {link: …, mbit: …} — fill it in")
    return block


@check(points=2, title="the bottleneck link, found by measurement",
       hint="Measure from src to bn1, bn2, bn3 and dst in turn (`src iperf3 -c bn2`: each runs "
            "an iperf3 server).  The rate falls at the slowest link and never rises again.",
       needs=["answers.yaml"])
def bottleneck_link(ctx):
    got = str(_bottleneck_answer(ctx).get("link", "")).strip()
    stairs = {n: statistics.median(v) for n, v in _staircase(ctx).items()}
    shown = ", ".join(f"to {n} {v:.1f}" for n, v in stairs.items())
    want = PATH_LINKS[ctx.params["bottleneck"] - 1]
    if set(got.split("-")) == set(want.split("-")) and "-" in got:
        return passed(f"{got}: the checker's staircase (Mbit/s) is {shown}", samples=stairs)
    return failed(f"{got or 'no link'} is not it; the checker measured (Mbit/s) {shown}",
                  samples=stairs)


@check(points=1, title="the bottleneck's rate, as the whole path measures it",
       hint="The path's end-to-end rate is the slowest link's: `src iperf3 -c dst`.",
       needs=["answers.yaml"])
def bottleneck_rate(ctx):
    raw = _bottleneck_answer(ctx).get("mbit")
    try:
        got = float(raw)
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: bottleneck.mbit = {raw!r} is not a number") from None
    first = _staircase(ctx)["dst"]
    rounds = iter([first])

    def probe() -> list[float]:  # the first round is the staircase's; a miss measures again
        return next(rounds, None) or [ctx.iperf("src", "dst", seconds=2).goodput_mbps
                                      for _ in range(3)]
    res = within_band(probe, got / 1.15, got / 0.85)
    return (passed if res.ok else failed)(
        f"{got:g} Mbit/s against the checker's {res.median:.1f} (±15 %"
        + (", measured twice" if res.attempts > 1 else "") + ")", samples=res.samples)


def _elements(ctx, topo: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The topology's nodes and its cables (pairs of nodes), from the lab's own model."""
    nodes = [n for n in ctx.net.topo.nodes if n.startswith(topo)]
    links = [(lk.a.node, lk.b.node) for lk in ctx.net.topo.links if lk.a.node in nodes]
    return nodes, links


def _apart(nodes: list[str], links: list[tuple[str, str]], a: str, b: str, gone: str) -> bool:
    """Does losing `gone` (a node, or a cable `x-y` either way round) leave no way from a to b?
    The lab's switches form trees and its routers route around what is down, so a way in
    the drawing is a way on the wire; the check confirms each answer on the wire anyway."""
    cut = set(gone.split("-"))
    seen, todo = {a}, [a]
    while todo:
        x = todo.pop()
        for p, q in links:
            if x in (p, q) and {p, q} != cut:
                y = q if x == p else p
                if y not in seen and y != gone:
                    seen.add(y)
                    todo.append(y)
    return b not in seen


@check(points=1, title="every single element whose failure cuts your two hosts apart",
       hidden=True, hint="Any element every path between the two hosts runs through: a tree "
                         "has many, a mesh only the hosts' own cables and routers.",
       needs=["answers.yaml"])
def single_points(ctx):
    a, b = ctx.params["spof_pair"].split()
    topo = next(t for t in TOPOLOGIES if a.startswith(t))
    nodes, links = _elements(ctx, topo)
    names = {n: n for n in nodes if n not in (a, b)}
    names.update({f"{p}-{q}": f"{p}-{q}" for p, q in links})
    names.update({f"{q}-{p}": f"{p}-{q}" for p, q in links})
    raw = ctx.answers().get("single_points")
    if not isinstance(raw, list) or not raw:
        raise CheckFailure("answers.yaml: single_points must be a list of nodes and cables, "
                           "e.g. [NODE, NODE-NODE] — fill it in")
    stray = [str(e) for e in raw if str(e).strip() not in names]
    if stray:
        raise CheckFailure(f"answers.yaml: single_points: {', '.join(stray)} is neither a node "
                           f"(other than {a} and {b}) nor a cable of the {NAMES[topo]}")
    mine = {names[str(e).strip()] for e in raw}
    drawn = {e for e in set(names.values()) if _apart(nodes, links, a, b, e)}
    on_wire = {}
    try:
        for e in sorted(mine | drawn):  # the student's and the drawing's, each failed alone
            ctx.restore_all()
            ctx.fail(e)
            on_wire[e] = not _reaches(ctx, a, b)
    finally:
        ctx.restore_all()
    real = {e for e, cut in on_wire.items() if cut}
    extra, missing = sorted(mine - real), sorted(real - mine)
    if not extra and not missing:
        return passed(f"{len(real)} elements, each failed alone, cut {a} from {b}",
                      samples=on_wire)
    return failed(f"{a}-{b}: " + "; ".join(
        ([f"{', '.join(extra)} failed alone still leave a way"] if extra else [])
        + ([f"{len(missing)} more cut them apart"] if missing else [])), samples=on_wire)
