"""nginx as an edge cache: HTTPS terminated near the client, answers kept for a while, and only
the misses cross the WAN to the origin (over one kept-alive TLS connection) — what a CDN's edge
does in front of a site.  Settings:

    edge_cache:
      origin: web                # the node that serves the site (an http service)
      origin_tls: true           # edge → origin over HTTPS (the origin's certificate is
                                 # checked against the run's CA); false: clear HTTP on 80
      ttl: 60                    # seconds a 200 answer stays in the cache

Every answer carries X-Cache-Status (MISS, HIT, EXPIRED…), so a client sees where it came from.
"""

from __future__ import annotations

from netdojo.services.base import Service
from netdojo.services.tls import node_certificate

CONF = "/etc/netdojo/nginx.conf"
TLS_DIR = "/etc/netdojo/tls"
PIDFILE = "/run/netdojo-nginx.pid"
CACHE_DIR = "/var/cache/netdojo-edge"


class EdgeCache(Service):
    name = "edge_cache"
    phase = 3  # after the origin's web server
    config_path = CONF
    ready_timeout = 20.0

    def render(self) -> None:
        s = self.settings
        self.allow("origin", "origin_tls", "ttl")
        origin = s.get("origin")
        if origin not in self.net.topo.nodes:
            raise self.fail(f"origin must name a node of this topology, got {origin!r}")
        ttl = s.get("ttl", 60)
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 < ttl <= 86400:
            raise self.fail(f"ttl is whole seconds between 1 and 86400, got {ttl!r}")
        tls = bool(s.get("origin_tls", True))
        cert, key, ca = node_certificate(self.net, self.node)
        upstream = f"{self.net.ip(origin)}:{443 if tls else 80}"
        scheme = "https" if tls else "http"
        origin_tls = [f"proxy_ssl_name {origin};", "proxy_ssl_server_name on;",
                      "proxy_ssl_verify on;", f"proxy_ssl_trusted_certificate {TLS_DIR}/ca.pem;",
                      "proxy_ssl_session_reuse on;"] if tls else []
        conf = f"""\
worker_processes 1;
pid {PIDFILE};
error_log /var/log/nginx-edge.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    proxy_cache_path {CACHE_DIR} levels=1:2 keys_zone=edge:10m max_size=200m inactive=10m
                     use_temp_path=off;
    # one kept-alive pool to the origin: a miss does not pay a new TCP + TLS handshake
    upstream origin {{ server {upstream}; keepalive 16; }}
    server {{
        listen 80;
        listen 443 ssl http2;
        ssl_certificate {TLS_DIR}/edge.pem;
        ssl_certificate_key {TLS_DIR}/edge.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location = /edge-health {{ return 200 "ok\\n"; }}
        location / {{
            proxy_pass {scheme}://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host {origin};
            {" ".join(origin_tls)}
            proxy_cache edge;
            proxy_cache_valid 200 {ttl}s;
            proxy_cache_lock on;
            add_header X-Cache-Status $upstream_cache_status always;
        }}
    }}
}}
"""
        self.files = {CONF: conf, f"{TLS_DIR}/edge.pem": cert, f"{TLS_DIR}/edge.key": key,
                      f"{TLS_DIR}/ca.pem": ca}

    def check_argv(self) -> list[str]:
        return ["sh", "-c", f"mkdir -p {CACHE_DIR} && nginx -t -q -c {CONF}"]

    def start_argv(self) -> list[str]:
        return ["sh", "-c", f"mkdir -p {CACHE_DIR} && nginx -c {CONF}"]

    def ready(self) -> bool:
        return self.answers_ok("/edge-health") and self.listening(443)

    def stop(self) -> None:
        self.stop_pidfile(PIDFILE)
