"""Issue 11's benchmark: the lab VM's image (size, cold and warm build), its boot to SSH, and
netem's link fidelity measured inside it next to the userspace shaper's on this host.
Writes results/vm.json and results/vm.md.

    .venv/bin/python benchmarks/bench_vm.py [--keep-image | --boots-only] [--boots 3]   (as root)

--keep-image skips the cold build (uses the image in .vm/ as it is); --boots-only measures the
boots alone (the image brought up to date first) and keeps the other figures of vm.json.
Not a test: it reports figures; the README and docs/vm/README.md quote them."""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from netdojo.vm import qemu
from netdojo.vm.image import build
from netdojo.vm.remote import Target
from netdojo.vm.state import VmDir

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results"
CHANGE = ROOT / "docs" / "vm" / ".bench-change"  # a new file in the checkout: stage 2 only


def _build(vm: VmDir, label: str) -> dict:
    t = time.monotonic()
    res = build(vm, log=lambda m: print(f"  [{label}] {m}", flush=True))
    return {"what": label, "seconds": round(time.monotonic() - t, 1), "made": res.built,
            "size_mb": round(res.size_bytes / 1e6), "apparent_mb": round(res.apparent_bytes / 1e6)}


def _boots(vm: VmDir, n: int) -> list[dict]:
    """Each boot a first boot (a fresh overlay), timed to SSH, and on to a lab checked: the
    reference solution of arp-routing to full marks, its scripts sandboxed over the lab image's
    files — what a student's first `vm up` and first check wait for (issue 18.6: ≤ 90 s)."""
    rows = []
    for i in range(n):
        t0 = time.monotonic()
        st = qemu.up(vm, fresh=True, log=lambda m, n=i + 1: print(f"  [boot {n}] {m}", flush=True))
        code, out, err = Target.vm(vm).exec(
            "cd /opt/netdojo && netdojo lab check arp-routing --student s042 "
            "--dir labs/arp-routing/solution", timeout=900)
        first_lab = time.monotonic() - t0
        if code != 0 or "full marks" not in out:
            raise SystemExit(f"the first lab check in the VM failed:\n{out[-2000:]}{err[-1000:]}")
        rows.append({"accel": st["accel"], "boot_s": st["boot_s"],
                     "images_s": st.get("images_s"), "first_lab_s": round(first_lab, 1)})
        qemu.down(vm)
    return rows


def _fidelity_in_vm(vm: VmDir) -> dict:
    qemu.up(vm, fresh=True, log=print)
    try:
        t = Target.vm(vm)
        print("  fidelity inside the VM (benchmarks/bench_core.py --only fidelity)", flush=True)
        code, out, err = t.exec("cd /opt/netdojo && .venv/bin/python benchmarks/bench_core.py "
                                "--only fidelity --shapers netem", timeout=3600)
        if code != 0:
            raise SystemExit(f"bench_core in the VM failed:\n{out[-2000:]}{err[-2000:]}")
        _, text, _ = t.exec("cat /opt/netdojo/benchmarks/results/core.json")
        _, virt, _ = t.exec("systemd-detect-virt; uname -r")
        res = json.loads(text)
        res["virt"] = " ".join(virt.split())
        return res
    finally:
        qemu.down(vm)


def _rtt(r: dict) -> str:
    err = r["rtt_median_ms"] - r["rtt_configured_ms"]
    return f"{r['rtt_median_ms']} ms ({err:+.2f}{'' if r['pass'] else ', outside the band'})"


def _rate(r: dict) -> str:
    return f"{r['goodput_mbps']:.1f} ({r['ratio'] * 100:.0f} %{'' if r['pass'] else ', below 90 %'})"


def _loss(r: dict) -> str:
    lo, hi = r["interval_99"]
    return (f"{r['lost']} / {r['probes']} ({'in' if r['pass'] else 'outside'} "
            f"[{lo:.0f}, {hi:.0f}])")


def markdown(res: dict) -> str:
    lines = [f"# Lab VM (issue 11) — {res['date']}, host {res['host']}", "",
             "Measured by `benchmarks/bench_vm.py`. The VM runs under "
             f"**{res['accel'].upper()}**" + (f" ({res['kvm']})" if res.get("kvm") else "")
             + ".", "", "## Image and build", "",
             "| build | made | time | image on disk | apparent (sparse) |", "|---|---|---|---|---|"]
    for b in res["builds"]:
        lines.append(f"| {b['what']} | {', '.join(b['made']) or 'nothing'} | {b['seconds']} s | "
                     f"{b['size_mb']} MB | {b['apparent_mb']} MB |")
    boots = [b["boot_s"] for b in res["boots"]]
    lines += ["", "## Boot to SSH", "",
              f"{len(boots)} boots from the image as built (`vm up --fresh`): median "
              f"**{statistics.median(boots):.1f} s** (all: {', '.join(f'{b:.1f}' for b in boots)}"
              f" s), under {res['accel'].upper()}"
              + (f" (measured {res['boots_date']})" if res.get("boots_date") else "")
              + ". A KVM guest boots to SSH in a few seconds; TCG emulates every instruction.",
              ""]
    firsts = [b["first_lab_s"] for b in res["boots"] if b.get("first_lab_s") is not None]
    if firsts:
        lines += [f"From `vm up` on a fresh overlay to the first lab checked (arp-routing's "
                  "reference solution to full marks, its scripts sandboxed over the lab "
                  f"image's files): median **{statistics.median(firsts):.1f} s** (all: "
                  f"{', '.join(f'{x:.1f}' for x in firsts)} s; limit 90 s). The lab images are "
                  "in the image's Docker store and unpacked for the sandbox at build time "
                  "(`vm/preload.py`): nothing is loaded at first boot, where `docker load` "
                  "took 150–190 s under TCG before 2026-12-03.", ""]
    loads = [b["images_s"] for b in res["boots"] if b.get("images_s") is not None]
    if loads:
        lines += ["Each of those boots was a first boot, so `vm up` then waited for the lab "
                  "images saved in the image to load into the VM's Docker engine (`docker "
                  "load`, once per fresh overlay; a lab started earlier would find no image): "
                  f"median **{statistics.median(loads):.1f} s** more (all: "
                  f"{', '.join(f'{x:.1f}' for x in loads)} s). A later boot of the same overlay "
                  "skips it.", ""]
    lines += ["## Link fidelity: netem inside the VM, next to the userspace shaper on the host",
              "", f"Inside the VM ({res['vm']['virt']}), the same `bench_core.py --only "
              "fidelity` the host runs. Host figures: `results/core.json` "
              f"({res['host_core_date']}).", ""]
    vm_f, host_f = res["vm"]["fidelity"], res["host_fidelity"]
    lines += ["| delay one way | RTT configured | netem in VM (TCG) | userspace on host |",
              "|---|---|---|---|"]
    for row in vm_f.get("netem", {}).get("delay", []):
        h = next((x for x in host_f.get("delay", []) if x["delay_ms"] == row["delay_ms"]), None)
        lines.append(f"| {row['delay_ms']} ms | {row['rtt_configured_ms']} ms | "
                     f"{_rtt(row)} | " + (_rtt(h) if h else "—") + " |")
    lines += ["", "| rate | netem + htb in VM (TCG) | userspace on host |", "|---|---|---|"]
    for row in vm_f.get("netem", {}).get("rate", []):
        h = next((x for x in host_f.get("rate", []) if x["bw_mbps"] == row["bw_mbps"]), None)
        lines.append(f"| {row['bw_mbps']} Mbit/s | {_rate(row)} | "
                     + (_rate(h) if h else "—") + " |")
    lines += ["", "| loss each way | netem in VM: lost / probes | userspace on host |",
              "|---|---|---|"]
    for row in vm_f.get("netem", {}).get("loss", []):
        h = next((x for x in host_f.get("loss", [])
                  if x["loss_pct_each_way"] == row["loss_pct_each_way"]), None)
        lines.append(f"| {row['loss_pct_each_way']} % | {_loss(row)} | "
                     + (_loss(h) if h else "—") + " |")
    rows = vm_f.get("netem", {}).get("delay", [])
    worst = max((r["rtt_median_ms"] - r["rtt_configured_ms"] for r in rows), default=0.0)
    lines += ["", f"Under TCG the emulated CPU's timers fire late: netem's RTT comes out up to "
              f"{worst:.1f} ms long here (two netem stages, one each way, plus the unshaped "
              "path's ~0.4 ms), and htb delivers less than configured from 10 Mbit/s up. Loss "
              "stays inside its interval. The tests (`tests/integration/test_vm.py`) assert "
              "the shaper's effect there (the configured delay on top of the unshaped path, "
              "the rate capped), and skip the absolute bands TCG misses as \"needs KVM\" "
              "with their figures.", ""]
    return "\n".join(lines)


def rewrite() -> None:
    """results/vm.md again from results/vm.json (after a change to the page only)."""
    (OUT / "vm.md").write_text(markdown(json.loads((OUT / "vm.json").read_text())))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep-image", action="store_true")
    ap.add_argument("--boots-only", action="store_true")
    ap.add_argument("--boots", type=int, default=3)
    a = ap.parse_args()
    vm = VmDir.at()
    if qemu.status(vm):
        qemu.down(vm)
    if a.boots_only:
        _build(vm, "up to date")
        res = json.loads((OUT / "vm.json").read_text())
        res["boots"] = _boots(vm, a.boots)
        res["boots_date"] = time.strftime("%Y-%m-%d")
        (OUT / "vm.json").write_text(json.dumps(res, indent=1) + "\n")
        (OUT / "vm.md").write_text(markdown(res))
        print((OUT / "vm.md").read_text())
        return 0
    builds = []
    if not a.keep_image:
        shutil.rmtree(vm.dir, ignore_errors=True)
        builds.append(_build(vm, "cold (nothing cached)"))
    builds.append(_build(vm, "warm, nothing changed"))
    CHANGE.write_text("a file the benchmark adds, to rebuild stage 2 only\n")
    try:
        builds.append(_build(vm, "warm, one source file changed"))
    finally:
        CHANGE.unlink()
    builds.append(_build(vm, "back to the checkout as it is"))
    boots = _boots(vm, a.boots)
    inside = _fidelity_in_vm(vm)
    host = json.loads((OUT / "core.json").read_text())
    kvm_note = (vm.dir / "kvm-broken").read_text().strip() if (vm.dir / "kvm-broken").is_file() \
        else ""
    res = {"date": time.strftime("%Y-%m-%d"),
           "host": f"Linux {platform.release()}, {platform.machine()}, "
                   f"{subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} "
                   "cores",
           "accel": boots[0]["accel"], "kvm": kvm_note, "builds": builds, "boots": boots,
           "vm": inside, "host_fidelity": host.get("fidelity", {}).get("userspace", {}),
           "host_core_date": host.get("date", "?")}
    (OUT / "vm.json").write_text(json.dumps(res, indent=1) + "\n")
    (OUT / "vm.md").write_text(markdown(res))
    print((OUT / "vm.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
