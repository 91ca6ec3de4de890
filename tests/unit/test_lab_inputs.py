"""What a person writes for a lab, read with the file and line of each mistake: lab.yaml, the
files of a submission, and commands files.  No root, no network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netdojo.errors import SpecError
from netdojo.labs.catalog import find_lab
from netdojo.labs.commands import parse_commands
from netdojo.labs.loader import load_lab
from netdojo.labs.runner import render_topology
from netdojo.labs.submission import read_submission


# ----- lab.yaml mistakes name the file and line ------------------------------------------------
def _lab_dir(tmp_path: Path, yaml_text: str, name: str = "demo") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "lab.yaml").write_text(yaml_text)
    (d / "topology.yaml").write_text("name: t\nnodes: {h1: {}, h2: {}}\nlinks: [{endpoints: [h1, h2]}]\n")
    return d


GOOD = """id: demo
title: {en: Demo, ko: 데모}
topology: topology.yaml
files:
  answers.yaml: {kind: answers}
"""


def test_a_good_lab_yaml_loads(tmp_path):
    lab = load_lab(_lab_dir(tmp_path, GOOD))
    assert lab.id == "demo" and lab.files[0].kind == "answers"


@pytest.mark.parametrize("text,message,line", [
    (GOOD + "colour: red\n", "unknown key 'colour'", 6),
    (GOOD.replace("kind: answers", "kind: essay"), "kind must be one of", 5),
    (GOOD.replace("id: demo", "id: other"), "must match the folder", 1),
    (GOOD + "parameters:\n  x: {choice: []}\n", "choice must be a non-empty list", 7),
    (GOOD + "parameters:\n  x: {range: [5, 1]}\n", "lo <= hi", 7),
    (GOOD.replace("answers.yaml: {kind: answers}", "../x: {kind: answers}"), "plain file name",
     5),
    (GOOD + "  run.sh: {kind: script}\n", "names the node", 6),
    (GOOD.replace("{kind: answers}", "{kind: answers, path: /etc/x}"), "only a config has a "
     "'path'", 5),
])
def test_lab_yaml_mistakes_are_reported_with_their_line(tmp_path, text, message, line):
    with pytest.raises(SpecError, match=re.escape(message)) as e:
        load_lab(_lab_dir(tmp_path, text))
    assert e.value.line == line and e.value.source.endswith("lab.yaml")


def test_an_unknown_placeholder_in_a_lab_topology_is_named(tmp_path):
    d = _lab_dir(tmp_path, GOOD)
    (d / "topology.yaml").write_text("name: t\nnodes: {h1: {}}\npool: ${nope}\n")
    with pytest.raises(SpecError, match=r"\$\{nope\} is not a parameter"):
        render_topology(load_lab(d), {})


# ----- submissions -----------------------------------------------------------------------------
def test_submission_problems_name_the_file_and_what_to_do(tmp_path):
    lab = find_lab("arp-routing")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "answers.yaml").write_bytes(b"gateway_mac: \xff\xfe\n")
    (sub / "notes.txt").write_text("my notes")
    s = read_submission(lab, sub, ["h1", "r1"])
    assert "missing — hand in routing.sh (or make-routes.sh" in s["routing.sh"].error
    assert "not UTF-8 text (byte 0xff at offset 13)" in s["answers.yaml"].error
    assert s.ignored == ["notes.txt"]
    assert s["measure.sh"].error is None and s["measure.sh"].text is None  # optional

    (sub / "answers.yaml").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00")
    (sub / "routing.sh").write_text("r1 ip route add 10.0.0.0/24 via 10.0.1.1\n")
    s = read_submission(lab, sub, ["h1", "r1"])
    assert "not a text file" in s["answers.yaml"].error
    assert s["routing.sh"].ok and str(s["routing.sh"].data[0]) == \
        "r1 ip route add 10.0.0.0/24 via 10.0.1.1"

    (sub / "answers.yaml").write_text("gateway_mac: [unclosed\n")
    assert "not valid YAML" in read_submission(lab, sub, ["h1", "r1"])["answers.yaml"].error

    (sub / "answers.yaml").unlink()
    (sub / "answers.yaml").symlink_to("/etc/passwd")
    assert "symbolic link" in read_submission(lab, sub, ["h1"])["answers.yaml"].error

    (sub / "answers.yaml").unlink()
    (sub / "answers.yaml").write_bytes(b"a: 1\n" * 300_000)
    assert "larger than" in read_submission(lab, sub, ["h1"])["answers.yaml"].error


# ----- commands files --------------------------------------------------------------------------
ALLOW = ["ip route add", "ip route del"]


def test_commands_are_parsed_with_their_lines():
    cmds = parse_commands("# routes\n\nh1 ip route add default via 10.0.1.1  # gw\n"
                          "r1 ip route add 10.0.3.0/24 via 10.0.12.2 dev eth1\n",
                          "routing.sh", ["h1", "r1"], ALLOW)
    assert [(c.line, c.node, c.argv[-1]) for c in cmds] == [(3, "h1", "10.0.1.1"),
                                                            (4, "r1", "eth1")]


@pytest.mark.parametrize("line,message", [
    ("r9 ip route add default via 1.2.3.4", "'r9' is not a node"),
    ("h1 rm -rf /", "only these commands are allowed"),
    ("h1 ip -n other route add default via 1.2.3.4", "only these commands are allowed"),
    ("h1 ip route add default via 1.2.3.4 netns x", "'netns' is not allowed"),
    ("h1 ip route add default via 1.2.3.4 -batch f", "'-batch' is not allowed"),
    ("h1 ip route add 'unclosed", "cannot split this line"),
])
def test_commands_outside_the_lab_are_refused(line, message):
    with pytest.raises(SpecError, match=re.escape(message)) as e:
        parse_commands("# first\n" + line + "\n", "routing.sh", ["h1", "r1"], ALLOW)
    assert e.value.line == 2
