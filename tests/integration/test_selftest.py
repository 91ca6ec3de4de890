"""A lab's mutation self-test run for real (issue 17.6): arp-routing's six mutants, each caught
by its own check alone; `--only` runs one.  Every lab's full run is scripts/lab-proofs.sh selftest."""

import json

from .helpers import cli


def test_arp_routing_proves_every_check(tmp_path, clean):
    out = tmp_path / "selftest.json"
    r = cli("lab", "selftest", "arp-routing", "--json", str(out), timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["ok"] and not doc["unproven"]
    assert len(doc["mutants"]) == 6
    assert all(m["verdict"] == "killed" and list(m["lost"]) == [m["check"]] for m in doc["mutants"])
    assert "6 of 6 mutants killed" in r.stdout and "all checks proven" in r.stdout
