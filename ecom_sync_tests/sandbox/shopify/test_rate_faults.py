"""Leaky bucket, 429 + Retry-After and fault injection (sources.md 2.5, 2.6, 2.8 item 8)."""

from __future__ import annotations

import time

import httpx

from .conftest import SHOP, Served, V


def test_call_limit_header_and_429_retry_after(served: Served) -> None:
    served.sandbox.set_rate_limit(SHOP, bucket=40, leak_per_second=2.0)
    with served.client() as c:
        used = []
        for _ in range(5):
            r = c.get(f"{V}/customers.json", params={"limit": 1})
            used.append(r.headers["X-Shopify-Shop-Api-Call-Limit"])
        assert used[0] == "1/40" and all(u.endswith("/40") for u in used)
        served.sandbox.fill_bucket(SHOP, 40)  # other calls fill the bucket
        r = c.get(f"{V}/orders.json")
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "2.0"
        assert r.headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"
        assert isinstance(r.json()["errors"], str)
        assert r.json()["errors"].startswith("Exceeded 2 calls per second")
        time.sleep(0.6)  # leaks 2/s → room for one request
        r = c.get(f"{V}/orders/count.json")
        assert r.status_code == 200
        assert int(r.headers["X-Shopify-Shop-Api-Call-Limit"].split("/")[0]) >= 37


def test_burst_drains_at_leak_rate(served: Served) -> None:
    served.sandbox.set_rate_limit(SHOP, bucket=4, leak_per_second=20.0)
    with served.client() as c:
        codes = [c.get(f"{V}/locations.json").status_code for _ in range(8)]
        assert codes[:4] == [200] * 4 and 429 in codes
        time.sleep(0.25)
        assert c.get(f"{V}/locations.json").status_code == 200


def test_faults_throttle_5xx_4xx_shapes_and_latency(served: Served) -> None:
    faults = served.sandbox.faults
    faults.add_spec({"kind": "throttle", "count": 4, "every": 2})
    with served.client() as c:
        codes = [c.get(f"{V}/orders.json").status_code for _ in range(5)]
    assert codes == [200, 429, 200, 429, 200]
    faults.add_spec({"kind": "error", "count": 1, "status": 503})
    faults.add_spec({"kind": "error", "count": 1, "status": 422, "errors_shape": "array"})
    faults.add_spec({"kind": "error", "count": 1, "status": 422, "errors_shape": "object"})
    faults.add_spec({"kind": "error", "count": 1, "status": 402})
    with served.client() as c:
        bodies = [c.get(f"{V}/orders.json") for _ in range(5)]
    assert [r.status_code for r in bodies] == [503, 422, 422, 402, 200]
    assert bodies[0].json() == {"errors": "An unexpected error occurred"}
    assert isinstance(bodies[1].json()["errors"], list)
    assert isinstance(bodies[2].json()["errors"], dict)
    assert isinstance(bodies[3].json()["errors"], str)
    faults.add_spec({"kind": "latency", "count": 1, "seconds": 0.6})
    with served.client(timeout=0.2) as c:
        try:
            c.get(f"{V}/orders.json")
            raise AssertionError("expected a timeout")
        except httpx.ReadTimeout:
            pass


def test_admin_routes(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as admin, served.client() as c:
        r = admin.post("/_sandbox/faults", json={"kind": "error", "status": 500, "shop": SHOP})
        assert r.json()["active"][0]["status"] == 500
        assert c.get(f"{V}/orders.json").status_code == 500
        assert admin.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 400
        before = admin.get("/_sandbox/summary").json()[SHOP]["counts"]
        counts = admin.post("/_sandbox/activity", json={"now": "2026-05-01T12:00:00Z"}).json()
        assert counts["counts"][SHOP]["new_orders"] == 8
        after = admin.get("/_sandbox/summary").json()[SHOP]["counts"]
        assert after["orders"] == before["orders"] + 9  # + 1 recovered checkout
        first = c.get(f"{V}/customers.json", params={"limit": 5})
        admin.post("/_sandbox/expire-page-info")
        assert c.get(first.links["next"]["url"]).status_code == 400
