"""engine.pid_of remembers a container's PID with its start time, asks again when the process
changed, and forgets removed containers (the engine is replaced by a stand-in: pure logic)."""

from __future__ import annotations

import json

from netdojo.net import engine


def test_pid_of_asks_once_then_again_when_the_process_changed(monkeypatch):
    asked, started = [], {100: "5000"}
    monkeypatch.setattr(engine, "_get", lambda path: asked.append(path) or
                        (200, json.dumps({"State": {"Pid": 100}}).encode()))
    monkeypatch.setattr(engine, "_start_time", lambda pid: started.get(pid))
    monkeypatch.setattr(engine, "_PIDS", {})
    assert engine.pid_of("run-a") == 100 and engine.pid_of("run-a") == 100
    assert len(asked) == 1  # the second answer came from memory
    started[100] = "7000"  # the PID now belongs to a process started later: ask the engine
    assert engine.pid_of("run-a") == 100 and len(asked) == 2
    del started[100]  # gone: asked again, and nothing stale is kept for it
    monkeypatch.setattr(engine, "_get", lambda path: asked.append(path) or (404, b""))
    assert engine.pid_of("run-a") is None and len(asked) == 3
    assert "run-a" not in engine._PIDS


def test_removed_containers_are_forgotten(monkeypatch):
    monkeypatch.setattr(engine, "_PIDS", {"run-a": (1, "1"), "run-b": (2, "2")})
    engine.forget(["run-a", "run-c"])
    assert engine._PIDS == {"run-b": (2, "2")}
