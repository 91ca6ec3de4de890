"""A person's files given before a service's first start (services/startup._put_in_place): the
files that are not the main config go in judged by their checker, a refused one served by its
stand-in and its checker's words kept; a main config is left for after the start.  The start
itself is replaced (pure logic)."""

from __future__ import annotations

from netdojo.services import startup
from netdojo.services.base import Service


class Zones(Service):
    name = "dns"
    config_path = "/etc/named.conf"

    def check_file(self, path, text):
        return "bad dotted quad" if "300" in text else None

    def stand_in(self, path):
        return "; empty\n"


def _started(monkeypatch) -> list[dict]:
    seen: list[dict] = []
    monkeypatch.setattr(startup, "install", lambda svc: seen.append(dict(svc.files)))
    return seen


def test_zones_go_in_before_the_first_start_and_a_refused_one_is_stood_in(monkeypatch):
    seen = _started(monkeypatch)
    svc = Zones(None, "ns1", {}, files={"/etc/named.conf": "rendered", "/z/a": "r-a", "/z/b": "r-b"})
    startup._put_in_place(svc, {"/z/a": "mine", "/z/b": "ns IN A 10.1.2.300"})
    assert seen == [{"/etc/named.conf": "rendered", "/z/a": "mine", "/z/b": "; empty\n"}]
    assert svc.given == {"/z/a": None, "/z/b": "bad dotted quad"}


def test_a_main_config_waits_for_after_the_start(monkeypatch):
    seen = _started(monkeypatch)
    svc = Zones(None, "ns1", {}, files={"/etc/named.conf": "rendered"})
    startup._put_in_place(svc, {"/etc/named.conf": "mine"})
    assert seen == [{"/etc/named.conf": "rendered"}] and svc.given == {}
    startup._put_in_place(svc, None)  # nothing given: started as rendered
    assert seen[-1] == {"/etc/named.conf": "rendered"} and svc.given == {}
