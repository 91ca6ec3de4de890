"""The interactive shell of `netdojo up`, in Mininet's manner: `h1 ping h2`, `r1 ip route`.

Words that name a node are replaced by its address, as in Mininet's CLI; the command runs in
that node's namespace through `sh -c`, so pipes and redirections work.
"""

from __future__ import annotations

import cmd
import shlex
import signal
import subprocess
import sys

from netdojo.errors import NetdojoError
from netdojo.measure.ping import ping
from netdojo.net import failures
from netdojo.net.network import Network


class Shell(cmd.Cmd):
    intro = "netdojo shell: '<node> <command>' runs in a node; 'help' lists the rest."
    prompt = "netdojo> "

    def __init__(self, net: Network, stdin=None, interactive: bool = True,
                 hide_shaping: bool = False):
        super().__init__(stdin=stdin)
        self.hide_shaping = hide_shaping  # a lab's links hold what its student must measure
        if not interactive:
            self.use_rawinput = False
            self.prompt = ""
            self.intro = None
        self.net = net

    def emptyline(self) -> bool:
        return False

    def default(self, line: str) -> bool:
        words = line.split(None, 1)
        node = words[0]
        if node not in self.net.topo.nodes:
            print(f"*** unknown command or node: {node!r} (try 'nodes' or 'help')")
            return False
        if len(words) < 2:
            print(f"*** usage: {node} COMMAND")
            return False
        self._run(node, self._substitute(words[1]))
        return False

    def _substitute(self, text: str) -> str:
        try:
            tokens = shlex.split(text)
        except ValueError:
            return text
        nodes = self.net.topo.nodes
        swapped = [self.net.ip(t) if t in nodes and nodes[t].kind != "switch" else t
                   for t in tokens]
        return text if swapped == tokens else shlex.join(swapped)

    def _run(self, node: str, command: str) -> int:
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the command
        try:
            argv = self.net.exec_argv(node, ["sh", "-c", command],
                                      interactive=sys.stdin.isatty())
            return subprocess.run(argv).returncode
        finally:
            signal.signal(signal.SIGINT, old)

    def do_nodes(self, _: str) -> bool:
        """List nodes and their kind."""
        for name, node in self.net.topo.nodes.items():
            print(f"{name:12} {node.kind}")
        return False

    def do_links(self, _: str) -> bool:
        """List links with their parameters."""
        for lk in self.net.topo.links:
            p = lk.params
            if self.hide_shaping:
                print(f"{str(lk.a):16} <-> {str(lk.b):16} (rate, delay and loss: measure them)")
                continue
            print(f"{str(lk.a):16} <-> {str(lk.b):16} bw={p.bw} delay={p.delay}ms "
                  f"jitter={p.jitter}ms loss={p.loss}% queue={p.queue}")
        if self.hide_shaping:
            print("In a lab the links' settings are what you measure; `netdojo lab show` lists "
                  "the values you are given.")
        return False

    def do_net(self, _: str) -> bool:
        """Each node's interfaces and what they connect to."""
        for name in self.net.topo.nodes:
            ends = [f"{lk.endpoint(name).ifname}:{lk.other(name)}"
                    for lk in self.net.topo.links if name in (lk.a.node, lk.b.node)]
            print(f"{name} " + " ".join(ends))
        return False

    def do_dump(self, _: str) -> bool:
        """Each node's addresses and namespace."""
        for name, node in self.net.topo.nodes.items():
            addrs = ", ".join(f"{i}={ip}" for i, ip in self.net.addr.addresses_of(name))
            print(f"{name:12} {node.kind:7} ns={self.net.ns(name)} {addrs}")
        return False

    def do_pingall(self, _: str) -> bool:
        """Ping between every pair of hosts once; report the drop rate."""
        hosts = self.net.topo.hosts()
        lost = total = 0
        for a in hosts:
            got = []
            for b in hosts:
                if a == b:
                    continue
                r = ping(self.net.ns(a), self.net.ip(b), count=1, deadline=2)
                total += 1
                lost += r.received == 0
                got.append(b if r.received else "X")
            print(f"{a} -> {' '.join(got)}")
        print(f"*** Results: {100 * lost / max(total, 1):.0f}% dropped "
              f"({total - lost}/{total} received)")
        return False

    def do_fail(self, line: str) -> bool:
        """fail NODE | fail NODE-NODE: switch a node off or pull a link's cable (routers route
        around it)."""
        return self._failure(failures.fail, line, "failed")

    def do_restore(self, line: str) -> bool:
        """restore NODE | NODE-NODE | all: bring a failed element back."""
        if line.strip() == "all":
            failures.restore_all(self.net)
            print("everything restored")
            return False
        return self._failure(failures.restore, line, "restored")

    def _failure(self, action, line: str, done: str) -> bool:
        if not line.strip():
            print("*** usage: fail NODE | fail NODE-NODE   (restore the same way)")
            return False
        try:
            el = action(self.net, line)
        except NetdojoError as e:
            print(f"*** {e}")
            return False
        now = failures.failed(self.net)
        print(f"{el.name}: {done} ({len(el.ports)} interface(s)); "
              f"down now: {', '.join(now) if now else 'nothing'}")
        return False

    def do_sh(self, line: str) -> bool:
        """Run a command on the host (outside the lab)."""
        subprocess.run(line, shell=True)
        return False

    def do_exit(self, _: str) -> bool:
        """Leave the shell and tear the lab down."""
        return True

    do_quit = do_exit

    def do_EOF(self, _: str) -> bool:  # noqa: N802 - cmd.Cmd's name for end of input
        print()
        return True


def shell_until_exit(net: Network, detach: bool, teardown, banner,
                     hide_shaping: bool = False) -> int:
    """`up` and `lab start`: print the banner, then with --detach say how to reach the run and
    leave it up; else open the shell and tear down when it ends (exit, Ctrl-D, Ctrl-C, SIGTERM,
    a closed tty).  The banner is printed inside the try, so a Ctrl-C sent the moment it
    appears still tears the run down."""
    left_up = False
    try:
        banner()
        if detach:
            print(f"  netdojo exec --run {net.run.id} NODE -- CMD   |   "
                  f"netdojo down {net.run.id}")
            left_up = True
            return 0
        Shell(net, interactive=sys.stdin.isatty(), hide_shaping=hide_shaping).cmdloop()
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        if not left_up:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop cleanup
            teardown()
            print(f"run {net.run.id}: down", flush=True)
    return 0
