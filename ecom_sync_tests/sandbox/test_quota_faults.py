"""Rate-limit quota and fault injection (sources.md 1.5, 1.8 item 9; M4)."""

from __future__ import annotations

import time

import httpx
import pytest

from .conftest import EU, US, Served

RATE_HEADERS = (
    "X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Requests-Left",
)


def test_rate_limit_headers_and_429_after_quota(served: Served) -> None:
    served.sandbox.set_rate_limit(US, quota=5, window_ms=30_000)
    with served.client() as c, served.client(EU) as eu:
        lefts = []
        for path in ("/v3/customers", "/v2/orders", "/v3/catalog/products",
                     "/v2/orders/count", "/v3/customers/subscribers"):
            r = c.get(path)
            assert r.status_code == 200
            assert all(h in r.headers for h in RATE_HEADERS)
            assert r.headers["X-Rate-Limit-Requests-Quota"] == "5"
            assert r.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
            lefts.append(int(r.headers["x-rate-limit-requests-left"]))
        assert lefts == [4, 3, 2, 1, 0]
        r = c.get("/v2/orders")
        assert r.status_code == 429
        assert r.headers["X-Rate-Limit-Requests-Left"] == "0"
        assert 0 < int(r.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30_000
        assert int(r.headers["X-Retry-After"]) >= 1
        assert r.json()[0]["status"] == 429
        assert eu.get("/v3/customers").status_code == 200  # quota is per store


def test_quota_window_refreshes_and_other_apps_share_it(served: Served) -> None:
    served.sandbox.set_rate_limit(US, quota=3, window_ms=300)
    served.sandbox.consume_quota(US, 2)  # another app on the same store
    with served.client() as c:
        r = c.get("/v3/customers")
        assert r.headers["X-Rate-Limit-Requests-Left"] == "0"
        assert c.get("/v3/customers").status_code == 429
        time.sleep(0.35)
        r = c.get("/v3/customers")
        assert r.status_code == 200 and r.headers["X-Rate-Limit-Requests-Left"] == "2"


def test_fault_429_without_headers_then_5xx(served: Served) -> None:
    served.sandbox.faults.add_spec({"kind": "429_no_headers", "count": 2})
    served.sandbox.faults.add_spec({"kind": "error", "count": 2, "status": 502})
    with served.client() as c:
        codes = []
        for _ in range(5):
            r = c.get("/v3/customers")
            codes.append(r.status_code)
            if r.status_code == 429:
                assert "X-Rate-Limit-Requests-Left" not in r.headers
        assert codes == [429, 429, 502, 502, 200]
        served.sandbox.faults.add_spec({"kind": "error", "count": 1, "status": 503,
                                        "store_hash": EU})
        assert c.get("/v2/orders").status_code == 200  # other store's fault


def test_fault_429_storm_every_other_request(served: Served) -> None:
    served.sandbox.faults.add_spec({"kind": "storm", "count": 6, "every": 2, "reset_ms": 250})
    with served.client() as c:
        responses = [c.get("/v2/orders", params={"limit": 1}) for _ in range(7)]
    assert [r.status_code for r in responses] == [200, 429, 200, 429, 200, 429, 200]
    storm = responses[1]
    assert storm.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert storm.headers["X-Rate-Limit-Time-Reset-Ms"] == "250"
    assert storm.headers["X-Retry-After"] == "1"


def test_fault_latency_trips_client_timeout(served: Served) -> None:
    served.sandbox.faults.add_spec({"kind": "latency", "count": 1, "seconds": 1.0})
    with served.client(timeout=0.3) as c:
        with pytest.raises(httpx.ReadTimeout):
            c.get("/v3/customers")
        assert c.get("/v3/customers").status_code == 200


def test_faults_and_activity_via_admin_endpoints(served: Served) -> None:
    with httpx.Client(base_url=served.base_url) as admin, served.client() as c:
        r = admin.post("/_sandbox/faults", json={"kind": "error", "count": 1, "status": 500})
        assert r.json()["active"][0]["status"] == 500
        assert c.get("/v3/customers").status_code == 500
        assert admin.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 400
        admin.post("/_sandbox/faults", json={"faults": [{"kind": "error", "count": 9}]})
        assert admin.post("/_sandbox/faults", json={"clear": True}).json()["active"] == []
        before = admin.get("/_sandbox/summary").json()[US]["counts"]["orders"]
        counts = admin.post("/_sandbox/activity", json={"new_orders": 4, "seed": 3}).json()
        assert counts["counts"][US]["new_orders"] == 4
        after = admin.get("/_sandbox/summary").json()
        assert after[US]["counts"]["orders"] == before + 4 + counts["counts"][US][
            "recovered_carts"]
        assert set(after) == {US, EU}
        r = admin.post("/_sandbox/rate-limit", json={"store_hash": US, "quota": 2})
        assert r.json()[US]["quota"] == 2
