"""v3 transport rules (destinations.md A.10 items 1, 2 and 4)."""

from __future__ import annotations

import httpx

from .conftest import Served, make_connection, make_customer


def test_missing_or_wrong_api_token_is_403_forbidden(served: Served) -> None:
    for token in (None, "wrong"):
        with served.client(token) as c:
            for method, path in (("GET", "/contacts"), ("POST", "/ecomOrders"),
                                 ("POST", "/ecom/graphql")):
                r = c.request(method, path, json={})
                assert r.status_code == 403
                assert r.json() == {"message": "Forbidden"}
    assert served.account.write_requests() == 0
    assert served.account.summary()["served_403"] == 6


def test_bearer_auth_is_not_accepted(served: Served) -> None:
    with httpx.Client(base_url=f"{served.base_url}/api/3") as c:
        r = c.get("/contacts", headers={"Authorization": "Bearer test-ac-token"})
        assert r.status_code == 403


def test_routes_live_under_api_3(served: Served, ac: httpx.Client) -> None:
    with httpx.Client(base_url=served.base_url, headers={"Api-Token": "test-ac-token"}) as c:
        assert c.get("/contacts").status_code == 404
        assert c.get("/api/3/contacts").status_code == 200
    assert ac.get("/noSuchThing").status_code == 404


def test_wrapped_bodies_string_ids_and_list_envelope(ac: httpx.Client) -> None:
    conn = make_connection(ac)
    assert isinstance(conn, str)
    r = ac.get(f"/connections/{conn}")
    assert r.status_code == 200
    assert set(r.json()) == {"connection"}
    assert r.json()["connection"]["id"] == conn
    listing = ac.get("/connections").json()
    assert listing["meta"] == {"total": "1"}
    assert listing["connections"][0]["connectionType"] == "ecommerce"
    # an unwrapped body has none of the required fields
    r = ac.post("/connections", json={"service": "x", "externalid": "y", "name": "n",
                                      "logoUrl": "l", "linkUrl": "k"})
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"field_missing"}


def test_limit_default_20_capped_at_100_and_zero_based_offset(ac: httpx.Client) -> None:
    conn = make_connection(ac)
    for i in range(105):
        make_customer(ac, conn, email=f"p{i}@example.com", externalid=f"c{i}")
    assert len(ac.get("/ecomCustomers").json()["ecomCustomers"]) == 20
    big = ac.get("/ecomCustomers", params={"limit": 500}).json()
    assert len(big["ecomCustomers"]) == 100
    assert big["meta"]["total"] == "105"
    tail = ac.get("/ecomCustomers", params={"limit": 100, "offset": 100}).json()
    assert [c["email"] for c in tail["ecomCustomers"]] == [
        f"p{i}@example.com" for i in range(100, 105)]
    first = ac.get("/ecomCustomers", params={"limit": 1, "offset": 0}).json()
    assert first["ecomCustomers"][0]["email"] == "p0@example.com"


def test_filters_are_exact_match(ac: httpx.Client) -> None:
    conn = make_connection(ac)
    make_customer(ac, conn, email="ann@example.com", externalid="1")
    make_customer(ac, conn, email="anne@example.com", externalid="11")
    r = ac.get("/ecomCustomers", params={"filters[externalid]": "1"}).json()
    assert [c["email"] for c in r["ecomCustomers"]] == ["ann@example.com"]
    r = ac.get("/ecomCustomers", params={"filters[email]": "ANN@example.com"}).json()
    assert r["meta"]["total"] == "1"
    assert ac.get("/ecomCustomers", params={"filters[nope]": "1"}).status_code == 400


def test_404_body_names_entity_and_id(ac: httpx.Client) -> None:
    for path, entity in (("/ecomOrders/999", "EcomOrder"), ("/ecomCustomers/999",
                         "EcomCustomer"), ("/connections/999", "Connection"),
                         ("/contacts/999", "Subscriber"), ("/lists/999", "List"),
                         ("/ecomOrderProducts/999", "EcomOrderProduct")):
        r = ac.get(path)
        assert r.status_code == 404
        assert r.json() == {"message": f"No Result found for {entity} with id 999"}


def test_malformed_json_is_400(ac: httpx.Client) -> None:
    r = ac.post("/contacts", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
