"""The account's 5 req/s budget shared by REST and GraphQL, 429/503 fault switches and the
request log (destinations.md A.1 "Rate limit", A.10 item 3)."""

from __future__ import annotations

import time
from collections.abc import Callable

from .conftest import Served

QUERY = {"query": "{ searchOrder(filter: {}) { storeOrderId } }"}


def test_more_than_5_per_second_gets_429_with_headers(serve: Callable[..., Served]) -> None:
    served = serve(rate_per_second=5.0)
    with served.client() as ac:
        responses = [ac.get("/contacts") for _ in range(5)]
        assert [r.status_code for r in responses] == [200] * 5
        assert all(r.headers["RateLimit-Limit"] == "5" for r in responses)
        remaining = [int(r.headers["RateLimit-Remaining"]) for r in responses]
        assert remaining == sorted(remaining, reverse=True) and remaining[-1] <= 1
        r = ac.post("/ecom/graphql", json=QUERY)  # GraphQL shares the bucket
        assert r.status_code == 429
        assert r.json() == {"message": "Too Many Requests"}
        assert int(r.headers["Retry-After"]) >= 1
        assert r.headers["RateLimit-Limit"] == "5"
        assert r.headers["RateLimit-Remaining"] == "0"
        time.sleep(0.45)  # ~2 tokens back
        assert ac.post("/ecom/graphql", json=QUERY).status_code == 200
    summary = served.account.summary()
    assert summary["served_429"] == 1
    assert served.account.requests[5] == ("POST", "/api/3/ecom/graphql", 429)


def test_storm_then_recovery(served: Served) -> None:
    served.account.faults.storm(2, retry_after=3)
    with served.client() as ac:
        first, second, third = (ac.get("/contacts") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (429, 429, 200)
    assert first.headers["Retry-After"] == "3"
    assert "RateLimit-Limit" in first.headers


def test_unavailable_switch_answers_503_with_retry_after(served: Served) -> None:
    served.account.faults.unavailable(1, retry_after=7)
    with served.client() as ac:
        r = ac.post("/contact/sync", json={"contact": {"email": "a@example.com"}})
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "7"
        assert ac.post("/contact/sync", json={"contact": {"email": "a@example.com"}}
                       ).status_code == 201
    assert served.account.write_requests() == 1
    assert served.account.summary()["served_503"] == 1


def test_write_requests_count_writes_that_reached_the_api(served: Served) -> None:
    with served.client() as ac:
        ac.get("/contacts")
        ac.post("/contact/sync", json={"contact": {"email": "a@example.com"}})
        ac.post("/contacts", json={"contact": {"email": "a@example.com"}})  # 422 still a write
        ac.post("/ecom/graphql", json=QUERY)  # a query is a read
        ac.post("/ecom/graphql", json={"query": "mutation { bulkUpsertOrdersAsync(orders: [])"
                                                " { recordId } }"})
    with served.client("bad") as bad:
        bad.post("/contact/sync", json={"contact": {"email": "b@example.com"}})
    assert served.account.write_requests() == 3
    kinds = served.account.summary()["requests_by_kind"]
    assert kinds["POST contact/sync"] == 2
    assert kinds["GRAPHQL mutation bulkUpsertOrdersAsync"] == 1
    assert kinds["GRAPHQL query searchOrder"] == 1
