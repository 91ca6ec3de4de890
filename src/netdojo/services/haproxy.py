"""HAProxy as the lab's load balancer: L7 (`mode http`) or L4 (`mode tcp`) over the same
backends, active and passive health checks, retries/redispatch/retry-on, routing by path, Host
header and cookie, the runtime API, and the stats / Prometheus page on :8404.  Settings:

    haproxy:
      mode: http                 # http (L7) | tcp (L4)
      port: 80
      backends: [web1, web2, web3]
      backend_port: 80
      balance: roundrobin
      check: {type: http, path: /health, inter: 2000, fastinter: 1000, fall: 3, rise: 2}
                                 # type tcp = a bare `check` (connect only); omitted timers
                                 # keep HAProxy's own defaults (inter 2s, fall 3, rise 2)
      passive: {error_limit: 10, on_error: mark-down}     # observe layer7 (or layer4 in tcp)
      retries: 3
      redispatch: true
      retry_on: [conn-failure, empty-response, response-timeout, 503]
      routes: [{path: /api, backends: [web3]}, {host: static.lab.example, backends: [web2]}]
      cookie: true
      timeouts: {connect: 1s, client: 30s, server: 5s, check: 1s}
      tls: true                  # also terminate TLS on :443 (HTTP/1.1 and HTTP/2 by ALPN)
                                 # with a certificate from the run's CA; backends stay clear
"""

from __future__ import annotations

from dataclasses import dataclass

from netdojo.services.base import Service
from netdojo.services.install import install, wait_ready
from netdojo.services.tls import node_certificate

CONF = "/etc/netdojo/haproxy.cfg"
# netdojo's own runtime-API sockets live in a second config file, loaded after the main one
# (HAProxy merges global sections), so a hand-written haproxy.cfg needs none of them.
API_CONF = "/etc/netdojo/haproxy-api.cfg"
SOCK = "/run/netdojo-haproxy.sock"
API_PORT = 9999  # the runtime API also on 127.0.0.1 inside the node, for cheap polling
KEYS = {"mode", "port", "backends", "backend_port", "balance", "check", "passive", "retries",
        "redispatch", "retry_on", "routes", "cookie", "timeouts", "stats_port", "tls"}
PEM = "/etc/netdojo/tls/haproxy.pem"  # certificate chain + key, as `ssl crt` reads them


@dataclass
class ServerState:
    backend: str
    server: str
    address: str
    up: bool
    admin_down: bool
    raw: dict[str, str]


class HAProxy(Service):
    name = "haproxy"
    phase = 3
    config_path = CONF
    ready_timeout = 30.0

    def render(self) -> None:
        s = self.settings
        self.allow(*sorted(KEYS))
        mode = s.get("mode", "http")
        if mode not in ("http", "tcp"):
            raise self.fail(f"mode is http (L7) or tcp (L4), got {mode!r}")
        backends = s.get("backends") or []
        if not backends:
            raise self.fail("'backends' must list at least one node")
        for b in backends:
            if b not in self.net.topo.nodes:
                raise self.fail(f"backend {b!r} is not a node of this topology")
        self.mode = mode
        port, bport = int(s.get("port", 80)), int(s.get("backend_port", 80))
        chk = {"type": "http", "path": "/health", **(s.get("check") or {})}
        if chk["type"] not in ("http", "tcp"):
            raise self.fail(f"check type is http or tcp, got {chk['type']!r}")
        t = {"connect": "1s", "client": "30s", "server": "5s", "check": "1s",
             **(s.get("timeouts") or {})}
        retry_on = s.get("retry_on")
        if isinstance(retry_on, list):
            retry_on = " ".join(str(x) for x in retry_on)
        lines = [
            "global",
            "  log stdout format raw local0 info",
            "defaults",
            f"  mode {mode}",
            "  log global",
            f"  timeout connect {t['connect']}",
            f"  timeout client {t['client']}",
            f"  timeout server {t['server']}",
            f"  timeout check {t['check']}",
            f"  retries {int(s.get('retries', 3))}",
        ]
        if s.get("redispatch"):
            # an integer redispatches every Nth retry; true keeps HAProxy's "last retry"
            every = s["redispatch"]
            lines.append("  option redispatch" + (f" {every}" if every is not True else ""))
        if retry_on and mode == "http":
            lines.append(f"  retry-on {retry_on}")
        lines += [f"frontend fe_{mode}", f"  bind :{port}"]
        files = {}
        if s.get("tls"):
            if mode != "http":
                raise self.fail("tls terminates HTTPS, which needs mode http (L7)")

            cert, key, _ = node_certificate(self.net, self.node)
            files[PEM] = cert + key
            # A client deciphers a TLS record only once all of it has come. Unbounded, HAProxy
            # sometimes seals headers and a 10 KiB body in one record whose tail waits a round
            # trip behind the initial congestion window: the first byte then costs 4R, not 3R
            # (seen in 1 of 20 requests here). Records that fit one segment keep it at 3R.
            lines.insert(1, "  tune.ssl.maxrecord 1400")
            lines += [f"  bind :443 ssl crt {PEM} alpn h2,http/1.1",
                      "  http-request set-header X-Forwarded-Proto https if { ssl_fc }"]
        if mode == "http":
            lines.append("  option forwardfor")
        routes = s.get("routes") or []
        for i, r in enumerate(routes):
            if mode != "http":
                raise self.fail("routes by path, Host or cookie need mode http (L7)")
            conds = []
            if "path" in r:
                conds.append(f"{{ path_beg {r['path']} }}")
            if "host" in r:
                conds.append(f"{{ hdr(host) -i {r['host']} }}")
            if not conds or not r.get("backends"):
                raise self.fail(f"a route needs path or host, and backends: {r!r}")
            lines.append(f"  use_backend be_route{i} if {' '.join(conds)}")
        lines.append("  default_backend be_all")
        lines += ["frontend stats", f"  bind :{int(s.get('stats_port', 8404))}", "  mode http",
                  "  http-request use-service prometheus-exporter if { path /metrics }",
                  "  stats enable", "  stats uri /stats", "  stats refresh 2s",
                  "  stats admin if TRUE"]
        lines += self._backend("be_all", backends, bport, chk, s)
        for i, r in enumerate(routes):
            lines += self._backend(f"be_route{i}", r["backends"], bport, chk, s)
        self.files = {**self.support_files(), **files, CONF: "\n".join(lines) + "\n"}

    def support_files(self) -> dict[str, str]:
        return {API_CONF: f"global\n  stats socket {SOCK} mode 600 level admin\n"
                          f"  stats socket ipv4@127.0.0.1:{API_PORT} level admin\n"}

    def _backend(self, name: str, servers: list[str], port: int, chk: dict, s: dict) -> list[str]:
        lines = [f"backend {name}", f"  balance {s.get('balance', 'roundrobin')}"]
        if chk["type"] == "http":  # an HTTP check works behind mode tcp too
            lines += [f"  option httpchk GET {chk['path']}", "  http-check expect status 200"]
        if s.get("cookie") and self.mode == "http":
            lines.append("  cookie SERVERID insert indirect nocache")
        default = "  default-server check" + "".join(
            f" {k} {chk[k]}" for k in ("inter", "fastinter", "downinter", "fall", "rise")
            if k in chk)
        passive = s.get("passive")
        if passive:
            layer = "layer7" if self.mode == "http" else "layer4"
            default += (f" observe {layer} error-limit {int(passive.get('error_limit', 10))} "
                        f"on-error {passive.get('on_error', 'mark-down')}")
        lines.append(default)
        for srv in servers:
            if srv not in self.net.topo.nodes:
                raise self.fail(f"backend {srv!r} is not a node of this topology")
            cookie = f" cookie {srv}" if s.get("cookie") and self.mode == "http" else ""
            lines.append(f"  server {srv} {self.net.ip(srv)}:{port}{cookie}")
        return lines

    def check_argv(self) -> list[str]:
        return ["haproxy", "-c", "-f", CONF, "-f", API_CONF]

    def start_argv(self) -> list[str]:
        return ["haproxy", "-D", "-f", CONF, "-f", API_CONF, "-p", "/run/haproxy.pid"]

    def stop(self) -> None:
        self.stop_pidfile("/run/haproxy.pid")

    def reconfigure(self, settings: dict) -> None:
        """Replace the config (checked by haproxy -c first) and restart on it."""

        self.settings = dict(settings)
        self.render()
        self.stop()
        install(self)
        wait_ready([self])

    def ready(self) -> bool:
        states = self.servers()
        return bool(states) and all(st.up for st in states)

    def started(self) -> bool:
        return "Name:" in self.api("show info")

    # ----- runtime API -------------------------------------------------------------------------
    def api(self, command: str) -> str:
        r = self.sh(["socat", "stdio", f"unix-connect:{SOCK}"], input=command + "\n")
        return r.stdout

    def servers(self) -> list[ServerState]:
        """`show servers state`, parsed: which servers are UP (srv_op_state 2)."""
        return parse_servers_state(self.api("show servers state"))

    def set_server(self, server: str, enabled: bool, backend: str = "be_all") -> str:
        verb = "enable" if enabled else "disable"
        return self.api(f"{verb} server {backend}/{server}")


def parse_servers_state(out: str) -> list[ServerState]:
    lines = [ln for ln in out.splitlines() if ln.strip()]
    if len(lines) < 2 or not lines[1].startswith("#"):
        return []
    cols = lines[1].lstrip("# ").split()
    states = []
    for ln in lines[2:]:
        row = dict(zip(cols, ln.split(), strict=False))
        if "srv_name" in row:
            states.append(ServerState(row["be_name"], row["srv_name"], row["srv_addr"],
                                      row["srv_op_state"] == "2",
                                      int(row["srv_admin_state"]) & 0x01 != 0, row))
    return states
