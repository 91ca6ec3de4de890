"""One long job (a lab check, a failover run) started from a WebSocket: at most one at a time
per kind, run in a thread (it blocks: it builds a lab), its messages streamed to the page as
they come.  A page that goes away does not stop the job: it finishes and tears its lab down."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from netdojo.errors import NetdojoError

Put = Callable[[dict[str, Any]], None]


async def stream_job(ws: WebSocket, lock: threading.Lock, busy: str,
                     job: Callable[[Put], None]) -> None:
    """Run job(put) in a thread unless `lock` is held (then say `busy`); every dict it puts is
    sent to `ws`, and a NetdojoError becomes an {"type": "error"} message."""
    if not lock.acquire(blocking=False):
        await ws.send_json({"type": "error", "message": busy})
        await ws.close()
        return
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

    def put(msg: dict[str, Any] | None) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, msg)

    def work() -> None:
        try:
            job(put)
        except NetdojoError as e:
            put({"type": "error", "message": str(e)})
        finally:
            lock.release()
            put(None)

    threading.Thread(target=work, daemon=True, name="web-job").start()
    try:
        while (msg := await queue.get()) is not None:
            await ws.send_json(msg)
        await ws.close()
    except (WebSocketDisconnect, RuntimeError):
        pass  # the page went away; the job finishes and tears its lab down anyway
