"""Container nodes in Containernet's manner: a Docker container made with no Docker network,
whose network namespace becomes one of the run's named namespaces (`ip netns attach`), so veths,
addresses, routes and shaping reach it exactly as they reach a plain namespace node.

Each node is a pod, as in Kubernetes: a small holder container owns the network namespace (and
the hostname, /etc/hosts and resolver settings), and the node's own container joins it with
`--network container:`.  So a node can crash — `docker kill` — and come back with `docker
start` on the very same interfaces, which is what failover labs need."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

from netdojo.errors import BuildError
from netdojo.net import netns

LABEL = "netdojo.run"


def _docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        r = subprocess.run(["docker", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise BuildError("container nodes need Docker: run scripts/install-docker.sh") from None
    if check and r.returncode != 0:
        raise BuildError(f"docker {args[0]}: {r.stderr.strip()[-600:]}")
    return r


# Every lab container is capped, so that a student's config (a daemon that forks without end,
# a script that eats memory) cannot starve the grader or the runs beside it: processes,
# memory (no swap on top), and CPU (three quarters of the machine, at least one core).
PIDS_LIMIT = 1024
MEMORY = "1g"
CPUS = f"{max(1.0, (os.cpu_count() or 1) * 0.75):g}"


def limits() -> list[str]:
    return ["--pids-limit", str(PIDS_LIMIT), "--memory", MEMORY, "--memory-swap", MEMORY,
            "--cpus", CPUS]


def start(specs: list[dict]) -> None:
    """Start containers in parallel and attach each one's netns under its run's name.

    spec: {name, node, run, image, netns, hosts: {name: ip}, env: {k: v}}"""
    def one(spec: dict) -> int:
        labels = ["--label", f"{LABEL}={spec['run']}", "--label", f"netdojo.node={spec['node']}"]
        holder = ["run", "-d", "--name", holder_name(spec["name"]), "--hostname", spec["node"],
                  *labels, "--network", "none", "--init"]
        for host, ip in spec.get("hosts", {}).items():
            holder += ["--add-host", f"{host}:{ip}"]
        for dns in spec.get("dns", []):
            holder += ["--dns", dns]
        if spec.get("dns"):
            holder += ["--dns-search", "lab.example"]
        _docker(*holder, spec["image"], "sleep", "infinity")
        app = ["run", "-d", "--name", spec["name"], *labels,
               "--network", f"container:{holder_name(spec['name'])}",
               "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW", "--init", *limits()]
        for k, v in spec.get("env", {}).items():
            app += ["-e", f"{k}={v}"]
        _docker(*app, spec["image"])
        pid = _docker("inspect", "-f", "{{.State.Pid}}", holder_name(spec["name"])).stdout.strip()
        return int(pid)

    if not specs:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(specs))) as pool:
        pids = list(pool.map(one, specs))
    netns.ip_batch(f"netns attach {s['netns']} {pid}" for s, pid in zip(specs, pids, strict=True))


def holder_name(name: str) -> str:
    return f"{name}.net"


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


def strays(known_runs: set[str]) -> list[str]:
    """Containers netdojo made for runs that no longer have a record (read from the label)."""
    try:
        r = subprocess.run(["docker", "ps", "-a", "--filter", f"label={LABEL}", "--format",
                            f'{{{{.Names}}}} {{{{.Label "{LABEL}"}}}}'],
                           capture_output=True, text=True)
    except FileNotFoundError:
        return []
    rows = [line.split() for line in r.stdout.splitlines()] if r.returncode == 0 else []
    return [row[0] for row in rows if len(row) == 2 and row[1] not in known_runs]


def exec_argv(name: str, cmd: list[str], interactive: bool = False) -> list[str]:
    return ["docker", "exec", "-i" + ("t" if interactive else ""), name, *cmd]
