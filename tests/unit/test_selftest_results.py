"""The committed mutation self-tests (scripts/lab-proofs.sh selftest → benchmarks/results/selftest.json)
hold for the labs as they are now: a lab with mutants must have a result made from its current
files, and that result must prove every check.  Also the mutants file's own errors."""

import json
import shutil
from pathlib import Path

import pytest

from netdojo.errors import SpecError
from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.fingerprint import checks_hash
from netdojo.labs.selftest import Mutant, apply_edits, judge, load_mutants

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results" / "selftest.json"


def committed() -> dict[str, dict]:
    return {r["lab"]: r for r in json.loads(RESULTS.read_text())["labs"]}


@pytest.mark.parametrize("lab_id", [i for i in lab_ids() if (find_lab(i).dir / "mutants.yaml").exists()])
def test_a_lab_with_mutants_has_a_current_result_where_every_mutant_is_killed(lab_id):
    """Every declared mutant killed, alone.  Checks with no mutant are allowed but listed (in
    the results and in the lab's mutants.yaml, with the reason): the issue's gap, not hidden."""
    lab = find_lab(lab_id)
    got = committed().get(lab_id)
    assert got is not None, f"no self-test result for {lab_id}: run scripts/lab-proofs.sh selftest {lab_id}"
    assert got["checks_hash"] == checks_hash(lab), (
        f"{lab_id} changed since its self-test: run scripts/lab-proofs.sh selftest {lab_id}")
    bad = [(m["check"], m["verdict"], m["message"]) for m in got["mutants"] if m["verdict"] != "killed"]
    assert got["mutants"] and not bad, bad
    assert got["ok"] == (not got["unproven"])
    text = (lab.dir / "mutants.yaml").read_text()
    assert all(name in text for name in got["unproven"]), "say in mutants.yaml why a check has none"
    assert {m["check"] for m in got["mutants"]} == {m.check for m in load_mutants(lab)}


def test_every_lab_is_in_the_table():
    have = committed()
    assert {i for i in lab_ids() if (find_lab(i).dir / "solution").is_dir()} <= set(have)


def lab_copy(tmp_path: Path, mutants: str):
    dst = tmp_path / "arp-routing"
    shutil.copytree(find_lab("arp-routing").dir, dst)
    (dst / "mutants.yaml").write_text(mutants)
    return find_lab(str(dst))


def test_a_mutant_of_no_check_or_of_nothing_is_one_line(tmp_path):
    with pytest.raises(SpecError, match="'nosuch' is not a check of arp-routing"):
        load_mutants(lab_copy(tmp_path, "nosuch: {why: x, answers: {a.yaml: {k: 1}}}\n"))
    with pytest.raises(SpecError, match="gateways: a mutant changes something"):
        load_mutants(lab_copy(tmp_path / "b", "gateways: {why: x}\n"))
    with pytest.raises(SpecError, match=r"answers is \{FILE: \{KEY: VALUE\}\}"):
        load_mutants(lab_copy(tmp_path / "c", "gateways: {why: x, answers: [1]}\n"))


def test_an_edit_whose_text_is_gone_makes_the_mutant_stale(tmp_path):
    (tmp_path / "s.sh").write_text("a\nb\na\n")
    assert "occurs 2 times" in apply_edits(tmp_path, Mutant("x", "y", [("s.sh", "a", "c")]))
    assert "occurs 0 times" in apply_edits(tmp_path, Mutant("x", "y", [("s.sh", "zz", "c")]))
    assert apply_edits(tmp_path, Mutant("x", "y", [("s.sh", "b", "c")])) is None
    assert (tmp_path / "s.sh").read_text() == "a\nc\na\n"


def test_a_worksheet_fix_keeps_the_self_test_but_a_check_edit_does_not(tmp_path):
    """The self-test result is bound to what grades (checks, lab.yaml, solution, starter…),
    not to the wording of the worksheets, which grade nothing."""
    from netdojo.labs.fingerprint import lab_hash
    lab = lab_copy(tmp_path, (find_lab("arp-routing").dir / "mutants.yaml").read_text())
    before, whole = checks_hash(lab), lab_hash(lab)
    (lab.dir / "README.ko.md").write_text("고친 문장\n")
    assert checks_hash(lab) == before and lab_hash(lab) != whole
    (lab.dir / "solution" / "README.md").write_text("x\n")  # only the top-level worksheets
    assert checks_hash(lab) != before
    checks = lab.dir / "checks.py"
    (lab.dir / "solution" / "README.md").unlink()
    assert checks_hash(lab) == before
    checks.write_text(checks.read_text() + "\n# edited\n")
    assert checks_hash(lab) != before


def test_also_names_the_checks_a_mutant_fails_with_by_design(tmp_path):
    with pytest.raises(SpecError, match="also names the other checks .* not nosuch"):
        load_mutants(lab_copy(tmp_path, "gateways: {why: x, answers: {a.yaml: {k: 1}}, "
                                        "also: [nosuch]}\n"))
    with pytest.raises(SpecError, match="not gateways"):
        load_mutants(lab_copy(tmp_path / "b", "gateways: {why: x, answers: {a.yaml: {k: 1}}, "
                                              "also: gateways}\n"))
    m = Mutant("transfer", "a window too small", also=["window"])
    said = {"transfer": "slow", "window": "too small", "rtt": "ok"}
    assert judge(m, {"transfer": 2, "window": 1}, said) == ("killed", "slow")
    verdict, msg = judge(m, {"transfer": 2}, said)  # the declared partner kept its points
    assert verdict == "collateral" and "window was to fail with it" in msg
    verdict, msg = judge(m, {"transfer": 2, "window": 1, "rtt": 1}, said)
    assert verdict == "collateral" and "also lost: rtt" in msg
    assert judge(m, {"window": 1}, said)[0] == "survived"
    assert judge(Mutant("rtt", "x"), {"rtt": 1}, said) == ("killed", "ok")
