"""``ecom-sync forget``: one person erased from the warehouse, the landing files, the outboxes,
the ledgers and both destinations (as far as each API allows), with a tombstone that keeps
a re-sync from bringing them back until they order again. Its own synced state (the
session warehouse is shared read-only)."""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.bigcommerce.app import create_app as create_bc_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.connectif.app import create_app as create_cx_app
from ecom_sandbox.connectif.state import ConnectifCloud
from ecom_sandbox.records import new_order, region_of
from ecom_sandbox.server import serve_in_thread
from ecom_sync import paths
from ecom_sync.cli import main
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.erasure import FORGET_JOB
from ecom_sync.destinations.registry import get_destination
from ecom_sync.publish.outbox import build_outbox
from ecom_sync_tests.conftest import STATE_VARS
from ecom_sync_tests.destinations.activecampaign.conftest import AC_TOKEN
from ecom_sync_tests.destinations.connectif.conftest import (
    KEY_ID,
    KEY_SECRET,
    STORE_URLS,
    cx_account,
)
from ecom_sync_tests.helpers import (
    TOKENS,
    build_canonical,
    config_dict,
    historical_sync,
    small_sandbox,
    sync,
    today,
)


@dataclass
class World:
    home: Path
    sandbox: Sandbox
    config: EcomSyncConfig
    ac: AcAccount
    ac_state: Path
    cx: Any

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    def publish(self) -> None:
        for dest in self.config.destinations:
            destination = get_destination(dest.type)
            con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
            try:
                build_outbox(con, destination.sql_dir, destination.kinds,
                             destination.outbox_params(dest), paths.outbox_path(dest.name),
                             connections=dest.published_connections())
            finally:
                con.close()
            report = destination.publish(dest, paths.outbox_path(dest.name),
                                         paths.ledger_path(dest.name), datetime.now(UTC))
            assert report.failed == 0, report.text()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two stores synced historically and published to both destinations; the tests erase
    different people from it."""
    tmp_path = tmp_path_factory.mktemp("erasure")
    home = tmp_path / "state"
    with pytest.MonkeyPatch.context() as monkeypatch, ExitStack() as stack:
        for var in STATE_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("ECOM_SYNC_HOME", str(home))
        for name, value in {**TOKENS, "TEST_AC_TOKEN": AC_TOKEN, "TEST_CX_KEY_ID": KEY_ID,
                            "TEST_CX_KEY_SECRET": KEY_SECRET}.items():
            monkeypatch.setenv(name, value)
        yield _world(tmp_path, home, monkeypatch, stack)


def _world(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch,
           stack: ExitStack) -> World:
    sandbox = small_sandbox(seed=23, customers=30, orders=60, carts=6)
    ac_state = tmp_path / "ac-stand-in.json"
    ac = AcAccount(AC_TOKEN, rate_per_second=1000.0, state_path=ac_state)
    cx = cx_account()
    bc_url = stack.enter_context(serve_in_thread(create_bc_app(sandbox)))
    raw = config_dict(bc_url)
    raw["destinations"] = [
        {"name": "activecampaign", "type": "activecampaign", "token_env": "TEST_AC_TOKEN",
         "api_url": stack.enter_context(serve_in_thread(create_ac_app(ac))),
         "rate_limit_per_second": 1000},
        {"name": "connectif_us", "type": "connectif", "key_id_env": "TEST_CX_KEY_ID",
         "token_env": "TEST_CX_KEY_SECRET", "currency": "USD",
         "api_url": stack.enter_context(serve_in_thread(create_cx_app(
             ConnectifCloud([cx])))),
         "storefronts": [{"connection": "acme_outdoor",
                          "url": STORE_URLS["acme_outdoor"]}],
         "authorised_domains": [*STORE_URLS.values(), "https://cdn11.bigcommerce.com"],
         "rate_limit_per_second": 100_000}]
    config = parse_config(raw)
    config_file = tmp_path / "ecom_sync.yaml"
    config_file.write_text(json.dumps(raw))  # YAML is a superset of JSON
    monkeypatch.setenv("ECOM_SYNC_CONFIG", str(config_file))
    historical_sync(config)
    found = World(home, sandbox, config, ac, ac_state, cx)
    found.publish()
    return found


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
