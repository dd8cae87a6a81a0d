"""The Connectif stand-in enforces destinations.md B.7 over real HTTP."""

from __future__ import annotations

import time

from ecom_sync_tests.sandbox.connectif.conftest import CDN, SITE, Served, product, purchase


def test_api_key_auth_and_scopes(cx: Served) -> None:
    """B.7.1: ``apiKey <id>:<secret>`` or 401; a key without the resource's scope: 403."""
    for client in (cx.client("kid:wrong"), cx.client("kid"), cx.client("kid:ksecret", "Bearer")):
        answer = client.get("/contacts/ann@example.org")
        assert answer.status_code == 401
        assert answer.json() == {"status": 401, "title": "Unauthorized",
                                 "detail": "Not authorized to access API"}
    contacts_only = cx.client("ro:rosecret")
    assert contacts_only.patch("/contacts/ann@example.org", json={}).status_code == 201
    assert contacts_only.patch("/products/product-id/p1", json=product()).status_code == 403
    # the other store's key sees the other store
    assert cx.client("okid:osecret").get("/contacts/ann@example.org").status_code == 404


def test_contacts_are_upserted_by_case_insensitive_email_and_validated(cx: Served) -> None:
    """B.7.3: PATCH upserts by e-mail; unknown fields, bad enums, custom fields of the
    wrong type and local phone numbers are 422 with ``validationErrors``."""
    client = cx.client()
    assert client.patch("/contacts/Ann@Example.org", json={"_name": "Ann"}).status_code == 201
    again = client.patch("/contacts/ann@example.org", json={"_surname": "Lee", "city": "Oslo"})
    assert again.status_code == 200
    assert len(cx.store.data["contacts"]) == 1
    assert cx.store.contact("ANN@example.org") == again.json()
    assert again.json()["_name"] == "Ann" and again.json()["city"] == "Oslo"
    bad = client.patch("/contacts/ann@example.org", json={
        "_newsletterSubscriptionStatus": "yes", "vip": "true", "nickname": "A",
        "_mobilePhone": "555-416-6390"})
    assert bad.status_code == 422
    paths = {e["path"] for e in bad.json()["validationErrors"]}
    assert paths == {"_newsletterSubscriptionStatus", "vip", "nickname", "_mobilePhone"}
    ok = client.patch("/contacts/ann@example.org", json={"_mobilePhone": "+4791234567"})
    assert ok.status_code == 200


def test_products_must_use_authorised_domains(cx: Served) -> None:
    """B.7.4: PATCH upserts by store product id; a URL off the authorised domains is
    400 E0201 naming them."""
    client = cx.client()
    created = client.patch("/products/product-id/p1", json=product())
    assert created.status_code == 201 and created.json()["productId"] == "p1"
    assert client.patch("/products/product-id/p1",
                        json={"unitPrice": 45.0}).json()["unitPrice"] == 45.0
    assert client.get(f"/products/{created.json()['id']}").json()["name"] == "Daypack"
    refused = client.patch("/products/product-id/p2",
                           json=product(imageUrl="https://elsewhere.example/x.jpg"))
    assert refused.status_code == 400
    assert refused.json()["code"] == "E0201"
    assert refused.json()["allowedDomains"] == [SITE, CDN]
    assert client.patch("/products/product-id/p3", json={"name": "x"}).status_code == 422


def test_purchase_preconditions_money_and_lifecycle(cx: Served) -> None:
    """B.7.5: the contact (E0101) and every product (E0102, with ``productIds``) must exist,
    URLs be authorised (E0103); money is a decimal number with price = quantity ×
    unitPrice; a duplicate purchaseId is 409; GET and DELETE by purchase id (204)."""
    client = cx.client()
    assert client.post("/purchases/", json=purchase()).json()["code"] == "E0101"
    client.patch("/contacts/ann@example.org", json={})
    missing = client.post("/purchases/", json=purchase())
    assert missing.status_code == 400
    assert missing.json()["code"] == "E0102" and missing.json()["productIds"] == ["p1"]
    client.patch("/products/product-id/p1", json=product())
    off_site = purchase(products=[{**purchase()["products"][0],
                                   "productDetailUrl": "https://evil.example/p1"}])
    assert client.post("/purchases/", json=off_site).json()["code"] == "E0103"
    in_cents = purchase(totalPrice="104.80")
    assert client.post("/purchases/", json=in_cents).status_code == 422
    wrong_line = purchase(products=[{**purchase()["products"][0], "price": 9980}])
    assert client.post("/purchases/", json=wrong_line).status_code == 422
    assert client.post("/purchases/", json=purchase(totalQuantity=3)).status_code == 422
    created = client.post("/purchases/?triggerPurchaseEvent=false", json=purchase())
    assert created.status_code == 201 and created.json()["triggerPurchaseEvent"] is False
    assert client.post("/purchases/", json=purchase()).status_code == 409
    assert client.get("/purchases/purchase-id/1001").json()["totalPrice"] == 104.8
    assert client.delete("/purchases/purchase-id/1001").status_code == 204
    assert client.delete("/purchases/purchase-id/1001").status_code == 404
    assert cx.store.error_codes == {"E0101": 1, "E0102": 1, "E0103": 1}


def test_there_is_no_cart_route(cx: Served) -> None:
    """B.7.6: Connectif has no REST cart endpoint; a client that invents one gets 404."""
    client = cx.client()
    for method, path in (("POST", "/carts"), ("GET", "/carts/1"), ("PATCH", "/carts/1"),
                         ("POST", "/abandoned-carts")):
        assert client.request(method, path, json={}).status_code == 404


def test_custom_event_types_and_events(cx: Served) -> None:
    """B.5: an event type under a custom integration (one e-mail primary key), events
    by alias; a contact that does not exist is E0501 unless createContact=true."""
    client = cx.client()
    event_type = {"name": "Cart", "alias": "cart-abandoned", "category": "receive", "fields": [
        {"id": "email", "name": "E-mail", "type": "email", "isPrimaryKey": True},
        {"id": "total", "name": "Total", "type": "number"}]}
    assert client.post("/custom-integrations/nope/custom-event-types/",
                       json=event_type).status_code == 404
    assert client.post("/custom-integrations/integ-1/custom-event-types/",
                       json=event_type).status_code == 201
    assert client.post("/custom-integrations/integ-1/custom-event-types/",
                       json=event_type).status_code == 409
    event = {"email": "bo@example.org", "total": 12.5}
    assert client.post("/custom-events/alias/cart-abandoned", json=event).json()["code"] == "E0501"
    assert client.post("/custom-events/alias/cart-abandoned?createContact=true",
                       json=event).status_code == 201
    assert client.post("/custom-events/alias/cart-abandoned",
                       json={**event, "total": "12.50"}).status_code == 422
    assert client.post("/custom-events/alias/nope", json=event).status_code == 404
    assert cx.store.contact("bo@example.org") is not None


def test_rate_limit_answers_429_with_the_window_headers(serve_cx) -> None:  # type: ignore[no-untyped-def]
    """B.7.2: every answer carries ``X-RateLimit-Limit/-Remaining/-Reset``; past the
    limit, 429 with the same headers (no Retry-After: the reset is the only hint)."""
    cx = serve_cx(rate_limit=2, window_s=30.0)
    client = cx.client()
    first = client.get("/contacts/a@example.org")
    assert first.headers["X-RateLimit-Limit"] == "2"
    assert first.headers["X-RateLimit-Remaining"] == "1"
    client.get("/contacts/a@example.org")
    limited = client.get("/contacts/a@example.org")
    assert limited.status_code == 429
    assert limited.json()["detail"] == "Requests rate limit reached"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > time.time()
    assert "Retry-After" not in limited.headers
    # the other store's budget is its own
    assert cx.client("okid:osecret").get("/contacts/a@example.org").status_code == 404


def test_bodies_over_the_limit_are_413(cx: Served) -> None:
    """B.7.2: a body over the limit (50 MB at Connectif; smaller here) is 413."""
    cx.cloud.max_body = 1000
    answer = cx.client().patch("/contacts/ann@example.org", json={"_name": "x" * 2000})
    assert answer.status_code == 413 and answer.json()["title"] == "Payload Too Large"
    assert cx.store.contact("ann@example.org") is None
