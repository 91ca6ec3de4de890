"""The token gate, as Jupyter does it: `netdojo web` prints a URL with a random token, and no
page, file or WebSocket is served without it.  The first page load sets it as a cookie
(HttpOnly, SameSite=Strict) so the page's own requests carry it; a WebSocket from another
site's page is refused by its Origin as well (cross-site WebSocket hijacking)."""

from __future__ import annotations

import secrets
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

COOKIE = "netdojo_token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def presented(scope: dict[str, Any]) -> str | None:
    """The token a request carries: ?token=, the cookie, or `Authorization: Bearer`."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    if query.get("token"):
        return query["token"][0]
    h = _headers(scope)
    if "cookie" in h:
        c = SimpleCookie()
        try:
            c.load(h["cookie"])
        except Exception:  # a malformed cookie header is no token
            return None
        if COOKIE in c:
            return c[COOKIE].value
    auth = h.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return None


def same_origin(scope: dict[str, Any]) -> bool:
    h = _headers(scope)
    origin = h.get("origin")
    if not origin:
        return True  # not a browser page (a test client, curl)
    return origin.split("://", 1)[-1] == h.get("host", "")


class TokenGate:
    """ASGI middleware: 403 (or a refused WebSocket) without the right token."""

    def __init__(self, app: Any, token: str):
        self.app, self.token = app, token

    def _ok(self, scope: dict[str, Any]) -> bool:
        got = presented(scope)
        return got is not None and secrets.compare_digest(got.encode(), self.token.encode())

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        if self._ok(scope) and (scope["type"] == "http" or same_origin(scope)):
            if scope["type"] == "http":
                return await self.app(scope, receive, self._with_cookie(scope, send))
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 4403})
            return None
        body = (b"netdojo web: this needs the token that `netdojo web` printed - open the "
                b"whole URL it printed (with ?token=...)\n")
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
        return None

    def _with_cookie(self, scope: dict[str, Any], send: Any) -> Any:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if "token" not in query:
            return send

        async def sender(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"set-cookie", cookie.encode())]}
            await send(message)
        return sender
