"""Serve a Sanic app from a background thread (a real HTTP server, no Rasa), for connector tests."""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sanic import Sanic

from tools.ports import free_port, wait_for_port


@contextmanager
def serving(app: Sanic, *, lifecycle: bool = False) -> Iterator[str]:
    """Yields the app's base URL; stops the server afterwards.

    ``lifecycle``: also run the server's start and stop listeners (a channel's background tasks).
    """
    Sanic.test_mode = True  # else Sanic rewrites its response class at every start-up, which works only once
    port = free_port()
    loop = asyncio.new_event_loop()
    server: Any = None
    started = threading.Event()

    def run() -> None:
        nonlocal server
        asyncio.set_event_loop(loop)

        async def start() -> None:
            nonlocal server
            server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
            await server.startup()
            if lifecycle:
                await server.before_start()
                await server.after_start()

        loop.run_until_complete(start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    wait_for_port(port)
    started.wait(timeout=30)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        if lifecycle and server is not None:
            async def stop() -> None:
                await server.before_stop()
                await server.after_stop()
            asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(lambda: server is not None and server.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
