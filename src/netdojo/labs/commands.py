"""A commands file: the lines a student would type in the lab shell (`r1 ip route add …`),
parsed into argv lists and limited to the commands the lab allows.  Nothing goes through a
shell, and options that would reach outside the node (`ip -n`, `ip netns`) are refused."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from netdojo.errors import SpecError

# Tokens that would let a line act on another namespace or run something else.
REFUSED = {"netns", "exec", "-n", "-netns", "-b", "-batch", "-force"}


@dataclass
class Command:
    line: int
    node: str
    argv: list[str]

    def __str__(self) -> str:
        return f"{self.node} {shlex.join(self.argv)}"


def parse_commands(text: str, source: str, nodes: list[str], allow: list[str]) -> list[Command]:
    prefixes = [a.split() for a in allow]
    out = []
    for n, raw in enumerate(text.splitlines(), 1):
        try:
            tokens = shlex.split(raw, comments=True)
        except ValueError as e:
            raise SpecError(f"cannot split this line: {e}", source, n) from None
        if not tokens:
            continue
        node, argv = tokens[0], tokens[1:]
        if node not in nodes:
            raise SpecError(f"{node!r} is not a node of this lab (nodes: {', '.join(nodes)}); "
                            "write each line as NODE COMMAND, e.g. `r1 ip route add "
                            "10.1.2.0/24 via 10.1.12.2`", source, n)
        match = next((p for p in prefixes if argv[:len(p)] == p), None)
        if match is None:
            raise SpecError(f"only these commands are allowed here: {', '.join(allow)} "
                            f"(got {shlex.join(argv) or 'nothing'!r})", source, n)
        bad = [t for t in argv[len(match):] if t in REFUSED or t.startswith("-")]
        if bad:
            raise SpecError(f"{bad[0]!r} is not allowed in a lab command", source, n)
        out.append(Command(n, node, argv))
    return out
