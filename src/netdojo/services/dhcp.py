"""ISC Kea DHCPv4 server and a real DHCP client (ISC dhclient).  Settings:

    dhcp: {interface: eth0, pool: [10.0.0.100, 10.0.0.199], router: r1, dns: [dns1],
           domain: lab.example, lease_time: 600, reservations: [{node: h2, ip: 10.0.0.50}]}

A link endpoint written `ips: {h2: dhcp}` gets a dhcp_client on that interface by itself.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
import subprocess
from collections.abc import Callable

from netdojo.services.base import Service
from netdojo.topo.addressing import mac_for

CONF = "/etc/netdojo/kea/kea-dhcp4.conf"
PIDFILE = "/run/netdojo-kea-dhcp4.pid"  # the pid of the kea-dhcp4 netdojo started
LEASES = "/var/lib/kea/netdojo-leases4.csv"


def newest_lease(text: str) -> dict[str, str | None]:
    """The newest lease in a dhclient lease file: its address, routers and DNS servers (None
    where the file has none: no server offered, or the option was not sent)."""
    addr = re.findall(r"fixed-address ([\d.]+);", text)
    routers = re.findall(r"option routers ([\d., ]+);", text)
    dns = re.findall(r"option domain-name-servers ([\d., ]+);", text)
    return {"address": addr[-1] if addr else None,
            "routers": routers[-1].replace(" ", "") if routers else None,
            "dns": dns[-1].replace(" ", "") if dns else None}


def fresh_lease(sh: Callable[..., subprocess.CompletedProcess], ifname: str = "eth0"
                ) -> dict[str, str | None]:
    """A fresh lease from whichever server answers on `ifname`: the old lease released,
    dhclient run once with its own config but giving up after 10 s (not 60) when no server
    offers.  `sh(argv, timeout=…)` runs a command in the client's node."""
    pf, lf = f"/run/dhclient.{ifname}.pid", f"/var/lib/dhcp/dhclient.{ifname}.leases"
    sh(["dhclient", "-4", "-r", "-pf", pf, "-lf", lf, ifname], timeout=15)
    cf = "/tmp/netdojo-dhclient.conf"
    sh(["sh", "-c", f"rm -f {lf}; ip -4 addr flush dev {ifname}; "
        f"sed 's/^#timeout 60;/timeout 10;/' /etc/dhcp/dhclient.conf > {cf}"])
    sh(["dhclient", "-4", "-1", "-cf", cf, "-pf", pf, "-lf", lf, ifname], timeout=20)
    return newest_lease(sh(["cat", lf]).stdout)


class KeaDhcp(Service):
    name = "dhcp"
    phase = 1
    config_path = CONF

    def render(self) -> None:
        s = self.settings
        self.allow("interface", "pool", "router", "dns", "domain", "lease_time", "reservations",
                   "raw")
        ifname = s.get("interface") or self.first_ifname()
        ip = dict(self.net.addr.addresses_of(self.node)).get(ifname)
        if ip is None:
            raise self.fail(f"interface {ifname!r} has no static address to serve from")
        subnet = ip.network
        hosts = list(subnet.hosts())
        if "pool" in s:
            try:
                lo, hi = (ipaddress.IPv4Address(str(x)) for x in s["pool"])
            except (ValueError, TypeError):
                raise self.fail(f"pool must be [first, last] addresses, got {s['pool']!r}") from None
            if lo not in subnet or hi not in subnet or lo > hi:
                raise self.fail(f"pool {lo}-{hi} is not inside {subnet}")
        else:
            lo, hi = hosts[len(hosts) // 2], hosts[-1]
        options = []
        router = s.get("router") or self._segment_router(ifname)
        if router:
            options.append({"name": "routers", "data": self.ip_of(str(router))})
        dns = s.get("dns") or []
        dns = [dns] if isinstance(dns, str) else dns
        if dns:
            options.append({"name": "domain-name-servers",
                            "data": ", ".join(self.ip_of(str(d)) for d in dns)})
        if s.get("domain"):
            options.append({"name": "domain-name", "data": str(s["domain"])})
        reservations = []
        for r in s.get("reservations") or []:
            node = r.get("node")
            seed = self.net.topo.mac_seed
            mac = r.get("mac") or (mac_for(node, self._ifname_of(node), seed) if node else None)
            if not mac or "ip" not in r:
                raise self.fail(f"a reservation needs ip and node (or mac): {r!r}")
            reservations.append({"hw-address": mac, "ip-address": str(r["ip"]),
                                 **({"hostname": node} if node else {})})
        conf = {"Dhcp4": {
            "interfaces-config": {"interfaces": [ifname], "dhcp-socket-type": "raw"},
            "lease-database": {"type": "memfile", "persist": True, "name": LEASES,
                               "lfc-interval": 0},
            "valid-lifetime": int(s.get("lease_time", 600)),
            "subnet4": [{"id": 1, "subnet": str(subnet), "pools": [{"pool": f"{lo} - {hi}"}],
                         "option-data": options, "reservations": reservations}],
            "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                         "output_options": [{"output": "/var/log/kea-dhcp4.log"}]}],
        }}
        if isinstance(s.get("raw"), dict):  # escape hatch: merged verbatim (labs break configs)
            conf["Dhcp4"].update(s["raw"])
        self.files = {CONF: json.dumps(conf, indent=1)}
        self.pool = (lo, hi)

    def _segment_router(self, ifname: str) -> str | None:
        seg = self.net.addr.segment_of[(self.node, ifname)]
        for node, ifn in seg.members:
            if self.net.topo.nodes[node].routes_packets and (node, ifn) in self.net.addr.ips:
                return str(self.net.addr.ips[(node, ifn)].ip)
        return None

    def _ifname_of(self, node: str) -> str:
        for lk in self.net.topo.links:
            if node in (lk.a.node, lk.b.node):
                return lk.endpoint(node).ifname  # type: ignore[return-value]
        raise self.fail(f"reservation names {node!r}, which has no interface")

    def check_argv(self) -> list[str]:
        return ["kea-dhcp4", "-t", CONF]

    def start_argv(self) -> list[str]:
        return ["sh", "-c", f"mkdir -p /run/kea /var/lib/kea && "
                f"(kea-dhcp4 -c {CONF} >/var/log/kea-dhcp4.out 2>&1 & echo $! > {PIDFILE})"]

    def stop(self) -> None:
        self.stop_pidfile(PIDFILE)

    def ready(self) -> bool:
        return self.listening(67, udp=True)

    def leases(self) -> list[dict[str, str]]:
        """The server's lease file, as rows (address, hwaddr, hostname, expire...)."""
        r = self.sh(["cat", LEASES])
        return list(csv.DictReader(io.StringIO(r.stdout))) if r.returncode == 0 else []


class DhcpClient(Service):
    name = "dhcp_client"
    phase = 2
    ready_timeout = 30.0

    def render(self) -> None:
        self.allow("interface")
        self.ifname = self.settings.get("interface") or self.first_ifname()

    def start_argv(self) -> list[str]:
        # -nw: go to the background at once; the readiness probe waits for the lease.
        return ["dhclient", "-4", "-nw", "-pf", f"/run/dhclient.{self.ifname}.pid",
                "-lf", f"/var/lib/dhcp/dhclient.{self.ifname}.leases", self.ifname]

    def ready(self) -> bool:
        r = self.sh(["ip", "-4", "-o", "addr", "show", "dev", self.ifname])
        return " inet " in r.stdout

    def address(self) -> str | None:
        r = self.sh(["ip", "-4", "-o", "addr", "show", "dev", self.ifname])
        parts = r.stdout.split()
        return parts[parts.index("inet") + 1] if "inet" in parts else None
