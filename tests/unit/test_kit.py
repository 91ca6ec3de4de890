"""`netdojo lab kit`: what a student is handed holds no solution, no mutant, no hidden check and
no secret value, and is still a lab folder netdojo can read (its visible checks load)."""

import subprocess
import sys

import pytest
import yaml

from netdojo.errors import NetdojoError
from netdojo.labs.catalog import find_lab, lab_ids
from netdojo.labs.checks import load_checks
from netdojo.labs.kit import build
from netdojo.labs.values import values_for


@pytest.mark.parametrize("lab_id", lab_ids())
def test_a_kit_gives_nothing_away(lab_id, tmp_path):
    lab = find_lab(lab_id)
    files = build(lab, "s042", tmp_path / "kit")
    kit = tmp_path / "kit"
    assert not any(f.startswith("solution") or f == "mutants.yaml" for f in files)
    every = load_checks(lab.dir / "checks.py", lab.id).checks
    hidden = {c.name for c in every if not c.visible}
    assert hidden, f"{lab_id} has no hidden check to keep back"
    mine = load_checks(kit / "checks.py", lab.id).checks
    assert {c.name for c in mine} == {c.name for c in every} - hidden
    text = (kit / "checks.py").read_text()
    assert not any(f"def {h}(" in text for h in hidden)
    values = yaml.safe_load((kit / "my-values.yaml").read_text())
    secret = {p.name for p in lab.parameters if p.secret}
    assert values["student"] == "s042" and not secret & set(values)
    drawn = values_for(lab, "s042")
    assert all(drawn[k] == v for k, v in values.items() if k != "student")


def test_a_kit_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "x").write_text("mine")
    with pytest.raises(NetdojoError, match="is not empty"):
        build(find_lab("arp-routing"), "s1", tmp_path)


def test_the_cli_says_what_it_wrote(tmp_path):
    r = subprocess.run([sys.executable, "-m", "netdojo", "lab", "kit", "dns", "--student", "s7",
                        "-o", str(tmp_path / "k")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "no solution, no hidden check" in r.stdout and "Traceback" not in r.stderr


def test_a_path_that_is_a_file_is_one_line_not_a_traceback(tmp_path):
    (tmp_path / "afile").write_text("x")
    for args in (["lab", "kit", "dns", "--student", "s7", "-o", str(tmp_path / "afile")],
                 ["autograder", "classroom", "dns", "--netdojo-repo", "a/b",
                  "-o", str(tmp_path / "afile" / "classroom.yml")]):
        r = subprocess.run([sys.executable, "-m", "netdojo", *args], capture_output=True,
                           text=True)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.strip().count("\n") == 0 and "afile" in r.stderr, r.stderr
