"""Bulk contact import (destinations.md A.9, A.10 item 10)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from .conftest import Served


def people(n: int, **extra: Any) -> list[dict[str, Any]]:
    return [{"email": f"p{i}@example.com", "first_name": f"P{i}", **extra} for i in range(n)]


def bulk(ac: httpx.Client, contacts: list[dict[str, Any]]) -> httpx.Response:
    return ac.post("/import/bulk_import", json={"contacts": contacts})


def test_import_creates_contacts_tags_lists_and_accounts(served: Served,
                                                          ac: httpx.Client) -> None:
    field_id = served.account.add_field("Loyalty")
    r = bulk(ac, [
        {"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
         "phone": "+1 555", "customer_acct_name": "Acme Inc", "tags": ["bigcommerce-customer"],
         "fields": [{"id": field_id, "value": "gold"}], "subscribe": [{"listid": 1}],
         "exclude_automations": True},
        {"email": "bob@example.com", "tags": ["BigCommerce-Customer"]},
    ])
    assert r.status_code == 200
    body = r.json()
    assert (body["success"], body["queued_contacts"]) == (1, 2)
    assert body["message"] == "Contact import queued"
    info = ac.get("/import/info", params={"batchId": body["batchId"]}).json()
    assert info["status"] == "completed" and info["failure"] == []
    ann = served.account.contact_by_email("ann@example.com")
    assert ann is not None and info["success"][0] == ann["id"]
    assert (ann["firstName"], ann["lastName"], ann["phone"]) == ("Ann", "Lee", "+1 555")
    assert served.account.account_of("ann@example.com") == "Acme Inc"
    assert served.account.summary()["tags"] == 1  # auto-created once, case-insensitively
    assert served.account.contact_tags_of("bob@example.com") == ["bigcommerce-customer"]
    assert served.account.list_members("1") == ["ann@example.com"]


def test_validation_rejects_the_whole_batch(served: Served, ac: httpx.Client) -> None:
    r = bulk(ac, [{"email": "ok@example.com"}, {"email": "broken"},
                  {"email": "camel@example.com", "firstName": "Wrong case"}])
    assert r.status_code == 400
    body = r.json()
    assert body["success"] == 0
    assert "The import was not queued" in body["message"]
    assert [f["contact"] for f in body["failureReasons"]] == [1, 2]
    assert served.account.records("contacts") == []


def test_at_most_250_contacts(ac: httpx.Client) -> None:
    assert bulk(ac, people(251)).status_code == 400
    assert bulk(ac, people(250)).status_code == 200


def test_per_minute_limits_are_answered_as_400(serve: Callable[..., Served]) -> None:
    served = serve(bulk_import_limits=(2, 3))
    with served.client() as ac:
        assert [bulk(ac, people(2)).status_code for _ in range(3)] == [200] * 3
        r = bulk(ac, people(2))
        assert r.status_code == 400
        assert r.json()["message"] == "Rate limit exceeded."
        assert r.json()["success"] == 0
        assert [bulk(ac, people(1)).status_code for _ in range(2)] == [200, 200]
        assert bulk(ac, people(1)).json()["message"] == "Rate limit exceeded."


def test_real_limits_are_20_single_and_100_multi(served: Served) -> None:
    assert served.account.bulk_import_limits == (20, 100)


def test_batch_is_processed_after_the_delay(serve: Callable[..., Served]) -> None:
    served = serve(bulk_import_delay_s=0.3)
    with served.client() as ac:
        batch = bulk(ac, people(2)).json()["batchId"]
        assert ac.get("/import/info", params={"batchId": batch}).json()["status"] != "completed"
        assert served.account.records("contacts") == []
        time.sleep(0.4)
        assert served.account.contact_by_email("p1@example.com") is not None  # no request
        info = ac.get("/import/info", params={"batchId": batch}).json()
        assert info["status"] == "completed" and len(info["success"]) == 2
        assert ac.get("/import/bulk_import").json()["recentlyCompleted"][0]["contacts"] == 2
        r = ac.get("/import/info")
        assert r.status_code == 400
        assert r.json() == {"success": 0, "message": "'batchId' is a required field."}


def test_no_resubscribe_after_unsubscribe_and_deleted_list_is_skipped(
    served: Served, ac: httpx.Client
) -> None:
    bulk(ac, [{"email": "a@example.com", "unsubscribe": [{"listid": 1}]}])
    bulk(ac, [{"email": "a@example.com", "subscribe": [{"listid": 1}]},
              {"email": "b@example.com", "subscribe": [{"listid": 1}]}])
    assert served.account.list_members("1") == ["b@example.com"]
    assert served.account.list_members("1", status=2) == ["a@example.com"]
    served.account.delete_list("1")
    info = bulk(ac, [{"email": "c@example.com", "subscribe": [{"listid": 1}]}]).json()
    status = ac.get("/import/info", params={"batchId": info["batchId"]}).json()
    assert len(status["success"]) == 1
    assert served.account.summary()["list_memberships"] == {}


def test_excluded_emails_are_reported_as_failures(served: Served, ac: httpx.Client) -> None:
    served.account.excluded_emails.add("P1@example.com")
    batch = bulk(ac, people(2)).json()["batchId"]
    info = ac.get("/import/info", params={"batchId": batch}).json()
    assert info["failure"] == ["p1@example.com"] and len(info["success"]) == 1
