"""Serve a stand-in app over real loopback HTTP: in a background thread (tests, demo) or
in the foreground (``ecom-sync sandbox``)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings


@contextlib.contextmanager
def serve_in_thread(
    app: ASGIApp, host: str = "127.0.0.1", port: int = 0, *, startup_timeout: float = 10.0
) -> Iterator[str]:
    """Run ``app`` with uvicorn in a daemon thread; yield its base URL
    (``http://127.0.0.1:<port>``). ``port=0`` picks a free port. Stops cleanly on exit."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{bound_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"server on {host}:{bound_port} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def store_base_url(base_url: str, store_hash: str) -> str:
    """What a client uses as a store's API root (it appends ``/v3/customers`` etc.)."""
    return f"{base_url}/stores/{store_hash}"


def serve_forever(
    host: str,
    port: int,
    seed: int,
    state_path: Path | None,
    *,
    rate_limit_quota: int = 1000,
    cart_idle_seconds: float = 60.0,
    webhook_interval_seconds: float = 5.0,
) -> None:
    """Foreground BigCommerce stand-in with the demo stores (or the state saved at
    ``state_path``, which is also where the state is saved on shutdown)."""
    if state_path is not None and state_path.exists():
        sandbox = Sandbox.load(state_path)
    else:
        sandbox = Sandbox.demo(
            seed,
            rate_limit_quota=rate_limit_quota,
            settings=Settings(
                cart_idle_seconds=cart_idle_seconds,
                webhook_interval_seconds=webhook_interval_seconds,
                webhook_backfill=True,
            ),
        )
    app = create_app(sandbox, state_path=state_path)
    base = f"http://{host}:{port}"
    for store in sandbox.stores.values():
        print(
            f"BigCommerce stand-in: {store.name} → {store_base_url(base, store.store_hash)}",
            flush=True,
        )
    uvicorn.run(app, host=host, port=port, log_level="info")


run = serve_forever
