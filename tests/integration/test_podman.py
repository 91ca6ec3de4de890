"""Podman as the engine (issue 22.2): Debian's podman, rootful, its Docker-compatible API on
a socket of its own (scripts/install-podman.sh), netdojo pointed at it with DOCKER_HOST.  The
failover demo — container nodes, HAProxy, a crash and a cut — runs on it end to end, and
leaves nothing in Podman's store of containers, nor in Docker's, nor on the host."""

import json
import os
import subprocess
import sys

import pytest

from .helpers import root_links

SOCK = "unix:///run/podman/podman.sock"
NODE = "netdojo/node:latest"
BUILD: dict[str, str] = {}  # what the fixture's `netdojo images build` printed


def _podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["podman", "--url", SOCK, *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def podman(caps, repo):
    if not caps.docker:
        pytest.skip("dockerd does not answer (scripts/install-docker.sh): these tests also check "
                    "that a Podman run leaves Docker's containers alone")
    r = subprocess.run(["bash", str(repo / "scripts" / "install-podman.sh")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    env = {**os.environ, "DOCKER_HOST": SOCK}
    # the lab image built by Podman itself, as a Podman user would: its base from Debian's
    # archive (no registry answers here), then docker/Dockerfile through Podman's API, apt
    # steps and all (Podman's layer cache makes a second build a few seconds)
    build = subprocess.run([sys.executable, "-m", "netdojo", "images", "build"],
                           capture_output=True, text=True, timeout=1800, env=env)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    BUILD["stdout"] = build.stdout
    return env


def _labelled(engine: list[str]) -> set[str]:
    r = subprocess.run([*engine, "ps", "-aq", "--filter", "label=netdojo.run"],
                       capture_output=True, text=True)
    return set(r.stdout.split())


def test_podman_builds_the_lab_image_from_debians_archive_under_its_own_names(podman):
    assert "images ready" in BUILD["stdout"], BUILD["stdout"]
    # Podman ignores a tag given apart from the name on import: the base must still be found
    # under the name the Dockerfile's FROM gives, or the build would try a registry
    assert _podman("image", "exists", "debian:bookworm-slim").returncode == 0
    assert _podman("image", "exists", NODE).returncode == 0
    # Podman asks for more open files and processes than a root without CAP_SYS_RESOURCE may
    # have here: the engine's own limits, as netdojo's containers get them (net/engine.py)
    lim = subprocess.run([sys.executable, "-c", "from netdojo.net import engine; "
                          "print(*engine.hard_limits().values())"], env=podman,
                         capture_output=True, text=True, timeout=60).stdout.split()
    assert len(lim) == 2, lim
    r = _podman("run", "--rm", "--network", "none", "--ulimit", f"nofile={lim[0]}:{lim[0]}",
                "--ulimit", f"nproc={lim[1]}:{lim[1]}", NODE, "sh", "-c",
                "named -v && haproxy -v | head -1 && /opt/web/bin/python -c 'import aioquic'")
    assert r.returncode == 0 and "BIND 9" in r.stdout and "HAProxy" in r.stdout, r.stderr


def test_the_failover_demo_runs_on_podman_and_leaves_nothing(podman, repo, tmp_path):
    docker_before = _labelled(["docker"])
    links_before = root_links()
    r = subprocess.run([sys.executable, "-m", "netdojo", "failover", "--scenario",
                        str(repo / "scenarios" / "ci-short.yaml"), "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=900, env=podman)
    assert r.returncode in (0, 3), r.stdout[-3000:] + r.stderr[-2000:]  # 3: a timing verdict
    assert "HAProxy: web1 DOWN" in r.stdout, r.stdout[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["variants"], "no variant measured"
    assert _labelled(["podman", "--url", SOCK]) == set(), "containers left in Podman's store"
    assert _labelled(["docker"]) == docker_before, "the Podman run touched Docker's containers"
    assert root_links() == links_before


def test_a_pods_containers_get_the_labs_names_not_the_hosts(podman):
    """Podman 4.3 hands a container with no network the host's resolv.conf whatever --dns
    says, and a pod's member files of its own (no lab names, its id as hostname) where
    Docker's shares its holder's; netdojo writes the lab's (net/containers.py)."""
    code = ("from netdojo.net import containers, engine\n"
            "spec = {'name': 'nd-podman-dns', 'node': 'h1', 'run': 'podmantest', "
            "'image': 'netdojo/node:latest', 'netns': 'nd-podman-dns', 'pod': True, "
            "'dns': ['10.9.0.53'], 'hosts': {'lb': '10.9.0.7'}}\n"
            "try:\n"
            "    containers.start([spec])\n"
            "    for n in containers.names('nd-podman-dns', True):\n"
            "        c = engine.client().containers.get(n)\n"
            "        out = c.exec_run(['sh', '-c', 'cat /etc/resolv.conf /etc/hosts; hostname'])\n"
            "        print('==', n, out.output.decode())\n"
            "finally:\n"
            "    containers.remove(containers.names('nd-podman-dns', True))\n"
            "    import subprocess; subprocess.run(['ip', 'netns', 'delete', 'nd-podman-dns'])\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, env=podman)
    assert r.returncode == 0, r.stderr[-2000:]
    with open("/etc/resolv.conf") as f:
        host = [ln.strip() for ln in f if ln.startswith("nameserver") and "10.9.0.53" not in ln]
    views = r.stdout.split("== ")[1:]
    assert len(views) == 2, r.stdout  # the member and its holder
    for view in views:
        assert "nameserver 10.9.0.53" in view and "search lab.example" in view, view
        assert "10.9.0.7" in view and view.split()[-1] == "h1", view
        assert not any(ln in view for ln in host), view


def test_rootless_podman_is_refused_in_one_line(repo):
    r = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                        "bash", str(repo / "scripts" / "install-podman.sh")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "rootless podman cannot" in lines[0], r.stderr
