"""Pure logic of the addressing-dhcp-nat lab: the class a first octet gives (A–E at their
boundaries), the class quiz's parameters giving every student a D or E address, and the newest
lease read from a dhclient lease file."""


from netdojo.labs.catalog import find_lab
from netdojo.labs.checks import load_checks
from netdojo.labs.values import draw
from netdojo.services.dhcp import newest_lease

LAB = find_lab("addressing-dhcp-nat")


def _checks():
    return load_checks(LAB.dir / "checks.py", LAB.id).module


def test_the_first_octet_gives_the_class_at_each_boundary():
    class_of = _checks().class_of
    edges = {1: "A", 127: "A", 128: "B", 191: "B", 192: "C", 223: "C", 224: "D", 239: "D",
             240: "E", 255: "E"}
    assert {o: class_of(o) for o in edges} == edges


def test_every_student_classifies_a_d_or_e_address_and_the_letters_vary():
    class_of = _checks().class_of
    firsts = [draw(LAB, f"s{i}") for i in range(40)]
    assert all(class_of(v["q1_octet"]) in "DE" for v in firsts)
    # no one letter answers q1 for nearly everyone, nor q2 (the constant sheet's chance)
    for q in ("q1_octet", "q2_octet"):
        letters = [class_of(v[q]) for v in firsts]
        assert max(letters.count(c) for c in set(letters)) <= 0.75 * len(letters), letters


def test_the_newest_lease_is_read_from_a_dhclient_lease_file():
    text = """lease {
  interface "eth0";
  fixed-address 10.9.50.120;
  option routers 10.9.50.1;
}
lease {
  interface "eth0";
  fixed-address 10.9.50.121;
  option routers 10.9.50.1;
  option domain-name-servers 10.9.50.53, 10.9.50.54;
}
"""
    assert newest_lease(text) == {"address": "10.9.50.121", "routers": "10.9.50.1",
                                  "dns": "10.9.50.53,10.9.50.54"}
    assert newest_lease("") == {"address": None, "routers": None, "dns": None}
