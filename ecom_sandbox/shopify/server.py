"""Serve the Shopify stand-in: the per-shop base URL and a foreground runner."""

from __future__ import annotations

from pathlib import Path

import uvicorn

from ecom_sandbox.shopify.app import create_app
from ecom_sandbox.shopify.sandbox import Sandbox

API_VERSION = "2025-01"


def shop_base_url(base_url: str, shop: str) -> str:
    """What a client uses instead of ``https://{shop}.myshopify.com``; it appends
    ``/admin/api/2025-01/orders.json`` etc."""
    return f"{base_url.rstrip('/')}/shops/{shop}"


def serve_forever(host: str, port: int, seed: int = 7, state_path: Path | None = None,
                  *, shared_emails: list[str] | None = None) -> None:
    """Foreground stand-in with the demo shop (or the state saved at ``state_path``,
    also where the state is saved on shutdown)."""
    if state_path is not None and state_path.exists():
        sandbox = Sandbox.load(state_path)
    else:
        sandbox = Sandbox.demo(seed, shared_emails=shared_emails or [])
    app = create_app(sandbox, state_path=state_path)
    for shop in sandbox.shops.values():
        print(f"Shopify stand-in: {shop.name} → {shop_base_url(f'http://{host}:{port}', shop.shop)}"
              f" (token {shop.token})", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
