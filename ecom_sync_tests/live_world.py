"""A state folder of its own for tests that change what the sync holds (erasure, a
destination opt-out across a re-sync): two stand-in BigCommerce stores synced
historically and published to a stand-in ActiveCampaign account and a stand-in Connectif
store. One per session (``live_world`` in conftest.py); tests work on different people,
and take its environment (``ECOM_SYNC_HOME``, config, tokens) only while they run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.bigcommerce.app import create_app as create_bc_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.connectif.app import create_app as create_cx_app
from ecom_sandbox.connectif.state import ConnectifAccount, ConnectifCloud
from ecom_sandbox.server import serve_in_thread
from ecom_sync import paths
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.destinations.registry import get_destination
from ecom_sync.publish.ledger import Ledger
from ecom_sync.publish.outbox import build_outbox
from ecom_sync.publish.report import PublishReport
from ecom_sync_tests.conftest import STATE_VARS
from ecom_sync_tests.destinations.activecampaign.conftest import AC_TOKEN
from ecom_sync_tests.destinations.connectif.conftest import (
    KEY_ID,
    KEY_SECRET,
    STORE_URLS,
    cx_account,
)
from ecom_sync_tests.helpers import TOKENS, config_dict, historical_sync, small_sandbox


@dataclass
class World:
    home: Path
    sandbox: Sandbox
    config: EcomSyncConfig
    ac: AcAccount
    ac_state: Path
    cx: ConnectifAccount
    env: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def active(self) -> Iterator[None]:
        """Its state folder, config and tokens in the environment, for one test."""
        with pytest.MonkeyPatch.context() as mp:
            for var in STATE_VARS:
                mp.delenv(var, raising=False)
            for name, value in self.env.items():
                mp.setenv(name, value)
            yield

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
        try:
            return con.execute(sql, list(params)).fetchall()
        finally:
            con.close()

    def publish(self) -> dict[str, PublishReport]:
        """Build each destination's outbox (with its opt-outs) and publish it."""
        reports = {}
        for dest in self.config.destinations:
            destination = get_destination(dest.type)
            con = duckdb.connect(str(paths.duckdb_path()), read_only=True)
            try:
                build_outbox(con, destination.sql_dir, destination.kinds,
                             destination.outbox_params(dest), paths.outbox_path(dest.name),
                             connections=dest.published_connections(),
                             opt_outs=Ledger.opt_outs_file(paths.ledger_path(dest.name)))
            finally:
                con.close()
            report = destination.publish(dest, paths.outbox_path(dest.name),
                                         paths.ledger_path(dest.name), datetime.now(UTC))
            assert report.failed == 0, report.text()
            reports[dest.name] = report
        return reports


def make_world(tmp_path: Path, stack: ExitStack) -> World:
    """Serve the stand-ins (until ``stack`` closes), sync and publish."""
    env = {"ECOM_SYNC_HOME": str(tmp_path / "state"), **TOKENS, "TEST_AC_TOKEN": AC_TOKEN,
           "TEST_CX_KEY_ID": KEY_ID, "TEST_CX_KEY_SECRET": KEY_SECRET,
           "ECOM_SYNC_CONFIG": str(tmp_path / "ecom_sync.yaml")}
    sandbox = small_sandbox(seed=23, customers=30, orders=60, carts=6)
    ac_state = tmp_path / "ac-stand-in.json"
    ac = AcAccount(AC_TOKEN, rate_per_second=1000.0, state_path=ac_state)
    cx = cx_account()
    raw = config_dict(stack.enter_context(serve_in_thread(create_bc_app(sandbox))))
    raw["destinations"] = [
        {"name": "activecampaign", "type": "activecampaign", "token_env": "TEST_AC_TOKEN",
         "api_url": stack.enter_context(serve_in_thread(create_ac_app(ac))),
         "rate_limit_per_second": 1000},
        {"name": "connectif_us", "type": "connectif", "key_id_env": "TEST_CX_KEY_ID",
         "token_env": "TEST_CX_KEY_SECRET", "currency": "USD",
         "api_url": stack.enter_context(serve_in_thread(create_cx_app(ConnectifCloud([cx])))),
         "storefronts": [{"connection": "acme_outdoor", "url": STORE_URLS["acme_outdoor"]}],
         "authorised_domains": [*STORE_URLS.values(), "https://cdn11.bigcommerce.com"],
         "rate_limit_per_second": 100_000}]
    Path(env["ECOM_SYNC_CONFIG"]).write_text(json.dumps(raw))  # YAML is a superset of JSON
    world = World(Path(env["ECOM_SYNC_HOME"]), sandbox, parse_config(raw), ac, ac_state, cx,
                  env)
    with world.active():
        historical_sync(world.config)
        world.publish()
    return world
