"""Abandoned carts: hooks, store/cart/abandoned callbacks, cart lookups, redirect URLs
(sources.md 1.4 and 1.8 item 8; BC6)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.formats import iso_millis
from ecom_sandbox.bigcommerce.sandbox import Sandbox, Settings
from ecom_sandbox.server import serve_in_thread

from .conftest import NOW, US, Served, make_sandbox


def receiver(fail_first: int = 0) -> tuple[Starlette, list[dict[str, Any]]]:
    """A destination app recording callbacks; answers 500 to the first ``fail_first``."""
    received: list[dict[str, Any]] = []

    async def hook(request: Request) -> Response:
        received.append({"headers": dict(request.headers), "body": await request.json()})
        if len(received) <= fail_first:
            return JSONResponse({"error": "down"}, status_code=500)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/hooks/bc", hook, methods=["POST"])]), received


def test_hooks_api_create_list_delete(served: Served) -> None:
    with served.client() as c:
        r = c.post("/v3/hooks", json={"scope": "store/cart/abandoned"})
        assert r.status_code == 422 and r.json()["errors"] == {"destination": "error.path.missing"}
        r = c.post("/v3/hooks", json={
            "scope": "store/cart/abandoned", "destination": "https://example.test/hooks",
            "is_active": True, "headers": {"X-Secret": "s3cret"},
        })
        assert r.status_code == 200
        hook = r.json()["data"]
        assert {"id", "client_id", "store_hash", "scope", "destination", "is_active",
                "headers", "created_at", "updated_at"} <= set(hook)
        assert hook["store_hash"] == US and hook["headers"] == {"X-Secret": "s3cret"}
        assert hook["created_at"] == int(NOW.timestamp())
        listed = c.get("/v3/hooks").json()
        assert [h["id"] for h in listed["data"]] == [hook["id"]]
        assert listed["meta"]["pagination"]["total"] == 1
        r = c.put(f"/v3/hooks/{hook['id']}", json={"is_active": False})
        assert r.json()["data"]["is_active"] is False
        assert c.get("/v3/hooks", params={"is_active": "true"}).json()["data"] == []
        assert c.delete(f"/v3/hooks/{hook['id']}").json()["data"]["id"] == hook["id"]
        assert c.get(f"/v3/hooks/{hook['id']}").status_code == 404


def test_r_bc6_abandoned_cart_webhook_with_custom_headers_then_lookup(
    served: Served, serve_app: Callable[[Starlette], str]
) -> None:
    app, received = receiver()
    dest = serve_app(app) + "/hooks/bc"
    sandbox = served.sandbox
    with served.client() as c:
        c.post("/v3/hooks", json={"scope": "store/cart/abandoned", "destination": dest,
                                  "is_active": True, "headers": {"X-Secret": "s3cret"}})
        # carts abandoned before the hook existed are not announced (no backfill)
        assert sandbox.emit_due_webhooks(NOW + timedelta(minutes=1)) == []
        before = set(sandbox.store(US).carts)
        sandbox.add_activity(NOW, store_hash=US, new_carts=2, new_orders=0,
                             new_customers=0, recovered_carts=0)
        new_ids = set(sandbox.store(US).carts) - before
        assert len(new_ids) == 2
        emit_at = NOW + timedelta(hours=1, minutes=1)
        # expected: carts going idle (1 h) between the hook's creation and emit_at
        expected = {cid for cid, cart in sandbox.store(US).carts.items()
                    if NOW <= cart["updated_time"] + timedelta(hours=1) <= emit_at
                    and not cart["_converted_order_id"]}
        assert new_ids <= expected
        results = sandbox.emit_due_webhooks(emit_at)
        assert {r["cart_id"] for r in results} == expected and all(r["ok"] for r in results)
        assert sandbox.emit_due_webhooks(NOW + timedelta(hours=2)) == []  # once per cart
        assert len(received) == len(expected)
        event = received[0]
        assert event["headers"]["x-secret"] == "s3cret"
        body = event["body"]
        assert set(body) == {"scope", "store_id", "data", "hash", "created_at", "producer"}
        assert body["scope"] == "store/cart/abandoned" and body["producer"] == f"stores/{US}"
        assert body["data"]["type"] == "cart" and isinstance(body["store_id"], str)
        token = body["data"]["token"]
        lookup = c.get(f"/v3/abandoned-carts/{token}").json()
        assert lookup == {"data": {"cart_id": body["data"]["id"]}, "meta": {}}
        cart = c.get(f"/v3/carts/{lookup['data']['cart_id']}").json()["data"]
        assert cart["id"] == body["data"]["id"]
        assert cart["created_time"].endswith(".000Z") and isinstance(cart["cart_amount"], float)
        assert cart["updated_time"] == iso_millis(sandbox.store(US).carts[cart["id"]]
                                                  ["updated_time"])
        item = cart["line_items"]["physical_items"][0]
        assert {"product_id", "name", "sku", "quantity", "list_price", "image_url"} <= set(item)
        assert cart["currency"]["code"] == "USD"
        assert c.get("/v3/abandoned-carts/nope").status_code == 404


def test_webhook_retried_after_failure(
    served: Served, serve_app: Callable[[Starlette], str]
) -> None:
    app, received = receiver(fail_first=1)
    dest = serve_app(app) + "/hooks/bc"
    sandbox = served.sandbox
    sandbox.settings.webhook_backfill = True  # announce carts already abandoned
    sandbox.settings.webhook_retry_seconds = 60
    with served.client() as c:
        c.post("/v3/hooks", json={"scope": "store/cart/*", "destination": dest})
    first = sandbox.emit_due_webhooks(NOW + timedelta(minutes=1))
    assert first and not first[0]["ok"] and all(r["ok"] for r in first[1:])
    assert sandbox.emit_due_webhooks(NOW + timedelta(minutes=1, seconds=10)) == []
    retry = sandbox.emit_due_webhooks(NOW + timedelta(minutes=3))
    assert [(r["cart_id"], r["ok"], r["attempts"]) for r in retry] == [
        (first[0]["cart_id"], True, 2)
    ]
    live = [c for c in sandbox.store(US).carts.values()
            if sandbox.store(US).cart_is_live(c, NOW)
            and c["updated_time"] <= NOW - timedelta(hours=1)]
    assert {r["cart_id"] for r in first} == {c["id"] for c in live}


def test_cart_404_after_30_days_or_when_converted(served: Served) -> None:
    store = served.sandbox.store(US)
    carts = list(store.carts.values())
    expired = next(c for c in carts if NOW - c["updated_time"] > timedelta(days=30))
    converted = next(c for c in carts if c["_converted_order_id"])
    live = next(c for c in carts if store.cart_is_live(c, NOW))
    with served.client() as c:
        assert c.get(f"/v3/carts/{expired['id']}").status_code == 404
        assert c.get(f"/v3/carts/{converted['id']}").status_code == 404
        assert c.get("/v3/carts/00000000-0000-4000-8000-000000000000").status_code == 404
        assert c.get(f"/v3/carts/{live['id']}").status_code == 200
        order = c.get("/v2/orders", params={"cart_id": converted["id"]}).json()
        assert [o["id"] for o in order] == [converted["_converted_order_id"]]
    assert served.sandbox.store(US).cart_is_live(live, NOW)
    served.sandbox.clock = lambda: live["updated_time"] + timedelta(days=30, seconds=1)
    with served.client() as c:
        assert c.get(f"/v3/carts/{live['id']}").status_code == 404


def test_redirect_urls_are_single_use(served: Served) -> None:
    store = served.sandbox.store(US)
    live = next(c for c in store.carts.values() if store.cart_is_live(c, NOW))
    with served.client() as c:
        r = c.post(f"/v3/carts/{live['id']}/redirect_urls")
        assert r.status_code == 201
        urls = r.json()["data"]
        assert set(urls) == {"cart_url", "checkout_url", "embedded_checkout_url"}
        assert "action=load&" in urls["cart_url"] and f"id={live['id']}" in urls["cart_url"]
    with httpx.Client() as shopper:
        first = shopper.get(urls["cart_url"])
        assert first.status_code == 200 and live["line_items"]["physical_items"][0][
            "name"] in first.text
        assert shopper.get(urls["cart_url"]).status_code == 410
        assert shopper.get(urls["checkout_url"]).status_code == 410  # same token, used
        with served.client() as c:
            fresh = c.post(f"/v3/carts/{live['id']}/redirect_urls").json()["data"]
        assert shopper.get(fresh["checkout_url"]).status_code == 200


def test_background_emitter_and_state_saved_on_shutdown(
    serve_app: Callable[[Starlette], str], tmp_path: Path
) -> None:
    app, received = receiver()
    dest = serve_app(app) + "/hooks/bc"
    sandbox = make_sandbox(Settings(webhook_interval_seconds=0.05, webhook_backfill=True))
    state = tmp_path / "bc.json"
    with serve_in_thread(create_app(sandbox, state_path=state)) as base:
        with httpx.Client(base_url=f"{base}/stores/{US}",
                          headers={"X-Auth-Token": sandbox.store(US).token}) as c:
            c.post("/v3/hooks", json={"scope": "store/cart/abandoned", "destination": dest})
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        assert received
    assert state.exists()
    again = Sandbox.load(state)
    assert again.store(US).hooks and any(d["delivered"]
                                         for d in again.store(US).deliveries.values())
