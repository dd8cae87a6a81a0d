"""Contacts, tags, lists, accounts and custom fields (destinations.md A.7, A.10 item 9)."""

from __future__ import annotations

import httpx

from .conftest import Served, codes


def sync(ac: httpx.Client, **contact: object) -> httpx.Response:
    return ac.post("/contact/sync", json={"contact": contact})


def test_contact_sync_upserts_by_email_case_insensitively(served: Served,
                                                          ac: httpx.Client) -> None:
    r = sync(ac, email="Ann@Example.com", firstName="Ann")
    assert r.status_code == 201
    cid = r.json()["contact"]["id"]
    r = sync(ac, email="ann@example.COM", lastName="Lee")
    assert r.status_code == 200
    assert r.json()["contact"]["id"] == cid
    contact = served.account.contact_by_email("ANN@example.com")
    assert contact is not None
    assert (contact["firstName"], contact["lastName"]) == ("Ann", "Lee")
    found = ac.get("/contacts", params={"email": "ann@EXAMPLE.com"}).json()
    assert [c["id"] for c in found["contacts"]] == [cid]
    assert found["meta"]["total"] == "1"
    assert sync(ac, email="broken").status_code == 422
    assert codes(sync(ac, firstName="x")) == ["field_missing"]


def test_post_contacts_duplicate_email_is_422(ac: httpx.Client) -> None:
    assert ac.post("/contacts", json={"contact": {"email": "a@example.com"}}).status_code == 201
    r = ac.post("/contacts", json={"contact": {"email": "A@example.com"}})
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["code"] == "duplicate"
    assert error["title"] == "Email address already exists in the system"
    assert error["source"] == {"pointer": "/data/attributes/email"}


def test_field_values_reference_existing_fields(served: Served, ac: httpx.Client) -> None:
    field_id = served.account.add_field("Shoe size")
    assert ac.get("/fields").json()["fields"][0]["id"] == field_id
    r = sync(ac, email="a@example.com", fieldValues=[{"field": field_id, "value": "42"}])
    assert r.status_code == 201
    assert r.json()["fieldValues"][0]["value"] == "42"
    r = sync(ac, email="a@example.com", fieldValues=[{"field": "999", "value": "x"}])
    assert r.status_code == 422


def test_tags_are_unique_case_insensitively_and_searchable(ac: httpx.Client) -> None:
    r = ac.post("/tags", json={"tag": {"tag": "bigcommerce-customer", "tagType": "contact"}})
    assert r.status_code == 201
    r = ac.post("/tags", json={"tag": {"tag": "BigCommerce-Customer", "tagType": "contact"}})
    assert r.status_code == 422 and codes(r) == ["duplicate"]
    found = ac.get("/tags", params={"search": "BIGCOMMERCE"}).json()
    assert [t["tag"] for t in found["tags"]] == ["bigcommerce-customer"]
    assert found["meta"]["total"] == "1"


def test_contact_tags_validate_ids(served: Served, ac: httpx.Client) -> None:
    cid = sync(ac, email="a@example.com").json()["contact"]["id"]
    tid = ac.post("/tags", json={"tag": {"tag": "vip"}}).json()["tag"]["id"]
    r = ac.post("/contactTags", json={"contactTag": {"contact": "999", "tag": tid}})
    assert r.status_code == 404
    assert r.json()["errors"][0]["detail"] == "Contact not found"
    r = ac.post("/contactTags", json={"contactTag": {"tag": tid}})
    assert r.status_code == 422
    assert r.json()["errors"][0]["source"] == {"pointer": "/data/attributes/contact"}
    r = ac.post("/contactTags", json={"contactTag": {"contact": cid, "tag": tid}})
    assert r.status_code == 201
    assert served.account.contact_tags_of("a@example.com") == ["vip"]
    link = r.json()["contactTag"]["id"]
    assert ac.delete(f"/contactTags/{link}").json() == {}
    r = ac.delete(f"/contactTags/{link}")
    assert r.json() == {"message": f"No Result found for SubscriberTag with id {link}"}


def test_master_list_and_contact_lists(served: Served, ac: httpx.Client) -> None:
    lists = ac.get("/lists").json()
    assert [(x["id"], x["name"]) for x in lists["lists"]] == [("1", "Master Contact List")]
    cid = sync(ac, email="a@example.com").json()["contact"]["id"]
    r = ac.post("/contactLists", json={"contactList": {"list": "1", "contact": cid,
                                                       "status": 1}})
    assert r.status_code == 200
    assert r.json()["contacts"][0]["id"] == cid
    assert served.account.list_members("1") == ["a@example.com"]
    members = ac.get("/contacts", params={"listid": "1", "status": "1"}).json()
    assert members["meta"]["total"] == "1"
    for body, status in (({"list": "1", "contact": cid}, 422),
                         ({"list": "1", "contact": cid, "status": 3}, 422),
                         ({"list": "42", "contact": cid, "status": 1}, 404),
                         ({"list": "1", "contact": "42", "status": 1}, 404)):
        assert ac.post("/contactLists", json={"contactList": body}).status_code == status
    ac.post("/contactLists", json={"contactList": {"list": "1", "contact": cid, "status": 2}})
    assert served.account.list_members("1", status=2) == ["a@example.com"]


def test_r_c4_deleted_or_renamed_master_list(served: Served, ac: httpx.Client) -> None:
    served.account.rename_list("1", "Old newsletter")
    assert ac.get("/lists/1").json()["list"]["name"] == "Old newsletter"
    served.account.delete_list("1")
    r = ac.get("/lists/1")
    assert r.status_code == 404
    assert r.json() == {"message": "No Result found for List with id 1"}
    assert ac.get("/lists").json() == {"lists": [], "meta": {"total": "0"}}
    cid = sync(ac, email="a@example.com").json()["contact"]["id"]
    r = ac.post("/contactLists", json={"contactList": {"list": "1", "contact": cid,
                                                       "status": 1}})
    assert r.status_code == 404


def test_accounts_one_per_contact(served: Served, ac: httpx.Client) -> None:
    assert codes(ac.post("/accounts", json={"account": {}})) == ["field_missing"]
    acme = ac.post("/accounts", json={"account": {"name": "Acme Inc"}})
    assert acme.status_code == 201
    other = ac.post("/accounts", json={"account": {"name": "Other"}}).json()["account"]["id"]
    cid = sync(ac, email="a@example.com").json()["contact"]["id"]
    aid = acme.json()["account"]["id"]
    r = ac.post("/accountContacts", json={"accountContact": {"contact": cid, "account": aid}})
    assert r.status_code == 201
    r = ac.post("/accountContacts", json={"accountContact": {"contact": cid, "account": other}})
    assert r.status_code == 422 and codes(r) == ["duplicate"]
    r = ac.post("/accountContacts", json={"accountContact": {"contact": cid}})
    assert codes(r) == ["field_missing"]
    assert ac.get("/accounts", params={"search": "acme"}).json()["meta"]["total"] == "1"
    assert served.account.account_of("a@example.com") == "Acme Inc"


def test_ecom_customer_creates_or_matches_the_contact(served: Served, ac: httpx.Client) -> None:
    cid = sync(ac, email="ann@example.com").json()["contact"]["id"]
    conn = ac.post("/connections", json={"connection": {
        "service": "s", "externalid": "e", "name": "n", "logoUrl": "l", "linkUrl": "k"}}
    ).json()["connection"]["id"]
    r = ac.post("/ecomCustomers", json={"ecomCustomer": {
        "connectionid": conn, "externalid": "1", "email": "ANN@example.com"}})
    assert r.json()["ecomCustomer"]["subscriberid"] == cid
    assert len(served.account.records("contacts")) == 1
