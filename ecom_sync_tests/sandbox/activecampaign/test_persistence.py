"""State saved as JSON after every write and loaded back; the summary for the demo."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

from ecom_sandbox.activecampaign.state import AcAccount

from .conftest import TOKEN, Served, make_connection, make_customer, order_body


def test_state_round_trip(serve: Callable[..., Served], tmp_path: Path) -> None:
    path = tmp_path / "ac-state.json"
    served = serve(state_path=path)
    assert path.exists()  # saved at start (master list)
    with served.client() as ac:
        conn = make_connection(ac)
        customer = make_customer(ac, conn)
        ac.post("/ecomOrders", json={"ecomOrder": order_body(conn, customer)})
        saved_after_order = path.read_text()
        assert '"BC-1"' in saved_after_order  # written after that request, not at shutdown
        ac.post("/import/bulk_import", json={"contacts": [{"email": "b@example.com",
                                                           "tags": ["vip"]}]})
        ac.post("/ecom/graphql", json={"query": "mutation($o: [OrderInput]) { "
                                       "bulkUpsertOrdersAsync(orders: $o) { recordId } }",
                                       "variables": {"o": [{
                                           "legacyConnectionId": int(conn),
                                           "storeOrderId": "G-1", "email": "c@example.com",
                                           "currency": "USD", "finalAmount": 10.5,
                                           "storeCreatedDate": "2024-01-01T00:00:00Z"}]}})
    assert AcAccount.load(path).requests == served.account.requests
    served.account.delete_list("1")
    assert [p.name for p in tmp_path.iterdir()] == ["ac-state.json"]  # no temp files left

    loaded = AcAccount.load(path)
    assert loaded.token == TOKEN
    assert loaded.summary() == served.account.summary()
    assert loaded.data == served.account.data
    assert loaded.requests == served.account.requests
    assert loaded.write_requests() == served.account.write_requests() == 5
    assert loaded.orders(externalid="G-1")[0]["totalPrice"] == 1050
    assert "1" not in loaded.data["lists"]

    again = serve()
    again.account.data = loaded.data  # keep serving the loaded state
    again.account.next_ids = loaded.next_ids
    with again.client() as ac:
        other = make_customer(ac, conn, email="d@example.com")
        assert int(other) > int(customer)


def test_concurrent_writes_leave_the_newest_state(tmp_path: Path) -> None:
    """Files are written outside the account lock; whatever the interleaving, the file
    ends up holding the last state (an older snapshot never lands over a newer one)."""
    path = tmp_path / "ac-state.json"
    account = AcAccount(TOKEN, state_path=path)

    def add_fields(worker: int) -> None:
        for i in range(10):
            account.add_field(f"Field {worker}-{i}")

    threads = [threading.Thread(target=add_fields, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert path.read_text() == json.dumps(account.to_json())
    assert len(AcAccount.load(path).data["fields"]) == 60
    assert [p.name for p in tmp_path.iterdir()] == ["ac-state.json"]


def test_summary_and_rendering(served: Served) -> None:
    with served.client() as ac:
        conn = make_connection(ac)
        customer = make_customer(ac, conn)
        ac.post("/ecomOrders", json={"ecomOrder": order_body(conn, customer)})
        ac.post("/ecomOrders", json={"ecomOrder": order_body(
            conn, customer, externalid=None, externalcheckoutid="cart-1", source=0,
            abandonedDate="2024-05-01T10:00:00Z")})
    summary = served.account.summary()
    assert summary["orders_by_state"] == {"abandoned": 1, "completed": 1}
    assert summary["orders_by_source"] == {"historical": 1, "real_time": 1}
    assert (summary["carts"], summary["connections"], summary["contacts"]) == (1, 1, 1)
    assert summary["write_requests"] == 4 and summary["served_429"] == 0
    text = served.account.render_summary()
    assert "orders (v3):       2" in text and "POST ecomOrders" in text
