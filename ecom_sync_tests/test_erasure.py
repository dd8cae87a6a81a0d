"""``ecom-sync forget``: one person erased from the warehouse, the landing files, the outboxes,
the ledgers and both destinations (as far as each API allows), with a tombstone that keeps
a re-sync from bringing them back until they order again. On ``live_world`` (the session
warehouse is shared read-only)."""

from __future__ import annotations

import gzip
import random
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ecom_sandbox.records import new_order, region_of
from ecom_sync.cli import main
from ecom_sync.defs import build_definitions
from ecom_sync.defs.erasure import FORGET_JOB
from ecom_sync_tests.helpers import build_canonical, historical_sync, sync, today
from ecom_sync_tests.live_world import World


def traces(root: Path, email_key: str) -> list[str]:
    """Files under ``root`` whose content names the e-mail (any case): gzip files
    decompressed, Parquet and DuckDB files read as text row by row, the rest as bytes."""
    hits = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix == ".gz":
            text = gzip.decompress(path.read_bytes()).decode()
        elif path.suffix == ".parquet":
            text = " ".join(str(r) for r in duckdb.sql(
                f"select * from read_parquet('{path}')").fetchall())
        elif path.suffix == ".duckdb":
            text = path.read_bytes().decode("latin-1") + _tables_text(path)
        else:
            text = path.read_bytes().decode("latin-1")
        if email_key in text.lower():
            hits.append(str(path.relative_to(root)))
    return hits


def _tables_text(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where database_name = current_database()").fetchall()
        return " ".join(str(row) for s, t in tables for row in con.execute(
            f'select r::varchar from "{s}"."{t}" as r').fetchall())
    finally:
        con.close()


def a_buyer(world: World) -> tuple[str, str]:
    """A registered Acme Outdoor customer with paid orders and a purchase in Connectif:
    (their e-mail as the store spells it, its key)."""
    (email,) = world.query("""
        select any_value(o.email) from canonical.orders o
        join canonical.customers c using (connection, customer_id)
        where o.connection = 'acme_outdoor' and o.counts_as_revenue and o.currency = 'USD'
        group by o.email_key order by count(*) desc, o.email_key limit 1""")[0]
    return email, email.strip().lower()


def test_r_c1_forget_erases_everywhere_and_a_resync_does_not_bring_them_back(
    world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """C1 (the key is the trimmed, case-insensitive e-mail): ``ecom-sync forget`` with the
    address in another case deletes the person's contact, e-commerce customers, orders and
    carts in ActiveCampaign and their purchases in Connectif (whose API cannot delete the
    contact: reported), and leaves no trace of the e-mail in the warehouse, landing files,
    outboxes, ledgers or the ActiveCampaign stand-in. A historical re-sync of the store
    that still has them brings nothing back (skipped as erased); an order they place after
    the erasure re-admits them from that order on."""
    email, key = a_buyer(world)
    assert traces(world.home / "landing", key) and traces(world.home / "outbox", key)
    assert traces(world.home / "ledger", key) and key in world.ac_state.read_text().lower()
    assert world.cx.contact(key) is not None
    purchases = [p for p in world.cx.data["purchases"].values()
                 if p["contactEmail"].lower() == key]
    assert purchases

    caplog.set_level("DEBUG")
    assert main(["forget", f"  {email.upper()} "]) == 0
    out = capsys.readouterr().out
    confirmation, report = out.split("\n", 1)
    assert key in confirmation.lower() and key not in report.lower()
    assert key not in caplog.text.lower()
    assert "activecampaign: " in report and "contact 1" in report
    assert "the contact stays in Connectif" in report

    assert traces(world.home, key) == []
    assert key not in world.ac_state.read_text().lower()
    assert world.ac.contact_by_email(key) is None
    assert [o for o in world.ac.records("ecom_orders") if o["email"].lower() == key] == []
    assert not any(p["contactEmail"].lower() == key
                   for p in world.cx.data["purchases"].values())
    assert world.cx.contact(key) is not None  # no deletion in Connectif's API: reported

    defs = historical_sync(world.config)  # the store still has them
    assert world.query("select count(*) from canonical.contacts where email_key = ?",
                       key) == [(0,)]
    erased = dict(world.query("select entity, count(*) from canonical.skipped_records "
                              "where reason = 'erased' group by all"))
    assert erased["contact"] == 1 and erased["order"] >= 1 and erased["customer"] >= 1
    world.publish()
    assert world.ac.contact_by_email(key) is None
    assert traces(world.home / "outbox", key) == traces(world.home / "ledger", key) == []

    store = world.sandbox.store("acmeoutdoor")
    customer = next(c for c in store.customers.values() if c["email"].lower() == key)
    now = datetime.now(UTC).replace(microsecond=0)  # seconds after the erasure
    order = new_order(random.Random(3), store, region_of(store), now, status_id=11,
                      currency="USD", customer=customer, guest=None, now=now)
    assert sync(defs, "acme_outdoor", today(), today()).success
    assert build_canonical(defs).success
    assert world.query("select order_id from canonical.orders where email_key = ?",
                       key) == [(str(order["id"]),)]
    assert world.query("select count(*) from canonical.contacts where email_key = ?",
                       key) == [(1,)]


def test_r_c1_the_forget_job_takes_the_email_as_run_config(world: World) -> None:
    """The Dagster job erases the person given in its run config; its metadata and logs
    hold counts and the tombstone, never the address."""
    _, key = a_buyer(world)
    defs = build_definitions(world.config)
    instance = dg.DagsterInstance.ephemeral()
    result = defs.resolve_job_def(FORGET_JOB).execute_in_process(
        run_config={"ops": {"forget_person": {"config": {"email": key.title()}}}},
        instance=instance)
    assert result.success
    text = " ".join(str(e.user_message) + str(e.dagster_event)
                    for e in instance.all_logs(result.run_id)).lower()
    assert "records_deleted" in text and key not in text
    assert world.query("select count(*) from canonical.orders where email_key = ?",
                       key) == [(0,)]
    assert traces(world.home, key) == []
