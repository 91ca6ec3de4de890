"""BIND 9: an authoritative server for the lab zones (A, AAAA, CNAME, MX, PTR — an A record per
node is made for you), optionally the lab's root, and a recursive resolver that iterates from
that root.  Settings:

    dns:      {zone: lab.example, records: [{name: www, type: CNAME, value: web1}], root: true}
    resolver: {root: dns1}
"""

from __future__ import annotations

import ipaddress

from netdojo.services.base import Service

CONF = "/etc/netdojo/dns/named.conf"
TYPES = {"A", "AAAA", "CNAME", "MX", "PTR", "TXT", "NS"}


def _options(recursion: bool) -> str:
    rec = "yes" if recursion else "no"
    return f"""options {{
  directory "/var/cache/bind";
  pid-file "/run/named/named.pid";
  listen-on {{ any; }};
  listen-on-v6 {{ none; }};
  allow-query {{ any; }};
  recursion {rec};
  allow-recursion {{ {"any" if recursion else "none"}; }};
  dnssec-validation no;
  minimal-responses no;
  empty-zones-enable no;  // else BIND answers RFC 1918 reverse lookups itself (NXDOMAIN)
}};
"""


class _Bind(Service):
    config_path = CONF
    ready_timeout = 20.0

    def check_argv(self) -> list[str]:
        return ["named-checkconf", "-z", CONF]

    def start_argv(self) -> list[str]:
        return ["named", "-u", "bind", "-c", CONF]

    def stop(self) -> None:
        self.stop_pidfile("/run/named/named.pid")

    def started(self) -> bool:
        return self.listening(53, udp=True)

    def ready(self) -> bool:
        r = self.sh(["dig", "+time=1", "+tries=1", "+short", "@127.0.0.1", self._probe_name(),
                     "SOA"])
        return r.returncode == 0 and bool(r.stdout.strip())

    def _probe_name(self) -> str:
        return "."


class BindAuthoritative(_Bind):
    name = "dns"
    phase = 0

    def render(self) -> None:
        s = self.settings
        self.allow("zone", "records", "root", "ttl")
        self.zone = str(s.get("zone", "lab.example")).rstrip(".")
        ttl = int(s.get("ttl", 300))
        me = self.net.ip(self.node)
        head = (f"$TTL {ttl}\n@ IN SOA ns.{self.zone}. hostmaster.{self.zone}. "
                "1 3600 600 86400 60\n")
        lines = [head, f"@ IN NS ns.{self.zone}.\n", f"ns IN A {me}\n"]
        for node in self.net.topo.nodes:
            ip = self.net.addr.primary_ip(node)
            if ip is not None:
                lines.append(f"{node} IN A {ip}\n")
        for rec in s.get("records") or []:
            lines.append(self._record(rec))
        files = {f"/etc/netdojo/dns/db.{self.zone}": "".join(lines)}
        zones = [f'zone "{self.zone}" {{ type primary; file "/etc/netdojo/dns/db.{self.zone}"; }};\n']
        for rev, text in self._reverse(head).items():
            files[f"/etc/netdojo/dns/db.{rev}"] = text
            zones.append(f'zone "{rev}" {{ type primary; file "/etc/netdojo/dns/db.{rev}"; }};\n')
        if s.get("root"):
            root = [f"$TTL {ttl}\n. IN SOA a.root-servers.lab. hostmaster.lab. 1 3600 600 86400 60\n",
                    ". IN NS a.root-servers.lab.\n", f"a.root-servers.lab. IN A {me}\n",
                    f"{self.zone}. IN NS ns.{self.zone}.\n", f"ns.{self.zone}. IN A {me}\n"]
            for rev in self._reverse(head):
                root.append(f"{rev}. IN NS ns.{self.zone}.\n")
            files["/etc/netdojo/dns/db.root"] = "".join(root)
            zones.append('zone "." { type primary; file "/etc/netdojo/dns/db.root"; };\n')
        files[CONF] = _options(False) + "".join(zones)
        self.files = files

    def _probe_name(self) -> str:
        return self.zone

    def _record(self, rec: dict) -> str:
        if not isinstance(rec, dict) or not {"name", "type", "value"} <= set(rec):
            raise self.fail(f"a record needs name, type and value: {rec!r}")
        rtype = str(rec["type"]).upper()
        if rtype not in TYPES:
            raise self.fail(f"record type {rtype!r} is not one of {sorted(TYPES)}")
        value = str(rec["value"])
        if rtype == "A" and value in self.net.topo.nodes:
            value = self.net.ip(value)
        return f"{rec['name']} IN {rtype} {value}\n"

    def _reverse(self, head: str) -> dict[str, str]:
        """One in-addr.arpa zone per /24 holding lab addresses, a PTR per node address."""
        zones: dict[str, list[str]] = {}
        for (node, _), ip in sorted(self.net.addr.ips.items()):
            octets = str(ip.ip).split(".")
            rev = ".".join(reversed(octets[:3])) + ".in-addr.arpa"
            zones.setdefault(rev, [head.replace("@ IN SOA", "@ IN SOA"),
                                   f"@ IN NS ns.{self.zone}.\n"])
            zones[rev].append(f"{octets[3]} IN PTR {node}.{self.zone}.\n")
        return {k: "".join(v) for k, v in zones.items()}


class BindResolver(_Bind):
    name = "resolver"
    phase = 1

    def render(self) -> None:
        self.allow("root")
        root = self.settings.get("root")
        if not root:
            raise self.fail("'root' must name the node whose dns service has root: true")
        try:
            ip = ipaddress.IPv4Address(self.ip_of(str(root)))
        except ValueError:
            raise self.fail(f"root {root!r} is neither a node nor an address") from None
        hints = f". 3600000 IN NS a.root-servers.lab.\na.root-servers.lab. 3600000 IN A {ip}\n"
        self.files = {
            "/etc/netdojo/dns/root.hints": hints,
            CONF: _options(True) + 'zone "." { type hint; file "/etc/netdojo/dns/root.hints"; };\n',
        }

    def ready(self) -> bool:
        r = self.sh(["dig", "+time=1", "+tries=1", "+short", "@127.0.0.1", ".", "NS"])
        return r.returncode == 0 and "root-servers" in r.stdout
