"""``ecom-sync sandbox``: the BigCommerce stand-in alone, in the foreground."""

from __future__ import annotations

from pathlib import Path


def serve_bigcommerce(host: str, port: int, seed: int, state: Path | None) -> None:
    from ecom_sandbox.server import serve_forever

    print(f"BigCommerce stand-in on http://{host}:{port}/stores/<store_hash>", flush=True)
    serve_forever(host, port, seed, state)
