"""A class grader probes the host once and its workers use that (net/capabilities.use)."""

from __future__ import annotations

from netdojo.net import capabilities


def test_given_capabilities_answer_the_probe_until_taken_back(monkeypatch):
    def scratch_namespace_probe(*a, **k):
        raise AssertionError("probed the host although the parent's answer was given")

    given = capabilities.Capabilities(htb=True, nfqueue=True, notes={"from": "the grader"})
    capabilities.use(given)
    try:
        monkeypatch.setattr(capabilities.netns, "create", scratch_namespace_probe)
        assert capabilities.probe() is given
    finally:
        capabilities.use(None)
    assert capabilities._GIVEN is None
