"""One canonical build published to ActiveCampaign and Connectif through Dagster; the
per-destination choice of connections; secrets never reach logs, metadata or files."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.connectif.app import create_app
from ecom_sandbox.connectif.state import ConnectifCloud
from ecom_sandbox.server import serve_in_thread
from ecom_sync import paths
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.publish import publish_job_name
from ecom_sync.destinations.activecampaign import DESTINATION as AC
from ecom_sync.destinations.activecampaign.config import ActiveCampaignDestination
from ecom_sync.destinations.connectif import DESTINATION
from ecom_sync.publish.outbox import NOT_PUBLISHED_HERE, build_outbox
from ecom_sync.sources.http import ReconnectRequired
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.destinations.connectif.conftest import (
    DOMAINS,
    KEY_ID,
    KEY_SECRET,
    STORE_URLS,
    cx_account,
)
from ecom_sync_tests.helpers import config_dict, outbox_rows

AC_TOKEN = "test-ac-token-for-both"


@pytest.fixture
def both(synced_demo: SyncedDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
         ) -> Iterator[dict[str, Any]]:
    """Both stand-ins served, and a config naming them; state (outboxes, ledgers) in a
    fresh home, the warehouse the session's synced one."""
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_SYNC_DUCKDB", str(synced_demo.duckdb))
    monkeypatch.setenv("TEST_AC_TOKEN", AC_TOKEN)
    monkeypatch.setenv("TEST_CX_KEY_ID", KEY_ID)
    monkeypatch.setenv("TEST_CX_KEY_SECRET", KEY_SECRET)
    ac, cx = AcAccount(AC_TOKEN, rate_per_second=1000.0), cx_account()
    with ExitStack() as stack:
        ac_url = stack.enter_context(serve_in_thread(create_ac_app(ac)))
        cx_url = stack.enter_context(serve_in_thread(create_app(ConnectifCloud([cx]))))
        raw = config_dict("http://127.0.0.1:1")
        raw["destinations"] = [
            {"name": "activecampaign", "type": "activecampaign", "api_url": ac_url,
             "token_env": "TEST_AC_TOKEN", "rate_limit_per_second": 1000},
            {"name": "connectif", "type": "connectif", "api_url": cx_url,
             "key_id_env": "TEST_CX_KEY_ID", "token_env": "TEST_CX_KEY_SECRET",
             "currency": "USD", "authorised_domains": DOMAINS,
             "storefronts": [{"connection": "acme_outdoor", "url": STORE_URLS["acme_outdoor"]}],
             "carts": {"custom_integration_id": "integ-1"}, "rate_limit_per_second": 100000}]
        yield {"ac": ac, "cx": cx, "config": parse_config(raw), "home": tmp_path / "home"}


def run_publish(config: Any, name: str) -> Any:
    defs = build_definitions(config)
    job = defs.resolve_job_def(publish_job_name(config.destination(name)))
    result = job.execute_in_process(run_config={"ops": {f"{name}__published": {
        "config": {"dry_run": False, "fire_nothing": False}}}}, raise_on_error=False)
    assert result.success
    return result


def test_same_merchant_published_to_both_destinations_from_one_canonical_build(
        both: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    """One canonical build, two destinations: ActiveCampaign receives every store,
    Connectif the store it lists (C1: one contact per e-mail in each); each its own
    outbox and ledger, no sync in between.
    S2: neither Connectif key part appears in logs, run events, metadata, the ledger or
    the outbox files."""
    caplog.set_level(logging.DEBUG)
    config = both["config"]
    runs = [run_publish(config, "activecampaign"), run_publish(config, "connectif")]
    ac, cx = both["ac"], both["cx"]
    con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
    contacts = {e for (e,) in con.execute("select email_key from canonical.contacts").fetchall()}
    outdoor = {e for (e,) in con.execute(
        "select email_key from canonical.contacts where list_contains(connections, "
        "'acme_outdoor')").fetchall()}
    con.close()
    assert {c["email"].lower() for c in ac.records("contacts")} == contacts
    assert set(cx.data["contacts"]) == outdoor
    ac_orders = {o["storeOrderId"] for o in ac.records("gql_orders")}
    assert set(cx.data["purchases"]) and set(cx.data["purchases"]) <= ac_orders
    assert cx.error_codes == {}
    # S2
    texts = [caplog.text, *(str(e) for r in runs for e in r.all_events)]
    home = both["home"]
    for path in [*home.rglob("*.parquet"), *home.rglob("*.duckdb"), *home.rglob("*.json")]:
        texts.append(path.read_bytes().decode("latin-1"))
    for secret in (KEY_SECRET, KEY_ID, AC_TOKEN):
        assert not [t for t in texts if secret in t]


def test_r_s2_a_refused_key_names_the_variables_never_their_values(
        both: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """S2: a wrong key stops the publish with a reconnect message naming both variables;
    neither value is in it. The run's failure says the same in Dagster."""
    monkeypatch.setenv("TEST_CX_KEY_SECRET", "revoked-secret-value")
    dest = both["config"].destination("connectif")
    con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
    build_outbox(con, DESTINATION.sql_dir, DESTINATION.kinds, DESTINATION.outbox_params(dest),
                 paths.outbox_path("connectif"), connections=dest.published_connections())
    con.close()
    with pytest.raises(ReconnectRequired) as info:
        DESTINATION.publish(dest, paths.outbox_path("connectif"),
                            paths.ledger_path("connectif"), datetime.now(UTC))
    message = str(info.value)
    assert "TEST_CX_KEY_ID" in message and "TEST_CX_KEY_SECRET" in message
    assert "revoked-secret-value" not in message and KEY_ID not in message
    monkeypatch.delenv("TEST_CX_KEY_ID")
    with pytest.raises(Exception, match="TEST_CX_KEY_ID is not set"):
        DESTINATION.publish(dest, paths.outbox_path("connectif"),
                            paths.ledger_path("connectif"), datetime.now(UTC))


def test_a_destination_receives_only_the_connections_it_lists(
        synced_demo: SyncedDemo, tmp_path: Path) -> None:
    """Each connection can go to one destination or both: a destination listing
    ``connections`` skips every other store's objects, and contacts known only from other
    stores, with a reason; a contact who also buys in a listed store is kept."""
    dest = ActiveCampaignDestination(name="ac_europe", type="activecampaign",
                                     api_url="http://unused", token_env="TEST_AC_TOKEN",
                                     connections=("acme_europe",))
    con = duckdb.connect(str(synced_demo.duckdb), read_only=True)
    build_outbox(con, AC.sql_dir, AC.kinds, AC.outbox_params(dest), tmp_path / "outbox",
                 connections=dest.published_connections())
    stores = dict(con.execute("select email_key, connections from canonical.contacts"
                              ).fetchall())
    con.close()
    rows = outbox_rows(tmp_path / "outbox")
    for row in rows:
        if row["kind"] == "contact":
            out = "acme_europe" not in stores[row["key"]]
            assert (row["skip_reason"] == NOT_PUBLISHED_HERE) == out
        elif row["connection"] == "acme_outdoor":  # never sent, whatever the reason
            assert row["skip_reason"] is not None
        elif row["connection"] == "acme_europe":
            assert row["skip_reason"] != NOT_PUBLISHED_HERE
    assert sum(r["skip_reason"] == NOT_PUBLISHED_HERE and r["kind"] == "order"
               for r in rows) > 0
    both_stores = [e for e, c in stores.items() if set(c) == {"acme_outdoor", "acme_europe"}]
    assert both_stores
    with pytest.raises(Exception, match="unknown connection"):
        raw = config_dict("http://127.0.0.1:1")
        raw["destinations"] = [{"name": "ac", "type": "activecampaign", "api_url": "http://x",
                                "token_env": "T", "connections": ["acme_nowhere"]}]
        parse_config(raw)
