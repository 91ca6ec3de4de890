"""NAT on a forwarding container with nftables: masquerade (SNAT) out of the outside interface
and port forwards (DNAT) into the private side.  Settings:

    nat: {outside: eth1, forwards: [{proto: tcp, port: 2222, to: h1, to_port: 22}]}

`outside` defaults to the interface whose address is on a documentation prefix — the lab's
emulated internet, never the real uplink.
"""

from __future__ import annotations

import ipaddress

from netdojo.services.base import Service

CONF = "/etc/netdojo/nat.nft"
DOC_PREFIXES = [ipaddress.IPv4Network(n) for n in
                ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24")]


class Nat(Service):
    name = "nat"
    phase = 0
    config_path = CONF

    def render(self) -> None:
        s = self.settings
        self.allow("outside", "forwards")
        if not self.net.topo.nodes[self.node].forward:
            raise self.fail("a NAT node must forward packets: add 'forward: true'")
        addrs = dict(self.net.addr.addresses_of(self.node))
        outside = s.get("outside") or next(
            (i for i, ip in addrs.items() if any(ip.ip in d for d in DOC_PREFIXES)), None)
        if outside not in addrs:
            raise self.fail("'outside' must name one of its interfaces "
                            f"({', '.join(addrs)}), got {outside!r}")
        self.outside = outside
        rules = []
        for fwd in s.get("forwards") or []:
            proto = fwd.get("proto", "tcp")
            if proto not in ("tcp", "udp") or "port" not in fwd or "to" not in fwd:
                raise self.fail(f"a forward needs proto tcp|udp, port and to: {fwd!r}")
            to_port = int(fwd.get("to_port", fwd["port"]))
            rules.append(f'    iifname "{outside}" {proto} dport {int(fwd["port"])} '
                         f'dnat to {self.ip_of(str(fwd["to"]))}:{to_port}\n')
        self.files = {CONF: (
            "table ip netdojo_nat\ndelete table ip netdojo_nat\n"
            "table ip netdojo_nat {\n"
            "  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n"
            + "".join(rules) + "  }\n"
            "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n"
            f'    oifname "{outside}" masquerade\n  }}\n}}\n')}

    def check_argv(self) -> list[str]:
        return ["nft", "-c", "-f", CONF]

    def start_argv(self) -> list[str]:
        return ["nft", "-f", CONF]

    def ready(self) -> bool:
        return self.sh(["nft", "list", "table", "ip", "netdojo_nat"]).returncode == 0

    def stop(self) -> None:
        # The ruleset lives in the node's own namespace (a pod of the lab): flushing it
        # touches nothing outside the lab.
        self.sh(["nft", "flush", "ruleset"])

    def started(self) -> bool:
        """A ruleset someone wrote has its own table names: any loaded rule will do."""
        return bool(self.sh(["nft", "list", "ruleset"]).stdout.strip())

    def conntrack(self) -> str:
        """The NAT's connection-tracking table (`conntrack -L`), for labs to inspect."""
        return self.sh(["conntrack", "-L"]).stdout
