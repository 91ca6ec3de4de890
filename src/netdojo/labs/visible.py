"""Which of a lab's checks a student may see: the hidden ones cut out of checks.py's source.

Pure `ast`, no other import, because two places need it that cannot import the package:
`lab kit` (what one student is handed) and setup.py, which writes every wheel's checks.py
through it at build time, so that the package students install carries no hidden check."""

from __future__ import annotations

import ast

HEADER = "# The visible checks of this lab (hidden ones count in the grade but are not shown).\n"


def _is_hidden(node: ast.AST) -> bool:
    for dec in getattr(node, "decorator_list", []):
        if isinstance(dec, ast.Call) and any(
                k.arg == "hidden" and isinstance(k.value, ast.Constant) and k.value.value is True
                for k in dec.keywords):
            return True
    return False


def visible_checks(source: str) -> tuple[str, list[str]]:
    """checks.py with every hidden check cut out (decorator to last line); the names cut."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    cut: list[tuple[int, int]] = []
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and _is_hidden(node):
            start = min(d.lineno for d in node.decorator_list) - 1
            cut.append((start, node.end_lineno or node.lineno))
            names.append(node.name)
    for start, end in reversed(cut):
        del lines[start:end]
    return HEADER + "".join(lines), names
