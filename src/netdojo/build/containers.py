"""Container nodes in Containernet's manner: a Docker container made with no Docker network,
whose network namespace becomes one of the run's named namespaces (`ip netns attach`), so veths,
addresses, routes and shaping reach it exactly as they reach a plain namespace node."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor

from netdojo.build import netns
from netdojo.errors import BuildError

LABEL = "netdojo.run"


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(["docker", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError("container nodes need Docker: run scripts/install-docker.sh") from None
    if check and r.returncode != 0:
        raise BuildError(f"docker {args[0]}: {r.stderr.strip()[-600:]}")
    return r


def start(specs: list[dict]) -> None:
    """Start containers in parallel and attach each one's netns under its run's name.

    spec: {name, node, run, image, netns, hosts: {name: ip}, env: {k: v}}"""
    def one(spec: dict) -> int:
        args = ["run", "-d", "--name", spec["name"], "--hostname", spec["node"],
                "--label", f"{LABEL}={spec['run']}", "--label", f"netdojo.node={spec['node']}",
                "--network", "none", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW",
                "--init"]
        for host, ip in spec.get("hosts", {}).items():
            args += ["--add-host", f"{host}:{ip}"]
        for k, v in spec.get("env", {}).items():
            args += ["-e", f"{k}={v}"]
        for dns in spec.get("dns", []):
            args += ["--dns", dns]
        if spec.get("dns"):
            args += ["--dns-search", "lab.example"]
        _docker(*args, spec["image"])
        pid = _docker("inspect", "-f", "{{.State.Pid}}", spec["name"]).stdout.strip()
        return int(pid)

    if not specs:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(specs))) as pool:
        pids = list(pool.map(one, specs))
    netns.ip_batch(f"netns attach {s['netns']} {pid}" for s, pid in zip(specs, pids, strict=True))


def remove(names: list[str]) -> None:
    if not names:
        return
    try:
        subprocess.run(["docker", "rm", "-f", "-v", *names], capture_output=True, text=True)
    except FileNotFoundError:
        pass


def labelled(run_id: str | None = None) -> list[str]:
    """Names of containers netdojo made (for one run, or any)."""
    flt = f"label={LABEL}" + (f"={run_id}" if run_id else "")
    try:
        r = subprocess.run(["docker", "ps", "-a", "--filter", flt, "--format", "{{.Names}}"],
                           capture_output=True, text=True)
    except FileNotFoundError:
        return []
    return r.stdout.split() if r.returncode == 0 else []


def exec_argv(name: str, cmd: list[str], interactive: bool = False) -> list[str]:
    return ["docker", "exec", "-i" + ("t" if interactive else ""), name, *cmd]
