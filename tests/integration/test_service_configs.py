"""Every service's rendered configuration, for the sample topologies, is accepted by its own
daemon's checker inside the lab image (haproxy -c, kea-dhcp4 -t, named-checkconf -z, nginx -t,
nft -c, sshd -t, postfix check) — and the same checker refuses it once a line of nonsense is added, so the
test can fail.  No network is built: the services are planned and rendered, then checked in a
throw-away container with no network (issue 20.5)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from netdojo.net import images
from netdojo.net.network import Network
from netdojo.net.runs import RUN_ROOT, Run
from netdojo.services.install import _tar
from netdojo.services.startup import plan
from netdojo.topo.loader import parse_topology
from netdojo.topo.resolve import resolve

TOPOLOGIES = ["services-demo", "https-three-ways", "lb-failover"]
# the plain page (nginx) serves only in the dns lab, whose topology needs a student's values
PAGE_TOPOLOGY = ("name: page\nnodes:\n  s: {kind: switch}\n  web: {kind: container, services: "
                 "{page: {title: \"Example & Co\"}}}\nlinks:\n  - {endpoints: [web, s]}\n")
# a line each checker must refuse, by the file it is added to
NONSENSE = {".cfg": "\nbogus-directive yes\n", ".conf": "\nbogus-directive yes;\n",
            ".nft": "\nbogus rule\n", "sshd_config": "\nBogusDirective yes\n",
            "main.cf": "\nbogus-directive yes\n"}


def rendered() -> list[tuple[str, object]]:
    out = []
    for name, topo in [(n, resolve(n)) for n in TOPOLOGIES] + [
            ("page", parse_topology(PAGE_TOPOLOGY, "page.yaml"))]:
        run = Run(id=f"cfg{len(out):03d}", name=topo.name, topology={})
        for svc in plan(Network(topo, run)):
            if svc.check_argv() is not None:  # a daemon with a checker of its own
                out.append((f"{name}:{svc.node}:{svc.name}", svc))
    return out


@pytest.fixture(scope="module")
def image(caps):
    if not caps.docker:
        pytest.skip(f"Docker is not usable here: {caps.notes.get('docker', '')}")
    return images.NODE_IMAGE


def check_in_image(image: str, files: dict[str, str], argv: list[str]):
    # Kea checks that its interfaces exist, nft -c speaks netlink: the container gets the
    # node's interface names (veth pairs), in a network namespace of its own with no way out
    script = ("for i in 0 1 2; do ip link add eth$i type veth peer name peer$i; done; "
              "tar -x -C / && exec \"$@\"")
    return subprocess.run(["docker", "run", "--rm", "-i", "--network", "none", "--cap-add",
                           "NET_ADMIN", "--entrypoint", "sh", image, "-c", script, "check",
                           *argv],
                          input=_tar(files), capture_output=True, timeout=120)


SERVICES = rendered()


@pytest.mark.parametrize("name,svc", SERVICES, ids=[n for n, _ in SERVICES])
def test_the_daemon_accepts_what_netdojo_renders_and_refuses_nonsense(name, svc, image):
    try:
        svc.render()
        argv = svc.check_argv()
        assert argv, f"{name} has no checker"
        r = check_in_image(image, svc.files, argv)
        assert r.returncode == 0, (name, argv, (r.stdout + r.stderr).decode()[-1500:])
        conf = svc.config_path
        bad = next(v for k, v in NONSENSE.items() if conf.endswith(k))
        broken = {**svc.files, conf: svc.files[conf] + bad}
        r = check_in_image(image, broken, argv)
        assert r.returncode != 0, f"{name}: {argv[0]} accepted a line of nonsense in {conf}"
    finally:
        shutil.rmtree(RUN_ROOT / svc.net.run.id, ignore_errors=True)  # the lab CA, if TLS


def test_every_kind_of_service_with_a_checker_is_covered():
    kinds = {svc.name for _, svc in SERVICES}
    assert {"haproxy", "dhcp", "dns", "resolver", "nat", "ssh", "smtp", "edge_cache",
            "page"} <= kinds, kinds
