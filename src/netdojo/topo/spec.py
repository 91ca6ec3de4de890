"""Reading netdojo's YAML files (topologies, labs, answers, scenarios) into values that know
their line, with bounds a hostile file cannot pass.

Every file a person hands netdojo goes through `parse_yaml`.  Before anything is built from
it, the file's event stream is walked once without recursion: nesting deeper than MAX_DEPTH,
or aliases (`&a` … `*a`) that would expand to more than MAX_VALUES values (the "billion laughs"
file: nine levels of nine aliases is 387 million values), end in one line naming the file and
the place — in milliseconds, before a byte of the expansion is made.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from netdojo.errors import SpecError

MAX_BYTES = 4 << 20
MAX_DEPTH = 64
MAX_VALUES = 200_000


class Map(dict):
    """A mapping that remembers the line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class Seq(list):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Map:
    m = Map()
    m.line = node.start_mark.line + 1
    m.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            if key in m:
                raise SpecError(f"duplicate key {key!r}", loader.name, key_node.start_mark.line + 1)
        except TypeError:  # a list or mapping as a key: unhashable
            raise SpecError("a key must be a word or a number, not a list or mapping",
                            loader.name, key_node.start_mark.line + 1) from None
        m[key] = loader.construct_object(value_node, deep=True)
        m.key_lines[key] = key_node.start_mark.line + 1
    return m


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    s = Seq(loader.construct_object(child, deep=True) for child in node.value)
    s.line = node.start_mark.line + 1
    s.item_lines = [child.start_mark.line + 1 for child in node.value]
    return s


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def check_keys(m: Map, allowed: set[str] | frozenset[str], what: str, source: str) -> None:
    """The one unknown-key check: the first key not in `allowed`, with its line."""
    for key in m:
        if key not in allowed:
            raise SpecError(f"{what}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                            source, getattr(m, "key_lines", {}).get(key, m.line))


def read_text(path: str | Path, what: str, limit: int = MAX_BYTES) -> str:
    try:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise SpecError(f"cannot read {what}: {e.strerror}", str(path)) from None
    if len(raw) > limit:
        raise SpecError(f"this {what} is larger than {limit >> 20} MiB", str(path))
    if b"\0" in raw:
        raise SpecError(f"this {what} is not a text file (it holds binary data)", str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise SpecError(f"this {what} is not UTF-8 text (byte 0x{raw[e.start]:02x}); save it as "
                        "UTF-8", str(path), line) from None


def check_bounds(text: str, source: str) -> None:
    """Refuse deep nesting and alias expansion before the document is built (see above)."""
    anchors: dict[str, int] = {}
    stack: list[list] = []  # per open collection: [values so far, its anchor]
    total = 0
    for ev in yaml.parse(text, Loader=yaml.SafeLoader):
        line = ev.start_mark.line + 1 if ev.start_mark else None
        if isinstance(ev, yaml.CollectionStartEvent):
            stack.append([0, ev.anchor])
            if len(stack) > MAX_DEPTH:
                raise SpecError(f"nested more than {MAX_DEPTH} levels deep", source, line)
            continue
        if isinstance(ev, yaml.CollectionEndEvent):
            size, anchor = stack.pop()
            size += 1
            total += 1  # its values were counted as they came
        elif isinstance(ev, yaml.ScalarEvent):
            size, anchor = 1, ev.anchor
            total += 1
        elif isinstance(ev, yaml.AliasEvent):
            size, anchor = anchors.get(ev.anchor or "", 1), None
            total += size
        else:
            continue
        if total > MAX_VALUES:
            raise SpecError(f"it expands to more than {MAX_VALUES:,} values (aliases such as "
                            f"*{ev.anchor or 'name'} repeat what they name); write fewer", source, line)
        if anchor:
            anchors[anchor] = size
        if stack:
            stack[-1][0] += size


def parse_yaml(text: str, source: str, what: str) -> Map:
    """YAML → a mapping that knows the line of every key; any fault → SpecError with a line."""
    if len(text) > MAX_BYTES:
        raise SpecError(f"this {what} is larger than {MAX_BYTES >> 20} MiB", source)
    loader = _Loader(text)
    loader.name = source
    try:
        check_bounds(text, source)
        doc = loader.get_single_data()
    except SpecError:
        raise
    except yaml.MarkedYAMLError as e:
        line = e.problem_mark.line + 1 if e.problem_mark else None
        raise SpecError(f"not valid YAML: {e.problem}", source, line) from None
    except yaml.YAMLError as e:
        raise SpecError(f"not valid YAML: {e}", source) from None
    except RecursionError:  # a bound above should have caught it first
        raise SpecError(f"nested too deeply (more than {MAX_DEPTH} levels)", source) from None
    finally:
        loader.dispose()
    if not isinstance(doc, Map):
        raise SpecError(f"a {what} must be a mapping", source, 1)
    return doc
