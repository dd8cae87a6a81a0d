"""The webhook receiver as it runs (``ecom-sync webhooks``, its own process): malformed
calls get a clear 4xx and leave nothing stored while it keeps serving, and an event it
answered 2xx survives the process being killed (SIGKILL) right after the answer: it is
stored durably before the answer goes out (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecom_sync.crashpoints import ARM_ENV
from ecom_sync.sources.bigcommerce.streams import CART_ABANDONED
from ecom_sync.sources.webhook_receiver import SECRET_HEADER
from ecom_sync.sources.webhook_store import WebhookStore
from ecom_sync_tests.helpers import config_dict

SECRET = "whsec-crash-test-4b1d"
CONN = "acme_outdoor"


def event(cart_id: str, created_at: int = 1_780_000_000) -> dict[str, Any]:
    return {"scope": CART_ABANDONED, "store_id": "1", "data": {"type": "cart", "id": cart_id},
            "created_at": created_at, "producer": "stores/acmeoutdoor"}


class Receiver:
    """``ecom-sync webhooks`` in a subprocess on a free port, its state in ``home``."""

    def __init__(self, tmp: Path, crash_at: str | None) -> None:
        self.home = tmp / "state"
        config = tmp / "ecom_sync.yaml"
        config.write_text(json.dumps(config_dict("http://127.0.0.1:9", "http://unused")))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "ECOM_SYNC_HOME": str(self.home), "ECOM_SYNC_CONFIG": str(config),
               "TEST_WEBHOOK_SECRET": SECRET}
        env.pop(ARM_ENV, None)
        if crash_at:
            env[ARM_ENV] = crash_at
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ecom_sync.cli", "webhooks", "--port", str(port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.url}/health", timeout=1).raise_for_status()
                return
            except httpx.HTTPError:
                assert self.proc.poll() is None, "the receiver did not start"
                assert time.monotonic() < deadline, "the receiver did not answer"
                time.sleep(0.1)

    def post(self, body: bytes | Any, secret: str | None = SECRET) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers[SECRET_HEADER] = secret
        return httpx.post(f"{self.url}/webhooks/{CONN}", content=content, headers=headers,
                          timeout=10)

    def stored(self) -> set[str]:
        store = WebhookStore(self.home / "webhooks" / "events.sqlite")
        return {e.resource_id for e in store.between(
            CONN, CART_ABANDONED, datetime(2000, 1, 1, tzinfo=UTC),
            datetime(2100, 1, 1, tzinfo=UTC))}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)


@pytest.fixture
def receiver(tmp_path: Path) -> Any:
    made: list[Receiver] = []

    def start(crash_at: str | None = None) -> Receiver:
        made.append(Receiver(tmp_path, crash_at))
        return made[-1]

    yield start
    for r in made:
        r.stop()


MALFORMED: list[tuple[str, bytes | Any, str | None, int]] = [
    ("no secret", event("x1"), None, 401),
    ("wrong secret", event("x2"), "whsec-wrong", 401),
    ("not JSON", b'{"scope": "store/cart/abandoned", "data": ', SECRET, 400),
    ("not UTF-8", b"\xff\xfe{}", SECRET, 400),
    ("a JSON array", [event("x3")], SECRET, 400),
    ("a JSON string", "store/cart/abandoned", SECRET, 400),
    ("data not an object", {**event("x4"), "data": "cart"}, SECRET, 400),
    ("no cart id", {**event("x5"), "data": {"type": "cart"}}, SECRET, 400),
    ("another scope", {**event("x6"), "scope": "store/order/created"}, SECRET, 400),
    ("created_at not a time", event("x7", created_at="soon"), SECRET, 400),  # type: ignore[arg-type]
    ("created_at absurd", event("x8", created_at=10**30), SECRET, 400),
    ("created_at a list", {**event("x9"), "created_at": [1]}, SECRET, 400),
    ("2 MB body", {**event("x10"), "pad": "x" * 2_000_000}, SECRET, 413),
]


def test_r_s2_malformed_or_unauthorised_calls_get_a_clear_4xx_and_store_nothing(
    receiver: Any,
) -> None:
    """S2 (the registered secret) and issue 13: every malformed call is refused with a
    4xx saying why (never a 5xx), nothing is stored, and the receiver keeps serving."""
    r = receiver()
    for name, body, secret, status in MALFORMED:
        response = r.post(body, secret)
        assert response.status_code == status, name
        assert "error" in response.json(), name
        assert SECRET not in response.text
        assert r.proc.poll() is None, f"the receiver died on: {name}"
    assert r.stored() == set()
    assert r.post(event("good")).json() == {"stored": True}
    assert r.stored() == {"good"}


def test_r_bc6_an_event_answered_2xx_survives_a_sigkill_right_after_the_answer(
    receiver: Any,
) -> None:
    """BC6 needs every announcement: the receiver kills itself (SIGKILL, no cleanup) right
    after sending its 2xx; the event is in the store when the process is gone."""
    r = receiver("webhook.answered:1")
    response = r.post(event("cart-killed"))
    assert response.status_code == 200 and response.json() == {"stored": True}
    assert r.proc.wait(timeout=10) == -signal.SIGKILL
    assert r.stored() == {"cart-killed"}


def test_r_m6_of_concurrent_deliveries_every_one_answered_2xx_is_kept(receiver: Any) -> None:
    """Twenty deliveries at once, the receiver killed right after its fifth answer: every
    event that got a 2xx is stored; the others were never acknowledged (the store sends
    them again) and a redelivery to a new receiver is stored once."""
    r = receiver("webhook.answered:5")
    ids = [f"cart-{i:02d}" for i in range(20)]

    def deliver(cart_id: str) -> str | None:
        try:
            return cart_id if r.post(event(cart_id)).status_code == 200 else None
        except httpx.HTTPError:
            return None

    with ThreadPoolExecutor(8) as pool:
        answered = {i for i in pool.map(deliver, ids) if i}
    assert r.proc.wait(timeout=10) == -signal.SIGKILL
    assert len(answered) >= 5
    assert answered <= r.stored()
    again = receiver()
    for cart_id in sorted(set(ids) - answered):
        assert again.post(event(cart_id)).status_code == 200
    assert again.stored() == set(ids)
