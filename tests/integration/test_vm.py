"""Issue 11 on a real VM: the image built from Debian's archive, booted with QEMU (TCG where KVM
does not work, as on this machine kind), driven over SSH with paramiko; a lab checked inside it
from the host; the netem path's fidelity tests run inside it (this host's kernel has no
sch_netem) with their JUnit XML brought back over SFTP; known-hosts checking; and nothing of
the VM left running after `vm down`.

The image is cached in the checkout's .vm/ (gitignored), so a second run only boots."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from netdojo.errors import NetdojoError
from netdojo.labs.catalog import find_lab
from netdojo.vm import qemu
from netdojo.vm.remote import Target
from netdojo.vm.state import VmDir

from .helpers import cli, popen_cli, wait_for_line, wait_until

LAB = find_lab("arp-routing")
IN_VM_TESTS = ["tests/integration/test_shaping.py", "tests/integration/test_mininet_builder.py"]


@pytest.fixture(scope="module")
def vm():
    if not shutil.which("qemu-system-x86_64") or not shutil.which("mmdebstrap"):
        pytest.skip("no QEMU or mmdebstrap: scripts/install-vm.sh installs them")
    d = VmDir.at()
    # with the lab image: the build loads it into the image's Docker store (vm/preload.py)
    r = cli("vm", "build", timeout=1500)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "vm image" in r.stdout and "MB on disk" in r.stdout, r.stdout
    if qemu.status(d):
        qemu.down(d)
    r = cli("vm", "up", "--fresh", timeout=900)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    yield d
    qemu.down(d)


def test_a_lab_checked_in_the_vm_from_the_host_scores_full_marks(vm):
    r = cli("vm", "run", "--", "lab", "check", "arp-routing", "--dir",
            str(LAB.dir / "solution"), timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "10/10 points (100 %)" in r.stdout and "sent" in r.stderr, r.stdout[-800:]
    # a failing command's exit code comes back as its own
    r = cli("vm", "run", "--", "lab", "check", "arp-routing", "--dir",
            str(LAB.dir / "starter"), timeout=600)
    assert r.returncode == 1 and "(100 %)" not in r.stdout, r.stdout[-800:]


def test_the_wifi_lab_runs_on_hwsim_radios_in_the_vm_and_leaves_none(vm):
    """Issue 19: Debian's kernel has mac80211_hwsim (this host's has not): APs of the student's
    hostapd configs, stations that join and roam, the airtime measured; then no radio, no
    namespace and no container is left in the VM."""
    wifi = find_lab("wifi")
    r = cli("vm", "run", "--", "lab", "check", "wifi", "--student", "alice", "--dir",
            str(wifi.dir / "solution"), timeout=900)
    assert r.returncode == 0 and "10/10 points (100 %)" in r.stdout, \
        r.stdout[-2500:] + r.stderr[-1500:]
    assert "sta1 roamed to ap2" in r.stdout, r.stdout[-2500:]
    r = cli("vm", "run", "--", "lab", "check", "wifi", "--student", "alice", "--dir",
            str(wifi.dir / "starter"), timeout=900)
    assert r.returncode == 1 and "0/10 points" in r.stdout, r.stdout[-2500:]
    assert "ap1 sends SSID 'CHANGE-ME'" in r.stdout, r.stdout[-2500:]
    r = cli("vm", "ssh", "--", "sh", "-c", "ls /sys/class/ieee80211; ip netns; "
            "docker ps -aq", timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout + r.stderr


def test_the_first_boot_has_the_lab_image_and_starts_container_nodes(vm, tmp_path):
    """Nothing is loaded at first boot: the image is in the VM's store already, and a run of
    container nodes starts on it (Debian's kernel has AppArmor on: dockerd needs its
    apparmor_parser, which the image carries)."""
    r = cli("vm", "run", "--", "images", "list", timeout=120)
    assert r.returncode == 0 and "netdojo/node:latest" in r.stdout, r.stdout + r.stderr
    topo = tmp_path / "three.yaml"
    topo.write_text("name: three\nnodes:\n  s1: {kind: switch}\n  a: {kind: container}\n"
                    "  b: {kind: container}\nlinks:\n  - {endpoints: [a, s1]}\n"
                    "  - {endpoints: [b, s1]}\n")
    try:
        r = cli("vm", "run", "--", "up", str(topo), "--detach", timeout=600)
        assert r.returncode == 0 and "three up in" in r.stdout, r.stdout[-1500:] + r.stderr[-1500:]
        r = cli("vm", "run", "--", "exec", "a", "--", "ping", "-c", "1", "-W", "5", "b",
                timeout=120)
        assert r.returncode == 0 and "1 received" in r.stdout, r.stdout + r.stderr
    finally:
        r = cli("vm", "run", "--", "down", timeout=300)
    assert r.returncode == 0 and "removed" in r.stdout, r.stdout + r.stderr


def test_a_grading_run_in_the_vm_brings_its_gradebook_back(vm, tmp_path):
    klass = tmp_path / "class"
    shutil.copytree(LAB.dir / "solution", klass / "alice")
    out = tmp_path / "grades"
    r = cli("vm", "run", "--", "grade", "arp-routing", str(klass), "--out", str(out),
            "--calibrate-every", "0", timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    rows = (out / "grades.csv").read_text()
    assert "alice" in rows and (out / "gradebook.sqlite").is_file(), rows


def _in_vm_pytest(t: Target, args: str, xml: Path) -> tuple[int, str, dict[str, str],
                                                           dict[str, str]]:
    """Run pytest inside the VM; its exit code, output, each test's outcome from the JUnit XML
    brought back over SFTP ({name: "passed" | "skipped: …" | "failed: …"}), and node ids."""
    code, out, err = t.exec("cd /opt/netdojo && .venv/bin/python -m pytest -q -p no:cacheprovider "
                            f"{args} --junitxml=/tmp/{xml.name}", timeout=900)
    client = t.connect()
    try:
        client.open_sftp().get(f"/tmp/{xml.name}", str(xml))
    finally:
        client.close()
    results, ids = {}, {}
    for c in ET.parse(xml).iter("testcase"):
        bad = c.find("failure") if c.find("failure") is not None else c.find("error")
        skip = c.find("skipped")
        results[c.get("name")] = ("failed: " + bad.get("message", "") if bad is not None else
                                  "skipped: " + skip.get("message", "") if skip is not None
                                  else "passed")
        ids[c.get("name")] = f"{c.get('classname').replace('.', '/')}.py::{c.get('name')}"
    return code, out[-3000:] + err[-1000:], results, ids


def test_the_netem_path_holds_inside_the_vm(vm, tmp_path):
    t = Target.vm(vm)
    code, out, results, ids = _in_vm_pytest(t, f"{' '.join(IN_VM_TESTS)} -k 'not userspace'",
                                            tmp_path / "netem.xml")
    failed = {k: v for k, v in results.items() if v.startswith("failed")}
    if code != 0 and failed:
        # Under TCG a timing check can miss once when the host is busy (one such miss in five
        # runs here, its figures lost); a shaper fault misses again.  The failed tests run once
        # more, and the first miss stays in the results next to the rerun's outcome.
        code, out, again, _ = _in_vm_pytest(t, " ".join(f"'{ids[k]}'" for k in failed),
                                            tmp_path / "netem-rerun.xml")
        results.update({k: again.get(k, "failed: not run again") for k in failed})
    (vm.dir / "netem-results.json").write_text(json.dumps(
        {**results, "first run misses, run again": failed}, indent=1))
    still = {k: v for k, v in results.items() if v.startswith("failed")}
    assert code == 0, f"failed inside the VM: {still}\n{out}"
    netem = {k: v for k, v in results.items() if "[netem" in k}
    assert len(netem) == 8, results  # delay ×3, hops, jitter, rate ×2, loss
    assert not any("no sch_netem" in v for v in netem.values()), netem
    # what TCG cannot hold is skipped only after the effect was asserted, with its figures
    for name, v in results.items():
        assert v == "passed" or v.startswith("skipped: needs KVM: under TCG") or \
            "the Mininet builder shapes delay itself" in v, (name, v)
    assert results["test_loss[netem]"] == "passed", results
    assert results["test_tclink_rate"] == "passed", results
    assert results["test_tclink_delay_and_loss_with_netem"] == "passed", results


def test_ctrl_c_on_the_host_tears_the_lab_down_inside_the_vm(vm):
    proc = popen_cli("vm", "run", "--", "lab", "check", "arp-routing", "--dir",
                     str(LAB.dir / "solution"))
    try:
        wait_for_line(proc, "[1/6]", 300)  # the lab is up in the VM and being checked
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the remote netdojo got the interrupt, tore its lab down and said so; its code came back
    assert proc.returncode == 130, (proc.returncode, out[-1500:], err[-1500:])
    assert "lab torn down" in out, out[-1500:]
    code, left, _ = Target.vm(vm).exec(
        "ip netns list; ls /run/netdojo 2>/dev/null; pgrep -a tcpdump; true", timeout=60)
    assert code == 0 and left.strip() == "", left


def test_netdojo_web_in_the_vm_opens_on_the_host(vm):
    """`netdojo vm web`: the page runs in the VM, QEMU forwards it to the host's loopback, the
    URL printed is the host's; Ctrl-C ends it and its lab inside the VM."""
    import urllib.request

    proc = popen_cli("vm", "web", "--", "linear,2")
    try:
        line = wait_for_line(proc, "open http://", 300)
        url = line.split("open ", 1)[1].strip()
        base, token = url.split("/?token=")
        assert base == f"http://127.0.0.1:{vm.running()['web_port']}", url
        req = urllib.request.Request(base + "/api/topology",
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as r:
            assert {n["id"] for n in json.loads(r.read())["nodes"]} == {"h1", "h2", "s1", "s2"}
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    code, left, _ = Target.vm(vm).exec("ip netns list; ls /run/netdojo 2>/dev/null; true",
                                       timeout=60)
    assert code == 0 and left.strip() == "", left


def test_known_hosts_checking_refuses_an_unknown_or_changed_key(vm, tmp_path, monkeypatch):
    port = vm.running()["port"]
    monkeypatch.setenv("HOME", str(tmp_path))  # an empty ~/.ssh/known_hosts
    stranger = Target.host("root@127.0.0.1", port, str(vm.client_key))
    with pytest.raises(NetdojoError, match="not in your known_hosts"):
        stranger.connect()
    from netdojo.vm.keys import _make, known_hosts_line

    other = tmp_path / "kh"
    other.write_text(known_hosts_line(_make(tmp_path / "another_key", "x"), port))
    changed = Target("127.0.0.1", port, "root", vm.client_key, other, "netdojo", "changed")
    with pytest.raises(NetdojoError, match="host key is not the one known"):
        changed.connect()


def test_down_leaves_no_qemu_and_no_forwarded_port(vm):
    st = vm.running()
    r = cli("vm", "down", timeout=120)
    assert r.returncode == 0 and f"pid {st['pid']} ended" in r.stdout, r.stdout + r.stderr
    wait_until(lambda: not Path(f"/proc/{st['pid']}").exists(), 15, "QEMU to be gone")
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", st["port"]), timeout=2).close()
    r = cli("vm", "run", "--", "lab", "list")
    assert r.returncode == 2 and "the VM is not running: netdojo vm up" in r.stderr, r.stderr


def test_the_disk_boots_through_its_own_boot_loader_as_other_hypervisors_boot_it(vm):
    """No -kernel: SeaBIOS reads the MBR, GRUB finds the root by label and starts the kernel,
    which is what VirtualBox, UTM or Hyper-V (generation 1) do with the same disk."""
    assert vm.running() is None  # the test above brought the VM down
    r = cli("vm", "up", "--fresh", "--boot", "disk", timeout=900)
    try:
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        cmdline = Target.vm(vm).exec("cat /proc/cmdline; findmnt -no SOURCE /")[1]
        assert "root=LABEL=netdojo-root" in cmdline and "/dev/vda1" in cmdline, cmdline
        assert "BOOT_IMAGE=/boot/vmlinuz-" in cmdline, cmdline  # GRUB's mark: not QEMU's -kernel
    finally:
        qemu.down(vm)
