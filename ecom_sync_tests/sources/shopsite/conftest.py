"""A shop site and an ActiveCampaign account, both stand-ins served over loopback, a
config naming them and a real Dagster instance: what the sensor and publish tests of the
shop site run against."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopsite.app import create_app
from ecom_sandbox.shopsite.generator import DEMO_SPEC
from ecom_sandbox.shopsite.sandbox import Sandbox
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.feeds import feed_name
from ecom_sync.sources.feeds import Feed
from ecom_sync.sources.registry import get_platform
from ecom_sync_tests.sources.shopsite.harness import TOKEN_ENV, fast_sandbox, shopsite_connection

AC_TOKEN = "test-ac-token"
STATE_VARS = ("ECOM_SYNC_DUCKDB", "ECOM_SYNC_CONFIG", "DAGSTER_HOME")


@dataclass
class Tick:
    requests: list[dg.RunRequest]
    cursor: str | None
    skip: str | None


@dataclass
class ShopWorld:
    """The served stand-ins, the config naming them, its definitions, an instance."""

    sandbox: Sandbox
    ac: AcAccount
    ac_url: str
    config: EcomSyncConfig
    defs: dg.Definitions
    instance: dg.DagsterInstance

    def feed(self, name: str) -> Feed:
        conn = self.config.connections[0]
        return next(f for f in get_platform(conn.platform).feeds(conn) if f.name == name)

    def job_name(self, feed: str) -> str:
        return f"{feed_name(self.config.connections[0], self.feed(feed))}_job"

    def tick(self, feed: str, cursor: str | None) -> Tick:
        """One evaluation of the ``feed`` sensor from ``cursor``, in a fresh context each
        time: what the daemon does with the cursor it stored, after a restart too."""
        sensor = self.defs.resolve_sensor_def(feed_name(self.config.connections[0],
                                                        self.feed(feed)))
        context = dg.build_sensor_context(instance=self.instance, cursor=cursor,
                                          definitions=self.defs)
        data = sensor.evaluate_tick(context)
        return Tick(list(data.run_requests or []), data.cursor, data.skip_message)

    def run(self, request: dg.RunRequest, feed: str) -> dg.ExecuteInProcessResult:
        """Run what the sensor asked for, as the daemon would launch it."""
        return self.defs.resolve_job_def(self.job_name(feed)).execute_in_process(
            instance=self.instance, tags=request.tags, partition_key=request.partition_key)


@contextmanager
def shop_world_at(home: Path, **sizes: Any) -> Iterator[ShopWorld]:
    """Serve a small site and an AC account; state in ``home``; tokens in the env."""
    sandbox = fast_sandbox(**{"customers": 20, "orders": 20, "carts": 20, **sizes})
    ac = AcAccount(AC_TOKEN, rate_per_second=1000.0)
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack, \
            dg.instance_for_test() as instance:
        for var in STATE_VARS:
            mp.delenv(var, raising=False)
        mp.setenv("ECOM_SYNC_HOME", str(home))
        mp.setenv(TOKEN_ENV, DEMO_SPEC.token)
        mp.setenv("TEST_AC_TOKEN", AC_TOKEN)
        site_url = stack.enter_context(serve_in_thread(create_app(sandbox)))
        ac_url = stack.enter_context(serve_in_thread(create_ac_app(ac)))
        config = parse_config({
            "connections": [shopsite_connection(site_url)],
            "destinations": [{"name": "activecampaign", "type": "activecampaign",
                              "api_url": ac_url, "token_env": "TEST_AC_TOKEN",
                              "rate_limit_per_second": 1000}],
        })
        yield ShopWorld(sandbox, ac, ac_url, config, build_definitions(config), instance)


@pytest.fixture
def shop_world(tmp_path: Path) -> Iterator[ShopWorld]:
    with shop_world_at(tmp_path / "state") as world:
        yield world
