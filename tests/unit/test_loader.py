import textwrap

import pytest

from netdojo.errors import SpecError
from netdojo.topo import load_topology, parse_topology

GOOD = """\
name: t
nodes:
  h1: {kind: host}
  h2: {kind: host}
  s1: {kind: switch}
links:
  - {endpoints: [h1, s1], profile: wan}
  - {endpoints: ["h2:eth5", s1], bw: 5, delay: 3, loss: 1}
"""


def test_good_file_parses_with_profiles_and_overrides():
    t = parse_topology(GOOD, "t.yaml")
    assert set(t.nodes) == {"h1", "h2", "s1"}
    assert t.links[0].params.delay == 40 and t.links[0].profile == "wan"
    assert t.links[1].params.bw == 5 and t.links[1].a.ifname == "eth5"
    assert t.links[0].a.ifname == "eth0"  # unnamed interfaces get names


@pytest.mark.parametrize("text,line,words", [
    ("nodes:\n  h1: {}\nlinks:\n  - {endpoints: [h1, h9]}\n", 4, "unknown node 'h9'"),
    ("nodes:\n  h1: {}\n  h1: {}\n", 3, "duplicate key 'h1'"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], delay: -1}\n", 5, "delay"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], loss: 101}\n", 5, "loss"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], bw: 0}\n", 5, "bw must be > 0"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], profile: lunar}\n", 5,
     "unknown profile 'lunar'"),
    ("nodes:\n  h1: {kind: toaster}\n", 2, "unknown kind 'toaster'"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - endpoints: [h1, h2]\n    colour: red\n", 6,
     "unknown key 'colour'"),
    ("nodes: [oops\n", 2, "not valid YAML"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], ips: {h1: 10.0.0.1/24, "
     "h2: 10.0.0.1/24}}\n", 5, "given to both"),
    ("nodes:\n  s1: {kind: switch}\n  s2: {kind: switch}\nlinks:\n  - {endpoints: [s1, s2]}\n"
     "  - {endpoints: [s2, s1]}\n", 6, "loop"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: ['h1:e0', h2]}\n"
     "  - {endpoints: ['h1:e0', h2]}\n", 6, "used by two links"),
    ("nodes:\n  h1: {}\n  h2: {}\nlinks:\n  - {endpoints: [h1, h2], delay: fast}\n", 5,
     "must be a number"),
    ("nodes:\n  h1: {}\n  r1:\n    kind: router\n    restartable: true\n", 5,
     "'restartable' belong(s) on a container"),
])
def test_errors_name_file_line_and_problem(text, line, words):
    with pytest.raises(SpecError) as e:
        parse_topology(text, "bad.yaml")
    assert e.value.source == "bad.yaml"
    assert e.value.line == line, str(e.value)
    assert words in str(e.value)
    assert str(e.value).startswith(f"bad.yaml:{line}:")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SpecError, match="cannot read topology"):
        load_topology(tmp_path / "nope.yaml")


def test_shipped_topologies_all_validate(repo):
    files = sorted((repo / "topologies").glob("*.yaml"))
    assert len(files) >= 6
    for f in files:
        load_topology(f)


def test_explicit_addresses_and_routes(tmp_path):
    f = tmp_path / "x.yaml"
    f.write_text(textwrap.dedent("""\
        nodes:
          a: {kind: host, gateway: 192.0.2.1}
          r: {kind: router, routes: [{dst: 198.51.100.0/24, via: 192.0.2.2}]}
        links:
          - {endpoints: [a, r], ips: {a: 192.0.2.10/24, r: 192.0.2.1/24}}
        """))
    t = load_topology(f)
    assert str(t.links[0].a.ip) == "192.0.2.10/24"
    assert str(t.nodes["r"].routes[0].dst) == "198.51.100.0/24"


def test_python_topology_file(repo, tmp_path):
    from netdojo.topo.resolve import resolve

    t = resolve(str(repo / "topologies" / "dumbbell.py"))
    assert t.name == "dumbbell" and len(t.hosts()) == 6
    assert resolve("dumbbell").name == "dumbbell"
    bad = tmp_path / "bad.py"
    bad.write_text("raise ValueError('nope')\n")
    with pytest.raises(SpecError, match=r"bad\.py: running the file failed: ValueError: nope"):
        resolve(str(bad))
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(SpecError, match="must define topology"):
        resolve(str(empty))


def test_generator_specs_and_unknown_names():
    from netdojo.topo.resolve import resolve

    assert len(resolve("tree,2,3").hosts()) == 9
    assert resolve("mesh,5,partial").name == "mesh5partial"
    with pytest.raises(SpecError, match="generator 'ring,2'"):
        resolve("ring,2")
    with pytest.raises(SpecError, match="no topology 'nowhere'"):
        resolve("nowhere")
