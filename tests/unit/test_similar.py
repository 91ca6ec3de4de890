"""grade similar: a config copied and adapted to the copier's values still shows."""

from netdojo.grade.similar import normalise, rank
from netdojo.labs.catalog import find_lab


def write(folder, text):
    folder.mkdir()
    (folder / "routing.sh").write_text(text)
    return folder


def routes(net: int, extra: str = "") -> str:
    return "\n".join([f"h1 ip route add default via 10.{net}.1.1",
                      f"r1 ip route add 10.{net}.2.0/24 via 10.{net}.12.2",
                      f"r1 ip route add 10.{net}.3.0/24 via 10.{net}.13.3",
                      f"r2 ip route add 10.{net}.1.0/24 via 10.{net}.12.1"]) + extra


def test_values_become_names_and_comments_go():
    assert normalise("h1 ip route add default via 10.238.1.1   # mine, alice\n\n",
                     {"net": 238, "detour": "h3"}, "alice") == \
        ["h1 ip route add default via 10.<net>.1.1"]


def test_a_copied_and_adapted_file_ranks_first(tmp_path):
    lab = find_lab("arp-routing")
    odd = "\nr3 ip route add 10.{n}.99.0/24 via 10.{n}.23.2\nr2 ip route add 10.{n}.98.0/24 via 10.{n}.23.3\n"
    folders = {"ann": write(tmp_path / "ann", routes(31, odd.format(n=31))),
               "ben": write(tmp_path / "ben", routes(77, odd.format(n=77))),  # ann's, adapted
               "cy": write(tmp_path / "cy", routes(45, "\nr3 ip route add 10.45.1.0/24 via 10.45.13.1")),
               "dee": write(tmp_path / "dee", routes(52, "\nr3 ip route add 10.52.2.0/24 via 10.52.23.2"))}
    values = {"ann": {"net": 31}, "ben": {"net": 77}, "cy": {"net": 45}, "dee": {"net": 52}}
    pairs = rank(lab, folders, values)
    assert (pairs[0].a, pairs[0].b) == ("ann", "ben")
    assert pairs[0].score == 1.0 and len(pairs[0].shared) == 2
    assert all(p.score < 1.0 for p in pairs[1:])  # the routes everyone wrote are set aside
