"""Webhook receiver, hook registration through the stand-in's Hooks API, and the carts
stream that follows the ``store/cart/abandoned`` announcements (BC6, specs 1.4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ecom_sandbox.bigcommerce.sandbox import Settings
from ecom_sync import paths
from ecom_sync.sources.bigcommerce import PLATFORM
from ecom_sync.sources.bigcommerce.streams import CART_ABANDONED
from ecom_sync.sources.landing import Window
from ecom_sync.sources.webhook_receiver import SECRET_HEADER, create_receiver, webhook_secrets
from ecom_sync.sources.webhook_store import WebhookStore

from .conftest import BC, CONN_NAME, US

SECRET = "whsec-test-5f2a9c"
SECRET_ENV = "ACME_OUTDOOR_WEBHOOK_SECRET"


def payload(cart_id: str = "0d3c6a0e-1111-4222-8333-444455556666",
            created_at: int = 1_780_000_000) -> dict[str, Any]:
    return {
        "scope": CART_ABANDONED,
        "store_id": "1001234",
        "data": {"type": "cart", "id": cart_id, "token": "tok"},
        "hash": "abc",
        "created_at": created_at,
        "producer": f"stores/{US}",
    }


class Receiver:
    def __init__(self, bc: BC, serve: Callable[[Any], str]) -> None:
        self.store = WebhookStore(paths.webhook_store_path())
        self.config = bc.config()
        self.url = serve(create_receiver(self.config, self.store, {CONN_NAME: SECRET}))

    def post(self, body: Any, secret: str | None = SECRET, connection: str = CONN_NAME,
             ) -> httpx.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return httpx.post(f"{self.url}/webhooks/{connection}", json=body, headers=headers,
                          timeout=5)


@pytest.fixture
def receiver(bc: BC, serve: Callable[[Any], str]) -> Receiver:
    return Receiver(bc, serve)


# ----- receiver -------------------------------------------------------------------------
def test_r_bc6_event_is_stored_durably_before_the_2xx(receiver: Receiver) -> None:
    """BC6 needs every announcement: the event is committed before the receiver answers,
    so a fresh store on the same file (another process) sees it."""
    response = receiver.post(payload("cart-a", 1_780_000_000))
    assert response.status_code == 200
    assert response.json() == {"stored": True}
    other = WebhookStore(paths.webhook_store_path())
    events = other.between(
        CONN_NAME, CART_ABANDONED,
        datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
    )
    assert [(e.resource_id, e.created_at) for e in events] == [
        ("cart-a", datetime.fromtimestamp(1_780_000_000, UTC))
    ]
    assert events[0].payload["producer"] == f"stores/{US}"


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_r_s2_wrong_or_missing_secret_is_refused_and_nothing_stored(
    receiver: Receiver, secret: str | None
) -> None:
    response = receiver.post(payload(), secret=secret)
    assert response.status_code == 401
    assert SECRET not in response.text
    assert receiver.store.count() == 0


def test_r_m6_a_retried_delivery_is_stored_once(receiver: Receiver) -> None:
    """M6: the store retries deliveries; the same event is kept once."""
    first = receiver.post(payload("cart-b"))
    second = receiver.post(payload("cart-b"))
    assert first.json() == {"stored": True}
    assert second.status_code == 200 and second.json() == {"stored": False}
    assert receiver.store.count(CONN_NAME) == 1
    health = httpx.get(f"{receiver.url}/health", timeout=5).json()
    assert health["stored"] == 1 and health["duplicates"] == 1


def test_unknown_connection_is_404_and_nothing_stored(receiver: Receiver) -> None:
    response = receiver.post(payload(), connection="someone_else")
    assert response.status_code == 404
    assert receiver.store.count() == 0


def test_a_connection_without_a_secret_is_not_served(
    bc: BC, serve: Callable[[Any], str]
) -> None:
    """An open endpoint would accept forgeries: no secret, no route (404)."""
    store = WebhookStore(paths.webhook_store_path())
    url = serve(create_receiver(bc.config(), store, {}))
    response = httpx.post(f"{url}/webhooks/{CONN_NAME}", json=payload(),
                          headers={SECRET_HEADER: ""}, timeout=5)
    assert response.status_code == 404
    assert store.count() == 0


def test_unexpected_payload_is_rejected(receiver: Receiver) -> None:
    body = {**payload(), "scope": "store/order/created"}
    assert receiver.post(body).status_code == 400
    assert receiver.post({**payload(), "data": {}}).status_code == 400
    assert receiver.store.count() == 0


def test_r_s2_webhook_secrets_come_from_the_env_var_the_config_names(
    bc: BC, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = bc.config(webhooks={"public_url": "http://example.test", "secret_env": SECRET_ENV})
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert webhook_secrets(config) == {}
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert webhook_secrets(config) == {CONN_NAME: SECRET}


# ----- registration and delivery through the stand-in ---------------------------------------
@pytest.fixture
def flow(
    bc_factory: Callable[..., BC], serve: Callable[[Any], str]
) -> tuple[BC, Receiver, Any]:
    bc = bc_factory(Settings(cart_idle_seconds=60, webhook_backfill=True))
    rec = Receiver(bc, serve)
    conn = bc.conn(webhooks={"public_url": rec.url, "secret_env": SECRET_ENV})
    return bc, rec, conn


def test_r_bc6_registration_is_idempotent(flow: tuple[BC, Receiver, Any]) -> None:
    """Registering twice (e.g. on reconnect, S4) leaves one hook, pointing at the receiver's
    route for this connection with the secret header."""
    bc, rec, conn = flow
    assert PLATFORM.register_webhooks(conn, SECRET) == 1
    assert PLATFORM.register_webhooks(conn, SECRET) == 1
    hooks = list(bc.store.hooks.values())
    assert len(hooks) == 1
    hook = hooks[0]
    assert hook["scope"] == CART_ABANDONED
    assert hook["destination"] == f"{rec.url}/webhooks/{CONN_NAME}"
    assert hook["headers"] == {SECRET_HEADER: SECRET}
    assert hook["is_active"] is True


def test_registration_reactivates_a_disabled_hook_and_rotates_the_secret(
    flow: tuple[BC, Receiver, Any],
) -> None:
    bc, _rec, conn = flow
    PLATFORM.register_webhooks(conn, "old-secret")
    hook = next(iter(bc.store.hooks.values()))
    hook["is_active"] = False
    PLATFORM.register_webhooks(conn, SECRET)
    assert len(bc.store.hooks) == 1
    assert hook["is_active"] is True and hook["headers"] == {SECRET_HEADER: SECRET}


def test_no_registration_without_a_public_url_or_with_carts_off(bc: BC) -> None:
    assert PLATFORM.register_webhooks(bc.conn(), SECRET) == 0
    conn = bc.conn(webhooks={"public_url": "http://127.0.0.1:9"},
                   streams={"carts": False})
    assert PLATFORM.register_webhooks(conn, SECRET) == 0
    assert bc.store.hooks == {}


def _announced(bc: BC) -> list[dict[str, Any]]:
    results = bc.sandbox.emit_due_webhooks()
    assert results, "the stand-in has abandoned carts to announce"
    return results


def test_r_bc6_delivered_carts_are_landed_with_their_recovery_url(
    flow: tuple[BC, Receiver, Any],
) -> None:
    """BC6: the stand-in delivers store/cart/abandoned with the secret header; the carts
    stream lands each announced cart with ``redirect_urls.cart_url`` and ``abandoned_at``."""
    bc, rec, conn = flow
    PLATFORM.register_webhooks(conn, SECRET)
    results = _announced(bc)
    assert all(r["ok"] and r["outcome"] == "200" for r in results)
    announced = {r["cart_id"] for r in results}
    assert rec.store.count(CONN_NAME) == len(announced)
    assert _announced_again_is_empty(bc)

    now = datetime.now(UTC)
    run = bc.extract("carts", Window(now - timedelta(days=1), now + timedelta(hours=1)),
                     conn=conn)
    rows = run.rows()
    assert sorted(r["id"] for r in rows) == sorted(announced)
    assert run.stats.records == len(announced)
    assert run.stats.skipped == {}
    events = {e.resource_id: e for e in rec.store.between(
        CONN_NAME, CART_ABANDONED, now - timedelta(days=1), now + timedelta(hours=1))}
    for row in rows:
        stored = bc.store.carts[row["id"]]
        assert row["email"] == stored["email"]
        assert row["abandoned_at"] == events[row["id"]].created_at.isoformat()
        cart_url = row["redirect_urls"]["cart_url"]
        assert f"id={row['id']}" in cart_url and "token=" in cart_url
    # The recovery URL really refills the cart on the storefront (single use).
    page = httpx.get(rows[0]["redirect_urls"]["cart_url"], timeout=5)
    assert page.status_code == 200 and "your cart" in page.text


def _announced_again_is_empty(bc: BC) -> bool:
    return bc.sandbox.emit_due_webhooks() == []


def test_r_bc6_a_delivery_with_the_wrong_secret_is_refused_and_retried_later(
    flow: tuple[BC, Receiver, Any],
) -> None:
    bc, rec, conn = flow
    PLATFORM.register_webhooks(conn, "not-the-receivers-secret")
    results = _announced(bc)
    assert all(not r["ok"] and r["outcome"] == "401" for r in results)
    assert rec.store.count() == 0


def test_r_bc6_an_expired_announced_cart_is_skipped_and_counted(
    flow: tuple[BC, Receiver, Any],
) -> None:
    """Carts live 30 days (specs 1.4): one that 404s by extract time is skipped and
    counted in ``stats.skipped``, not a failure of the run."""
    bc, _rec, conn = flow
    PLATFORM.register_webhooks(conn, SECRET)
    announced = sorted(r["cart_id"] for r in _announced(bc))
    expired = announced[0]
    bc.sandbox.touch(US, "carts", expired, now=datetime.now(UTC) - timedelta(days=31))

    now = datetime.now(UTC)
    run = bc.extract("carts", Window(now - timedelta(days=1), now + timedelta(hours=1)),
                     conn=conn)
    assert sorted(run.ids()) == announced[1:]
    assert run.stats.skipped == {"cart_not_found": 1}
    assert run.stats.records == len(announced) - 1
    assert bc.served.count(404) == 1


def test_r_bc6_carts_outside_the_window_are_not_looked_up(
    flow: tuple[BC, Receiver, Any],
) -> None:
    bc, _rec, conn = flow
    PLATFORM.register_webhooks(conn, SECRET)
    _announced(bc)
    now = datetime.now(UTC)
    before = len(bc.requests)
    run = bc.extract("carts", Window(now - timedelta(days=3), now - timedelta(days=2)),
                     conn=conn)
    assert run.ids() == []
    assert len(bc.requests) == before


def _cart_urls(run: Any) -> dict[str, str]:
    return {r["id"]: r["redirect_urls"]["cart_url"] for r in run.rows()}


def _made_urls(bc: BC, since: int) -> list[str]:
    return [p for _s, p, _q in bc.requests[since:] if p.endswith("/redirect_urls")]


def test_r_bc6_a_cart_keeps_its_recovery_url_across_runs(
    flow: tuple[BC, Receiver, Any],
) -> None:
    """Recovery URLs are single use and live 30 days: the next run (every 30 minutes)
    sends the URL made the first time and asks for no new one, so the destination's carts
    do not change on every sync. One past the 25-day reuse age is replaced."""
    bc, rec, conn = flow
    PLATFORM.register_webhooks(conn, SECRET)
    announced = sorted(r["cart_id"] for r in _announced(bc))
    now = datetime.now(UTC)
    window = Window(now - timedelta(days=1), now + timedelta(hours=1))

    before = len(bc.requests)
    first = _cart_urls(bc.extract("carts", window, conn=conn))
    assert sorted(first) == announced
    assert len(_made_urls(bc, before)) == len(announced)

    before = len(bc.requests)
    assert _cart_urls(bc.extract("carts", window, conn=conn)) == first
    assert _made_urls(bc, before) == []

    old = announced[0]
    stale = (now - timedelta(days=26)).isoformat()
    with sqlite3.connect(rec.store.path) as db:
        db.execute("update memo set created_at = ? where key = ?", (stale, old))
    before = len(bc.requests)
    third = _cart_urls(bc.extract("carts", window, conn=conn))
    assert _made_urls(bc, before) == [f"/v3/carts/{old}/redirect_urls"]
    assert third[old] != first[old]
    assert {k: v for k, v in third.items() if k != old} == {
        k: v for k, v in first.items() if k != old
    }
    with sqlite3.connect(rec.store.path) as db:
        kept = dict(db.execute("select key, value from memo").fetchall())
    assert kept == third


def test_r_bc6_a_cart_gone_before_its_recovery_url_is_made_is_skipped(
    flow: tuple[BC, Receiver, Any],
) -> None:
    """A cart converted between its lookup and the recovery-URL call (404) is skipped and
    counted like any vanished cart; the run and the other carts go on."""
    bc, _rec, conn = flow
    PLATFORM.register_webhooks(conn, SECRET)
    announced = sorted(r["cart_id"] for r in _announced(bc))
    gone = announced[0]

    def convert_mid_lookup(_store: str, path: str, _params: dict[str, str], _n: int) -> None:
        if path == f"/v3/carts/{gone}/redirect_urls":
            bc.sandbox.touch(US, "carts", gone, now=datetime.now(UTC) - timedelta(days=31))

    remove = bc.sandbox.on_request(convert_mid_lookup)
    now = datetime.now(UTC)
    run = bc.extract("carts", Window(now - timedelta(days=1), now + timedelta(hours=1)),
                     conn=conn)
    remove()
    assert sorted(run.ids()) == announced[1:]
    assert run.stats.skipped == {"cart_not_found": 1}
    assert bc.served.count(404) == 1
