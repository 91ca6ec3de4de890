"""Serve a WebContext on uvicorn: bind (localhost by default), print the URL with its token,
run until Ctrl-C or SIGTERM, and close what the console opened (terminals, captures)."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import uvicorn

from netdojo.errors import NetdojoError
from netdojo.web.app import MAX_FRAME, STATIC, build_app
from netdojo.web.auth import TokenGate, new_token
from netdojo.web.class_view import build_class_app, class_view, find_gradebook
from netdojo.web.context import WebContext


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        raise NetdojoError(f"cannot listen on {host}:{port}: {e.strerror} (another netdojo web? "
                           "give --port N, or --port 0 for any free one)") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int, token: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/?token={token}"


def _run(app: Any, sock: socket.socket) -> None:
    config = uvicorn.Config(app, log_level="warning", ws_max_size=MAX_FRAME, lifespan="on",
                            ws_ping_interval=20, ws_ping_timeout=20)
    uvicorn.Server(config).run(sockets=[sock])


def serve(ctx: WebContext, host: str = "127.0.0.1", port: int = 8765,
          check: Callable[..., Any] | None = None,
          announce: Callable[[str], None] = print) -> None:
    token = new_token()
    sock = bind(host, port)
    app, con = build_app(ctx, token, check)
    announce(url_for(host, sock.getsockname()[1], token))
    try:
        _run(app, sock)
    finally:
        con.close()
        sock.close()


def serve_class(gradebook: Path, host: str = "127.0.0.1", port: int = 8765,
                announce: Callable[[str], None] = print) -> None:
    """The instructor's view of a graded class: read-only, behind the same token gate."""
    path = find_gradebook(gradebook)
    class_view(path)  # a file that is no gradebook fails here, in one line, before serving
    token = new_token()
    sock = bind(host, port)
    announce(url_for(host, sock.getsockname()[1], token))
    try:
        _run(TokenGate(build_class_app(path, STATIC), token), sock)
    finally:
        sock.close()
