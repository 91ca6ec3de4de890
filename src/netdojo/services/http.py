"""The lab web server: hypercorn + aioquic serving HTTP/1.0 and 1.1 (plain and TLS), HTTP/2
(h2 over TLS by ALPN, h2c in clear) and HTTP/3 over QUIC, with a certificate from the lab CA.
Settings:

    http: {tls: true, h3: true, objects: "10:10240"}     # page with 10 objects of 10 KiB
    http: {cert_expires: "2033-05-17"}     # the certificate's notAfter (noon UTC); else 7 days on
    http: {hol: "3:400"}      # /hol/ is the page with object 3 answered 400 ms late (5.2's HOL)
"""

from __future__ import annotations

import datetime as dt

from netdojo.services.base import Service
from netdojo.services.install import wait_ready
from netdojo.services.tls import node_certificate

TLS_DIR = "/etc/netdojo/tls"


class WebServer(Service):
    name = "http"
    phase = 2
    ready_timeout = 30.0

    def render(self) -> None:
        s = self.settings
        self.allow("tls", "h3", "objects", "cert_expires", "hol")
        self.tls = bool(s.get("tls", True))
        self.h3 = bool(s.get("h3", True)) and self.tls
        objects = str(s.get("objects", "10:10240"))
        count, _, size = objects.partition(":")
        if not count.isdigit() or (size and not size.isdigit()):
            raise self.fail(f"objects is 'COUNT:SIZE', got {objects!r}")
        self.objects = objects
        self.hol = str(s.get("hol", ""))
        k, _, w = self.hol.partition(":")
        if self.hol and not (k.isdigit() and w.isdigit() and int(k) < int(count)
                             and int(w) <= 10_000):
            raise self.fail(f"hol is 'OBJECT:MS', OBJECT below the page's {count} and MS at "
                            f"most 10000, got {self.hol!r}")
        if self.tls:
            cert, key, ca = node_certificate(self.net, self.node, self._expires())
            self.files = {f"{TLS_DIR}/server.pem": cert, f"{TLS_DIR}/server.key": key,
                          f"{TLS_DIR}/ca.pem": ca}

    def _expires(self) -> dt.datetime | None:
        text = self.settings.get("cert_expires")
        if text is None:
            return None
        try:
            day = dt.date.fromisoformat(str(text))
        except ValueError:
            raise self.fail(f"cert_expires is a date YYYY-MM-DD, got {text!r}") from None
        end = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        if end <= dt.datetime.now(dt.UTC) + dt.timedelta(days=1):
            raise self.fail(f"cert_expires {text} is not in the future: clients would refuse it")
        return end

    def start_argv(self) -> list[str]:
        # --workers 0: hypercorn serves in its own process.  With its default (one worker) it
        # spawns a second Python that imports everything again: 0.36 s of CPU to start a
        # web node instead of 0.30 s (the node's cgroup, 2026-12-06), paid by every graded run.
        args = ["/opt/web/bin/hypercorn", "--workers", "0", "--keep-alive", "75",
                "--pid", "/run/web.pid", "--access-logfile", "/var/log/web-access.log"]
        # Without a certificate hypercorn's --bind is plain; with one, --bind is TLS and the
        # clear-text port is an --insecure-bind.
        args += ["--insecure-bind" if self.tls else "--bind", "0.0.0.0:80"]
        if self.tls:
            args += ["--certfile", f"{TLS_DIR}/server.pem", "--keyfile", f"{TLS_DIR}/server.key",
                     "--bind", "0.0.0.0:443"]
        if self.h3:
            args += ["--quic-bind", "0.0.0.0:443"]
        cmd = " ".join(args) + " webapp:app"
        return ["sh", "-c", f"cd /opt/web && NETDOJO_BACKEND={self.node} "
                f"NETDOJO_OBJECTS={self.objects} NETDOJO_HOL={self.hol} "
                f"nohup {cmd} >/var/log/web.log 2>&1 &"]

    def stop(self) -> None:
        """End the server (the pid it wrote and its workers) and wait until port 80 is free,
        so a restart cannot lose the race for the port."""
        self.stop_pidfile("/run/web.pid", children=True)
        self.sh(["sh", "-c", 'while ss -Hltn "sport = :80" | grep -q .; do sleep 0.05; done'])

    def restart(self) -> None:
        self.stop()
        self.sh(self.start_argv())
        wait_ready([self])

    def ready(self) -> bool:
        return self.answers_ok("/health") and (not self.h3 or self.listening(443, udp=True))
