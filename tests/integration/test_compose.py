"""The standalone docker-compose stack (HAProxy + 3 backends + DNS) comes up with Debian's
docker-compose 1.29, spreads requests, answers DNS, and `down` leaves no container."""

from __future__ import annotations

import collections
import json
import os
import secrets
import shutil
import socket
import subprocess
import urllib.request

import pytest

from .helpers import wait_until
from .test_services import _docker_ready


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_compose_stack(caps, repo):
    _docker_ready(caps)
    if not shutil.which("docker-compose"):
        pytest.skip("docker-compose is not installed (scripts/install-docker.sh installs it)")
    project = f"ndcompose{secrets.token_hex(3)}"
    port, stats = _free_port(), _free_port()
    env = {**os.environ, "NETDOJO_LB_PORT": str(port), "NETDOJO_STATS_PORT": str(stats)}
    base = ["docker-compose", "-p", project, "-f", str(repo / "docker-compose.yml")]
    assert subprocess.run([*base, "config", "-q"], env=env).returncode == 0
    try:
        r = subprocess.run([*base, "up", "-d"], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

        def get() -> dict | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/whoami", timeout=2) as f:
                    return json.loads(f.read())
            except OSError:
                return None

        def all_up() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{stats}/stats;csv", timeout=2) as f:
                    rows = [ln.split(",") for ln in f.read().decode().splitlines()]
            except OSError:
                return False
            srv = [row for row in rows if row[0] == "be_all" and row[1].startswith("web")]
            return len(srv) == 3 and all(row[17] == "UP" for row in srv)

        wait_until(all_up, 60, "three backends UP behind HAProxy")
        seen = collections.Counter((get() or {}).get("backend") for _ in range(9))
        assert set(seen) == {"web1", "web2", "web3"}
        r = subprocess.run([*base, "exec", "-T", "lb", "dig", "+short", "@dns", "www.lab.example"],
                           env=env, capture_output=True, text=True)
        assert "lb.lab.example." in r.stdout
    finally:
        subprocess.run([*base, "down", "-v", "--remove-orphans"], env=env, capture_output=True)
    left = subprocess.run(["docker", "ps", "-aq", "--filter",
                           f"label=com.docker.compose.project={project}"],
                          capture_output=True, text=True).stdout.split()
    assert left == []
