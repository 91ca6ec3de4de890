"""radvd on a router: IPv6 router advertisements, from which the LAN's hosts take their prefix
and default router and make their own addresses (SLAAC, RFC 4862).  Settings:

    radvd: {prefixes: {eth0: "fd12:3456:789a:1::/64"}}

An interface without a prefix advertises nothing, so a lab whose radvd.conf a student writes
starts with a router that is silent until the student's file replaces netdojo's: hosts learn
no stale prefix from netdojo (an address from an advertisement lives on for days).
"""

from __future__ import annotations

import ipaddress

from netdojo.services.base import Service

CONF = "/etc/netdojo/radvd.conf"
PID = "/run/netdojo-radvd.pid"
LOG = "/var/log/netdojo-radvd.log"


def render_conf(prefixes: dict[str, str], ifnames: list[str]) -> str:
    """radvd.conf: an advertisement every 3–10 s (a lab waits seconds, not radvd's 200 s
    default) for each prefix; every other interface silent."""
    blocks = []
    for ifname in ifnames:
        if ifname in prefixes:
            blocks.append(f"interface {ifname} {{\n  AdvSendAdvert on;\n  MinRtrAdvInterval 3;\n"
                          f"  MaxRtrAdvInterval 10;\n  prefix {prefixes[ifname]} {{\n"
                          "    AdvOnLink on;\n    AdvAutonomous on;\n  };\n};\n")
        else:
            blocks.append(f"interface {ifname} {{\n  AdvSendAdvert off;\n}};\n")
    return "".join(blocks)


class Radvd(Service):
    name = "radvd"
    phase = 0
    config_path = CONF

    def render(self) -> None:
        self.allow("prefixes")
        if not self.net.topo.ipv6:
            raise self.fail("router advertisements need IPv6: add 'ipv6: true' to the topology")
        if not self.net.topo.nodes[self.node].routes_packets:
            raise self.fail("radvd runs on a router: add 'forward: true'")
        ifnames = [ifname for ifname, _ in self.net.addr.addresses_of(self.node)]
        prefixes = {}
        for ifname, text in (self.settings.get("prefixes") or {}).items():
            if ifname not in ifnames:
                raise self.fail(f"prefixes: {ifname!r} is not one of its interfaces "
                                f"({', '.join(ifnames)})")
            try:
                net = ipaddress.IPv6Network(str(text))
            except ValueError:
                raise self.fail(f"prefixes.{ifname}: {text!r} is not an IPv6 prefix") from None
            if net.prefixlen != 64:
                raise self.fail(f"prefixes.{ifname}: SLAAC needs a /64, got /{net.prefixlen}")
            prefixes[ifname] = str(net)
        self.files = {CONF: render_conf(prefixes, ifnames)}

    def check_argv(self) -> list[str]:
        return ["radvd", "--configtest", "-C", CONF]

    def start_argv(self) -> list[str]:
        # radvd checks its config and the interfaces before it goes to the background: a
        # refusal ends here with radvd's own words from its log
        return ["sh", "-c", f"rm -f {LOG} {PID}; radvd -C {CONF} -p {PID} -m logfile -l {LOG} "
                f">/dev/null 2>&1 || {{ cat {LOG}; exit 1; }}"]

    def ready(self) -> bool:
        return self.sh(["sh", "-c", f'kill -0 "$(cat {PID} 2>/dev/null)" 2>/dev/null']
                       ).returncode == 0

    def stop(self) -> None:
        self.stop_pidfile(PID)

    def log(self) -> str:
        return self.sh(["sh", "-c", f"cat {LOG} 2>/dev/null; true"]).stdout
