"""The committed arm64 lab VM run (scripts/vm-arm64.sh, issue 22.3) holds for the arm64 build's
files as they are now: the guest was arm64, booted to SSH, had the lab image it built itself,
and checked a lab to full marks."""

import json

from .benchmarks import RESULTS, hashes_every_file, load

RESULTS_FILE = RESULTS / "vm_arm64.json"


def _bench():
    return load("bench_vm_arm64")


def test_the_arm64_vm_booted_and_checked_a_lab_with_todays_build_files():
    r = json.loads(RESULTS_FILE.read_text())
    assert r["arm64_hash"] == _bench().arm64_hash(), (
        "the arm64 build changed since its committed run: bash scripts/vm-arm64.sh "
        "(about an hour on 2 cores)")
    assert r["guest"][0] == "aarch64" and r["guest"][1].endswith("-arm64"), r["guest"]
    assert r["guest"][2] == "arm64", r["guest"]  # the guest's own Docker engine
    assert "netdojo/node:latest" in r["guest"][3:], r["guest"]
    assert r["boot_s"] > 0 and r["accel"] in ("tcg", "hvf", "kvm")
    assert r["check_rc"] == 0 and r["full_marks"], r["tail"]


def test_the_hash_follows_every_arm64_build_file(tmp_path, monkeypatch):
    bench = _bench()
    assert hashes_every_file(bench, "arm64_hash", bench.ARM64_FILES, tmp_path, monkeypatch)
