"""Answers given as a mapping — one value per version, per path, per layer — read so that a
missing or malformed one costs its check with one line that says what to write."""

from __future__ import annotations

from typing import Any

from netdojo.labs.checks import CheckFailure


def block_of(ctx: Any, key: str) -> dict:
    """answers.yaml's mapping under `key`; a check reading it fails when it is missing."""
    block = ctx.answers().get(key)
    if not isinstance(block, dict) or not block:
        raise CheckFailure(f"answers.yaml: {key} needs one value per version — fill it in")
    return block


def number_in(block: dict, key: str, where: str) -> float | None:
    """block[key] as a number; None when left blank; a failure naming `where.key` otherwise."""
    value = block.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise CheckFailure(f"answers.yaml: {where}.{key} = {value!r} is not a number") from None
