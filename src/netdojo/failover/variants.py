"""The HAProxy configurations compared in one failover run.

- defaults: what a first config looks like — a bare `check` (TCP connect every 2 s, 3 falls
  to DOWN), generous timeouts, no redispatch, no retry-on.
- tuned: HTTP health checks on /health, inter 1 s, fastinter 300 ms, fall 2, short check and
  connect timeouts.
- tuned-retry: tuned + 3 retries, redispatch on every retry, retry-on connection failures,
  empty responses, response timeouts and 5xx, and passive (observe layer7) checks.
- l4: the tuned-retry checks with `mode tcp`: HAProxy forwards bytes, so it cannot retry a
  request, and a client's kept-alive connection stays pinned to one backend.
"""

from __future__ import annotations

TUNED_CHECK = {"type": "http", "path": "/health", "inter": 1000, "fastinter": 300,
               "downinter": 1000, "fall": 2, "rise": 2}
TUNED_TIMEOUTS = {"connect": "500ms", "client": "30s", "server": "2s", "check": "300ms"}

VARIANTS: dict[str, dict] = {
    "defaults": {"mode": "http", "check": {"type": "tcp"},
                 "timeouts": {"connect": "5s", "client": "30s", "server": "30s", "check": "5s"}},
    "tuned": {"mode": "http", "check": TUNED_CHECK, "timeouts": TUNED_TIMEOUTS},
    "tuned-retry": {"mode": "http", "check": TUNED_CHECK, "timeouts": TUNED_TIMEOUTS,
                    "retries": 3, "redispatch": 1,
                    "retry_on": ["conn-failure", "empty-response", "response-timeout",
                                 "502", "503", "504"],
                    "passive": {"error_limit": 5, "on_error": "mark-down"}},
    "l4": {"mode": "tcp", "check": TUNED_CHECK, "timeouts": TUNED_TIMEOUTS, "retries": 3,
           "redispatch": 1},
}


def settings_for(variant: str, backends: list[str]) -> dict:
    return {**VARIANTS[variant], "backends": list(backends)}


def detection_bound_s(variant: str) -> float | None:
    """The issue's target for tuned checks: inter × fall + 0.3 s."""
    chk = VARIANTS[variant]["check"]
    if "inter" not in chk:
        return None
    return chk["inter"] / 1000 * chk["fall"] + 0.3
