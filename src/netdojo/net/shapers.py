"""The two ways a link gets its rate, delay, jitter and loss, as objects with one interface
(`apply(net)`), chosen once from the run's recorded shaper:

- `NetemShaper` — the kernel's netem and htb on both ends of each shaped link (where the kernel
  has `sch_netem`);
- `UserspaceShaper` — where it has not: each shaped link runs through a bridge in the run's
  wire namespace, htb there for the rate, iptables for loss, and delayd (a userspace delay line
  over NFQUEUE, `net/delayd.py`) for delay and jitter.

(`--builder mininet` shapes with Mininet's TCLink inside its own build.)"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from netdojo.errors import BuildError
from netdojo.net import netns, shaping
from netdojo.net.netlink import IPRoute
from netdojo.topo.model import Link

if TYPE_CHECKING:
    from netdojo.net.network import Network


@dataclass
class Wire:
    """A shaped link's bridge in the wire namespace (userspace shaper)."""

    index: int
    link: Link

    @property
    def port_a(self) -> str:
        return f"w{self.index}a"

    @property
    def port_b(self) -> str:
        return f"w{self.index}b"

    @property
    def bridge(self) -> str:
        return f"wb{self.index}"


class Shaper(Protocol):
    name: str

    def apply(self, net: Network) -> None: ...


def tc_batch(ns: str, lines: list[str]) -> None:
    r = subprocess.run(["tc", "-n", ns, "-batch", "-"], input="\n".join(lines) + "\n",
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError(f"tc in {ns}: {r.stderr.strip()}")


class NoShaper:
    name = "none"

    def apply(self, net: Network) -> None:
        return None


class NetemShaper:
    name = "netem"

    def apply(self, net: Network) -> None:
        per_ns: dict[str, list[str]] = {}
        for lk in net.topo.links:
            if lk.params.shaped:
                for ep in (lk.a, lk.b):
                    per_ns.setdefault(net.ns(ep.node), []).extend(
                        shaping.netem_lines(ep.ifname, lk.params))
        for ns, lines in per_ns.items():
            tc_batch(ns, lines)


class UserspaceShaper:
    name = "userspace"

    def apply(self, net: Network) -> None:
        if not net.wires:
            return
        wire = net.run.wire_ns
        with netns.entered(wire), IPRoute() as ipr:
            net.common_sysctls()
            netns.write_sysctl("net.bridge.bridge-nf-call-iptables", 1)
            for w in net.wires:
                ipr.link("add", ifname=w.bridge, kind="bridge", br_stp_state=0,
                         br_mcast_snooping=0)
                br = ipr.link_lookup(ifname=w.bridge)[0]
                for port in (w.port_a, w.port_b):
                    idx = ipr.link_lookup(ifname=port)[0]
                    ipr.link("set", index=idx, master=br, state="up")
                ipr.link("set", index=br, state="up")
        tc, rules, queues = [], [], {}
        for w in net.wires:
            p = w.link.params
            tc += shaping.rate_lines(w.port_b, p) + shaping.rate_lines(w.port_a, p)
            for port_in, q in ((w.port_a, 2 * w.index), (w.port_b, 2 * w.index + 1)):
                rules += shaping.wire_rules(port_in, q, p)
                if p.delay or p.jitter:
                    queues[str(q)] = {"delay_ms": p.delay, "jitter_ms": p.jitter}
        if tc:
            tc_batch(wire, tc)
        if queues:
            self._start_delayd(net, queues)
        # Conntrack has nothing to do on a wire; skipping it saves time per packet.
        rules.append("-A PREROUTING -j CT --notrack")
        restore = "*raw\n" + "\n".join(rules) + "\nCOMMIT\n"
        r = subprocess.run(["ip", "netns", "exec", wire, "iptables-restore"], input=restore,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise BuildError(f"iptables-restore in the wire namespace: {r.stderr.strip()}")

    @staticmethod
    def _start_delayd(net: Network, queues: dict) -> None:
        run = net.run
        cfg = run.dir / "delayd.json"
        cfg.write_text(json.dumps({"queues": queues,
                                   "overhead_us": shaping.DELAYD_OVERHEAD_US}))
        log = open(run.dir / "delayd.log", "w")  # noqa: SIM115 - handed to the child
        proc = subprocess.Popen(
            ["ip", "netns", "exec", run.wire_ns, sys.executable, "-m",
             "netdojo.net.delayd", str(cfg)],
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        run.record_process(proc.pid, "delayd")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.1)
            if ready:
                line = proc.stdout.readline()
                if line.strip() == b"ready":
                    proc.stdout.close()
                    return
                if not line:
                    break
            if proc.poll() is not None:
                break
        err = Path(run.dir / "delayd.log").read_text().strip()
        raise BuildError(f"userspace delay line did not start: {err or 'no answer in 10 s'}")


SHAPERS: dict[str, Shaper] = {s.name: s for s in (NoShaper(), NetemShaper(), UserspaceShaper())}


def shaper_for(name: str) -> Shaper:
    """The shaper a run recorded (chosen once, from the machine's capabilities, at `up`)."""
    try:
        return SHAPERS[name]
    except KeyError:
        raise BuildError(f"unknown shaper {name!r} (known: {', '.join(SHAPERS)})") from None
