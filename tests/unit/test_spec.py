"""The YAML reader's bounds: a hostile answers file ends in one line, fast and small."""

import resource
import time

import pytest

from netdojo.errors import SpecError
from netdojo.topo.spec import MAX_DEPTH, parse_yaml, read_text


def laughs(levels: int = 9, width: int = 9) -> str:
    """The nested-alias file of the trust issue: width**levels values once expanded."""
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_at_once_with_a_line():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(SpecError) as e:
        parse_yaml(laughs(), "answers.yaml", "answers file")
    assert time.monotonic() - t0 < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB
    text = str(e.value)
    assert text.startswith("answers.yaml:") and "expands to more than" in text
    assert "\n" not in text


@pytest.mark.parametrize("text", ["x: " + "[" * 50_000 + "]" * 50_000,
                                  "x: " + "{a: " * 5_000 + "1" + "}" * 5_000])
def test_deep_nesting_is_refused_with_the_file_name_not_a_recursion_error(text):
    with pytest.raises(SpecError) as e:
        parse_yaml(text, "answers.yaml", "answers file")
    assert str(e.value) == f"answers.yaml:1: nested more than {MAX_DEPTH} levels deep"


def test_ordinary_aliases_and_nesting_still_read():
    doc = parse_yaml("a: &x {b: [1, 2]}\nc: *x\nd: " + "[" * 20 + "]" * 20 + "\n", "f.yaml", "file")
    assert doc["c"] == {"b": [1, 2]} and doc.key_lines == {"a": 1, "c": 2, "d": 3}


def test_a_list_as_a_key_is_one_line_not_a_type_error():
    with pytest.raises(SpecError, match="a key must be a word"):
        parse_yaml("? [a, b]\n: 1\n", "f.yaml", "file")


def test_a_huge_file_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "answers.yaml"
    big.write_bytes(b"a: 1\n" * (1 << 20))
    with pytest.raises(SpecError, match="larger than 4 MiB"):
        read_text(big, "answers file")
