"""Shared by the outbox and ledger tests: a day's edits to a synced warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ecom_sync.publish import outbox as outbox_module
from ecom_sync_tests.conftest import SyncedDemo

TAGS = {"acme_europe": ["eu-store"]}


@pytest.fixture
def changed_warehouse(synced_demo: SyncedDemo, tmp_path: Path) -> Path:
    """A copy of the synced warehouse with a day's worth of edits to canonical rows."""
    db = tmp_path / "changed.duckdb"
    shutil.copy(synced_demo.duckdb, db)
    con = duckdb.connect(str(db))
    con.execute("set TimeZone = 'UTC'")
    # order status and a line's quantity; a customer's consent (copied onto their orders);
    # a contact's name; an order and a cart gone; a new contact; a connection renamed
    con.execute("update canonical.orders set status = 'Shipped (edited)' "
                "where hash(connection, order_id) % 10 = 0")
    con.execute("update canonical.order_lines set quantity = quantity + 1 "
                "where line_id in (select min(line_id) from canonical.order_lines "
                "where hash(connection, order_id) % 13 = 1 group by connection, order_id)")
    con.execute("update canonical.customers set accepts_marketing = not accepts_marketing "
                "where customer_id in (select customer_id from canonical.orders "
                "where contact_eligible and customer_id is not null "
                "order by all limit 3)")
    con.execute("update canonical.contacts set first_name = first_name || '-x' "
                "where hash(email_key) % 20 = 0")
    con.execute("delete from canonical.orders where order_id = (select max(order_id) "
                "from canonical.orders where contact_eligible)")
    con.execute("delete from canonical.abandoned_carts where cart_id = "
                "(select min(cart_id) from canonical.abandoned_carts)")
    con.execute("insert into canonical.contacts select * replace "
                "('new.person@example.org' as email_key, 'New.Person@example.org' as email) "
                "from canonical.contacts limit 1")
    con.execute("update ref.connections set store_name = store_name || ' (renamed)' "
                "where connection = 'acme_europe'")
    con.close()
    return db


def build(db: Path, root: Path, **overrides: object) -> outbox_module.OutboxBuild:
    from ecom_sync.destinations.activecampaign import DESTINATION
    from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination

    dest = ActiveCampaignDestination(name="activecampaign", type="activecampaign",
                                     api_url="http://unused", token_env="TEST_AC_TOKEN",
                                     connection_tags=TAGS, **overrides)
    con = duckdb.connect(str(db), read_only=True)
    try:
        return outbox_module.build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds,
                                          DESTINATION.outbox_params(dest), root)
    finally:
        con.close()


