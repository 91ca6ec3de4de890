"""Results of a lab proven on another machine (wifi, in the lab VM) taken into this machine's
results file: only the labs asked for, each marked with where and when it ran."""

import json

import pytest

from .benchmarks import load

lab_results = load("lab_results")


def _file(tmp_path, labs):
    p = tmp_path / "vm.json"
    p.write_text(json.dumps({"machine": "netdojo-vm 6.1.0, 2 CPUs", "when": "2026-12-06 06:23",
                             "labs": [{"lab": x, "ok": True} for x in labs]}))
    return p


def test_only_the_labs_asked_for_come_back_marked_with_their_machine(tmp_path):
    got = lab_results.taken(_file(tmp_path, ["wifi", "dns"]), ["wifi"])
    assert got == {"wifi": {"lab": "wifi", "ok": True, "machine": "netdojo-vm 6.1.0, 2 CPUs",
                            "when": "2026-12-06 06:23"}}
    doc = {"machine": "host 6.18, 2 CPUs", "labs": [{"lab": "dns"}, got["wifi"]]}
    assert lab_results.elsewhere(doc) == ["- **wifi**: netdojo-vm 6.1.0, 2 CPUs, 2026-12-06 06:23"]


def test_a_file_without_the_lab_or_not_a_results_file_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match="no result for wifi"):
        lab_results.taken(_file(tmp_path, ["dns"]), ["wifi"])
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(SystemExit, match="not a lab proof's results file"):
        lab_results.taken(tmp_path / "bad.json", ["wifi"])
