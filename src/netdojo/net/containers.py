"""Container nodes in Containernet's manner: a Docker container made with no Docker network,
whose network namespace becomes one of the run's named namespaces (`ip netns attach`), so veths,
addresses, routes and shaping reach it exactly as they reach a plain namespace node.

A node the topology marks `restartable` is a pod, as in Kubernetes: a small holder container
owns the network namespace (and the hostname, /etc/hosts and resolver settings), and the node's
own container joins it with `--network container:`.  So the node can crash — `docker kill` —
and come back with `docker start` on the very same interfaces, which is what failover labs need.
Other nodes are one container each: a pod doubles what dockerd, containerd and runc do to build
and remove a run, and two runs graded side by side on two cores wait on exactly that."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from netdojo.errors import BuildError, NetdojoError
from netdojo.net import cgroups, engine, netns

LABEL = "netdojo.run"

# Every lab container is capped, so that a student's config (a daemon that forks without end,
# a script that eats memory) cannot starve the grader or the runs beside it: processes,
# memory (no swap on top), and CPU (three quarters of the machine, at least one core).
PIDS_LIMIT = 1024
MEMORY = 1 << 30
CPUS = max(1.0, (os.cpu_count() or 1) * 0.75)


def limits() -> dict:
    return {"pids_limit": PIDS_LIMIT, "mem_limit": MEMORY, "memswap_limit": MEMORY,
            "nano_cpus": int(CPUS * 1e9), "ulimits": _ulimits()}


def _ulimits() -> list[dict]:
    """Open files and processes: the engine's own hard limits, named (engine.hard_limits:
    Podman's defaults exceed what this host's root may grant).  The pids cgroup above is the
    cap that matters; Docker's containers get these very values unasked."""
    return [{"Name": k, "Soft": v, "Hard": v} for k, v in engine.hard_limits().items()]


def _run(what: str, image: str, **kw) -> object:
    errors = engine.errors()
    try:
        return engine.client().containers.run(image, detach=True, **kw)
    except errors.ImageNotFound:
        raise BuildError(f"image {image} is missing: run `netdojo images build`") from None
    except errors.APIError as e:
        raise engine.error(f"docker run {what}", e) from None


def start(specs: list[dict]) -> None:
    """Start containers in parallel and attach each one's netns under its run's name.

    spec: {name, node, run, image, netns, hosts: {name: ip}, env: {k: v}, dns: [ip],
           pod: bool, etc_dir: a folder for the node's /etc/hosts and /etc/resolv.conf}"""
    def one(spec: dict) -> int:
        labels = {LABEL: spec["run"], "netdojo.node": spec["node"]}
        mounts = _lab_files(spec)
        # The network's owner carries the hostname and resolver files: a pod's holder, or the
        # node's own container.
        if mounts is not None:
            net = {"hostname": spec["node"], **NO_NETWORK, "volumes": mounts}
        else:
            net = {"hostname": spec["node"], "network_mode": "none",
                   "extra_hosts": spec.get("hosts") or None, "dns": spec.get("dns") or None,
                   "dns_search": ["lab.example"] if spec.get("dns") else None}
        node = {"name": spec["name"], "labels": labels, "cap_add": ["NET_ADMIN", "NET_RAW"],
                "init": True, "environment": spec.get("env") or None, **limits()}
        if not spec.get("pod"):
            c = _run(spec["name"], spec["image"], **node, **net)
            made = [c]
        else:
            c = _run(holder_name(spec["name"]), spec["image"], command=["sleep", "infinity"],
                     name=holder_name(spec["name"]), labels=labels, init=True,
                     ulimits=_ulimits(), **net)
            # Docker's member shares its holder's hostname (and refuses one of its own);
            # Podman's would be its container id
            own = {"hostname": spec["node"]} if engine.is_podman() else {}
            files = {"volumes": mounts} if mounts is not None else {}
            made = [c, _run(spec["name"], spec["image"],
                            network_mode=f"container:{holder_name(spec['name'])}", **own,
                            **files, **node)]
        if engine.is_podman():
            _podman_lab_files(made, spec.get("dns") or [])
        c.reload()
        return int(c.attrs["State"]["Pid"])

    if not specs:
        return
    with ThreadPoolExecutor(max_workers=min(8, len(specs))) as pool:
        pids = list(pool.map(one, specs))
    netns.ip_batch(f"netns attach {s['netns']} {pid}" for s, pid in zip(specs, pids, strict=True))


# A lab node needs a network namespace of its own and nothing of the engine's networking: with
# networking disabled runc makes the empty namespace itself, and dockerd skips its network
# sandbox — a `libnetwork-setkey` hook and a `set-ipv6` re-exec of dockerd per container,
# measured at 120 of the 215 ms of CPU a container cost to start (2 CPUs, Docker 20.10).  The
# names and resolver files the sandbox would have written are the run's own, bound in.
NO_NETWORK = {"network_mode": "none", "network_disabled": True}
HOSTS_HEAD = ("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
              "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\n"
              "ff02::2\tip6-allrouters\n")


def resolv_conf(servers: list[str]) -> str:
    """A lab node's resolver settings: the lab's own resolver, lab names searched."""
    return "".join(f"nameserver {ip}\n" for ip in servers) + "search lab.example\n"


def _lab_files(spec: dict) -> dict | None:
    """The node's /etc/hosts and /etc/resolv.conf written in its run's folder, as bind mounts
    (writable, as Docker's own are: a DHCP client rewrites resolv.conf).  None under Podman,
    whose engine writes them (and _podman_lab_files mends what it gets wrong), when the
    caller gave no folder, or when the engine would not find it (netdojo in a container of
    its own beside the host's engine: the engine's own network files then)."""
    folder = spec.get("etc_dir")
    if not folder or engine.is_podman() or not engine.sees_our_files():
        return None
    d = Path(folder)
    d.mkdir(parents=True, exist_ok=True)
    dns = spec.get("dns") or []
    texts = {"hosts": HOSTS_HEAD + "".join(f"{ip}\t{name}\n" for name, ip
                                            in (spec.get("hosts") or {}).items()),
             "resolv.conf": resolv_conf(dns) if dns else "# no resolver in this lab\n"}
    for name, text in texts.items():
        (d / name).write_text(text)
        os.chmod(d / name, 0o644)
    return {str(d / "hosts"): {"bind": "/etc/hosts", "mode": "rw"},
            str(d / "resolv.conf"): {"bind": "/etc/resolv.conf", "mode": "rw"}}


def _podman_lab_files(made: list, servers: list[str]) -> None:
    """What Podman 4.3 does not do as Docker does, written by hand (measured): it ignores
    --dns on a container with no network and hands it the host's resolver, and a pod's member
    (`--network container:`) gets files of its own — the host's resolver, no lab names in
    /etc/hosts — where Docker's shares its holder's."""
    files = {}
    if servers:
        files["/etc/resolv.conf"] = resolv_conf(servers)
    for c in made:
        if c is not made[0]:  # a pod's member: its holder's names
            files["/etc/hosts"] = made[0].exec_run(["cat", "/etc/hosts"]).output.decode()
        for path, text in files.items():
            r = c.exec_run(["sh", "-c", 'printf %s "$1" > "$2"', "sh", text, path], user="root")
            if r.exit_code != 0:
                raise BuildError(f"{c.name}: could not write the lab's {path}: "
                                 f"{r.output.decode(errors='replace').strip()[-200:]}")


def holder_name(name: str) -> str:
    return f"{name}.net"


def names(name: str, pod: bool) -> list[str]:
    """The containers `start` makes for a node: its own, and its holder if it is a pod."""
    return [name, holder_name(name)] if pod else [name]


def remove(names: list[str]) -> None:
    """Remove containers (with their anonymous volumes); names already gone are fine."""
    engine.forget(names)
    if not names or not engine.available():
        return

    def one(name: str) -> None:
        c = engine.get(name)
        if c is None:
            return
        try:
            c.remove(force=True, v=True)
        except engine.errors().NotFound:
            pass
        except engine.errors().APIError as e:
            text = str(e).lower()
            if "already in progress" not in text and "no such container" not in text:
                raise engine.error(f"docker rm {name}", e) from None

    # the pods' members before their holders: Podman refuses to remove a container another
    # one shares the network of ("has dependent containers"); Docker does not mind the order
    holders = [n for n in names if n.endswith(holder_name(""))]
    for batch in ([n for n in names if n not in holders], holders):
        if batch:
            with ThreadPoolExecutor(max_workers=min(8, len(batch))) as pool:
                list(pool.map(one, batch))


def _listed(run_id: str | None = None) -> list[tuple[str, dict[str, str]]]:
    flt = f"{LABEL}={run_id}" if run_id else LABEL
    quick = engine.list_labelled(flt)
    if quick is not None:
        return quick
    if not engine.available():
        return []
    return [(c.name, c.labels) for c in
            engine.client().containers.list(all=True, filters={"label": flt},
                                            ignore_removed=True)]


def labelled(run_id: str | None = None) -> list[str]:
    """Names of containers netdojo made (for one run, or any)."""
    return sorted(name for name, _ in _listed(run_id))


def strays(known_runs: set[str]) -> list[str]:
    """Containers netdojo made for runs that no longer have a record (read from the label)."""
    return sorted(name for name, labels in _listed() if labels.get(LABEL) not in known_runs)


def kill(name: str) -> None:
    try:
        engine.client().containers.get(name).kill()
    except engine.errors().APIError as e:
        raise engine.error(f"docker kill {name}", e) from None


def restart(name: str) -> None:
    """Start a stopped pod member again (its holder kept the interfaces)."""
    try:
        engine.client().containers.get(name).start()
    except engine.errors().APIError as e:
        raise engine.error(f"docker start {name}", e) from None


def logs(name: str, lines: int) -> str:
    c = engine.get(name)
    return c.logs(tail=lines).decode(errors="replace") if c else f"no container {name}\n"


def exec_argv(name: str, cmd: list[str], interactive: bool = False) -> list[str]:
    if shutil.which("docker"):
        return ["docker", "exec", "-i" + ("t" if interactive else ""), name, *cmd]
    # netdojo in its own container (netdojo/netdojo) has the engine's socket but no docker CLI:
    # in by the container's pid, as a probe goes (the image is Debian's, so is its environment)
    argv = _nsenter_argv(name, cmd)
    if argv is None:
        raise NetdojoError(f"{name}: no docker CLI here, and the engine gives the container no "
                           "pid (is it running? `netdojo status`)")
    return argv


# a container's environment as its image sets it, for a probe that does not come through the
# engine (the image is Debian's: nothing else in it)
PROBE_ENV = ["env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
             "HOME=/root", "LANG=C.UTF-8"]


def probe_argv(name: str, cmd: list[str], unprivileged: bool = False) -> list[str]:
    """A checker's short command in a container without the engine's round trip: `nsenter`
    into the container's namespaces (mount, UTS, IPC, network, PID), after joining its cgroups
    so it counts against the container's limits.  6 ms where `docker exec` takes 120 ms of the
    engine's CPU — the lab checks' probes (dig, curl) are most of a dns grade.  Falls back to
    `docker exec` when the engine gives no PID (a remote engine, a stopped container).

    `unprivileged`: as nobody, so with no capability at all — for a look that needs none (a
    readiness poll's dig, curl or ss).  The command is the container's own binary, and a daemon
    running a person's config may have replaced it; as root from nsenter it would hold every
    capability the engine withholds from the container."""
    return _nsenter_argv(name, cmd, unprivileged) or exec_argv(name, cmd)


def _nsenter_argv(name: str, cmd: list[str], unprivileged: bool = False) -> list[str] | None:
    pid = engine.pid_of(name)
    if not pid:
        return None
    join = "".join(f"echo $$ > '{p}' 2>/dev/null; " for p in cgroups.procs_files_of(pid))
    who = ["-S", "65534", "-G", "65534"] if unprivileged else []
    return ["sh", "-c", f'{join}exec "$@"', "sh", "nsenter", "-t", str(pid), "-m", "-u", "-i",
            "-n", "-p", *who, "--", *PROBE_ENV, *cmd]
