"""The committed run of the README's two commands on Debian 13 (benchmarks/bench_distro.py,
issue 22.5) holds for the install files as they are now, and both commands passed there."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "distro.json"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_distro",
                                                  ROOT / "benchmarks" / "bench_distro.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# What the committed Debian 13 run (2026-12-03) did not pass, each with why.  Issue 22.5 stays
# open until this is empty; a failure that appears here or leaves makes this test fail until
# the list says so.
KNOWN_FAILED = {
    # a student script's `netdojo exec NODE -- CMD` over the sandbox channel printed nothing
    # on Debian 13 (bubblewrap 0.11, iproute2 6.15); `ip netns exec` itself works there.
    # Not found yet.
    "test_channel_reaches_only_this_runs_nodes_and_links",
    # artefacts of that run, not of Debian 13: this test read the previous run's result (now
    # deselected in the run), and topologies' free-points result was committed after the
    # checkout was copied
    "test_debian_13_ran_both_readme_commands_with_todays_install_files",
    "test_examples_and_constant_answers_earn_nothing[topologies]",
}


def test_debian_13_ran_both_readme_commands_with_todays_install_files():
    runs = {r["suite"]: r for r in json.loads(RESULTS.read_text())["runs"]}
    r = runs["trixie"]
    assert "Debian GNU/Linux 13" in r["os"], r["os"]
    assert r["install_hash"] == _bench().install_hash(), (
        "an install file changed since the Debian 13 run: .venv/bin/python "
        "benchmarks/bench_distro.py (about 10 min)")
    # the demo installed everything and ran end to end to its report; exit 3 is its verdict
    # that a failover target was missed (tuned cut detection 2.68 s for 2.3 s, on a host
    # busy with another benchmark), not an install failure
    assert r["demo_rc"] in (0, 3) and any(ln.startswith("report: ") for ln in r["tail"]), r
    assert " passed" in r["pytest"], r["pytest"]
    assert set(r["failed"]) == KNOWN_FAILED, r["failed"]
    # the release the issue is about: Python managed by Debian, so pip only inside the venv
    assert r["externally_managed"] and r["python"].startswith("Python 3.13"), r


def test_the_install_hash_follows_every_install_file(tmp_path, monkeypatch):
    bench = _bench()
    before = bench.install_hash()
    for name in bench.INSTALL_FILES:
        copy = tmp_path / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes((ROOT / name).read_bytes())
    monkeypatch.setattr(bench, "ROOT", tmp_path)
    assert bench.install_hash() == before
    (tmp_path / "scripts" / "install.sh").write_text("changed\n")
    assert bench.install_hash() != before
