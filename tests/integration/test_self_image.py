"""netdojo in a container (issue 22.1): the image built on this machine, a lab checked to full
marks and the failover demo run from inside it, against this host's kernel and engine — and
nothing left on the host afterwards (namespaces, links, containers)."""

import subprocess
import time

import pytest

from netdojo.net import engine, self_image

from .helpers import cli, root_links
from .lab_helpers import labelled_containers
from .test_services import _docker_ready


@pytest.fixture(scope="module")
def built(caps):
    _docker_ready(caps)
    t0 = time.monotonic()
    r = cli("images", "build", "--self", timeout=1200)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "docker run --rm --cap-add SYS_ADMIN" in r.stdout  # it tells how to run it
    return time.monotonic() - t0


def _host_state() -> dict:
    ns = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {"netns": {ln.split()[0] for ln in ns.splitlines() if ln.strip()},
            "links": root_links(), "containers": labelled_containers()}


def _in_container(*args: str, mounts: tuple[str, ...] = (), timeout: float = 900
                  ) -> subprocess.CompletedProcess:
    argv = self_image.run_argv()
    # the volumes a test hands in go before the image name
    argv = argv[:-1] + [x for m in mounts for x in ("-v", m)] + argv[-1:] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def test_the_image_carries_netdojo_without_its_answers(built):
    img = engine.client().images.get(self_image.SELF_IMAGE)
    assert img.attrs["Config"]["Entrypoint"] == ["netdojo"]
    r = _in_container("lab", "list")
    assert r.returncode == 0 and "arp-routing" in r.stdout, r.stderr
    # the wheel's labs: no reference solution, no hidden check's source in the image
    r = subprocess.run(["docker", "run", "--rm", "--entrypoint", "sh", self_image.SELF_IMAGE,
                        "-c", "find / -path /proc -prune -o -path '*_data/labs/*/solution*' "
                        "-print | head -3"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "", r.stdout


def test_a_lab_checks_to_full_marks_from_inside_and_leaves_nothing(built, repo):
    before = _host_state()
    sol = repo / "labs" / "arp-routing" / "solution"
    r = _in_container("lab", "check", "arp-routing", "--student", "s042", "--dir", "/work/sub",
                      mounts=(f"{sol}:/work/sub:ro",))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "visible checks only" in r.stdout  # the student's copy: hidden checks are not in it
    assert "full marks" in r.stdout or "100 %" in r.stdout, r.stdout[-2000:]
    assert _host_state() == before, "the container's lab left something on the host"


def test_the_failover_demo_runs_from_inside_and_leaves_nothing(built, repo, tmp_path):
    before = _host_state()
    r = _in_container("failover", "--scenario", "/work/s/ci-short.yaml", "--out", "/work/out",
                      mounts=(f"{repo / 'scenarios'}:/work/s:ro", f"{tmp_path}:/work/out"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "HAProxy: web1 DOWN" in r.stdout
    assert (tmp_path / "report.html").stat().st_size > 0
    assert _host_state() == before, "the container's failover run left something on the host"
