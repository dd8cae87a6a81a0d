"""The shop site's order sensor under a running Dagster daemon, as ``ecom-sync dev`` starts
it: an order placed at the stand-in site reaches the stand-in ActiveCampaign through a run
the sensor launched, visible through the webserver with the order it carried (SS2)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from dagster import DagsterInstance
from dagster._core.scheduler.instigation import InstigatorType

from ecom_sandbox.activecampaign.app import create_app as create_ac_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.server import serve_in_thread
from ecom_sandbox.shopsite.app import create_app
from ecom_sandbox.shopsite.generator import DEMO_SPEC
from ecom_sync import paths
from ecom_sync.orchestration import DONE_RUN, DagsterGraphQL, DagsterServices, free_port
from ecom_sync_tests.conftest import use_state
from ecom_sync_tests.sources.shopsite.conftest import AC_TOKEN
from ecom_sync_tests.sources.shopsite.harness import TOKEN_ENV, fast_sandbox, shopsite_connection

ORDERS_SENSOR = "feed_bottega_orders"
ORDERS_JOB = f"{ORDERS_SENSOR}_job"


def _wait_for(what: str, probe: Callable[[], Any], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:.0f} s")
        time.sleep(1)
    return found


def _sensor_cursor(name: str) -> str | None:
    with DagsterInstance.from_config(str(paths.dagster_home())) as instance:
        for state in instance.all_instigator_state(instigator_type=InstigatorType.SENSOR):
            if state.name == name and state.instigator_data is not None:
                return state.instigator_data.cursor  # type: ignore[union-attr]
    return None


def test_r_ss2_an_order_reaches_activecampaign_through_the_daemons_sensor(
    tmp_path: Path,
) -> None:
    """SS2 as a merchant runs it: the webserver and daemon over a config with a shop site;
    once the order sensor has ticked, an order placed at the site is carried by a run of
    the feed's job that the sensor launched (its tags name the order) and is in the stand-in
    ActiveCampaign when the run succeeds."""
    site = fast_sandbox(customers=10, orders=10, carts=5)
    ac = AcAccount(AC_TOKEN, rate_per_second=1000.0)
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(create_app(site)) as site_url, \
            serve_in_thread(create_ac_app(ac)) as ac_url:
        use_state(mp, tmp_path / "state")
        mp.setenv(TOKEN_ENV, DEMO_SPEC.token)
        mp.setenv("TEST_AC_TOKEN", AC_TOKEN)
        config = tmp_path / "ecom_sync.yaml"
        config.write_text(yaml.safe_dump({
            "connections": [shopsite_connection(site_url)],
            "destinations": [{"name": "activecampaign", "type": "activecampaign",
                              "api_url": ac_url, "token_env": "TEST_AC_TOKEN",
                              "rate_limit_per_second": 1000}],
        }))
        mp.setenv("ECOM_SYNC_CONFIG", str(config))
        with DagsterServices(port=free_port()) as services:
            # Its first tick starts the cursor at that moment (what came before is the
            # schedule's): place the order after it.
            _wait_for("first tick of the order sensor", lambda: _sensor_cursor(ORDERS_SENSOR),
                      timeout=120)
            placed_at = time.time()
            order = site.place_order(DEMO_SPEC.site)
            client = DagsterGraphQL(services.url)
            [run] = _wait_for("finished run of the order feed", lambda: [
                r for r in client.runs(ORDERS_JOB, placed_at - 60)
                if r["status"] in DONE_RUN], timeout=180)
    assert run["status"] == "SUCCESS"
    assert run["tags"]["ecom_sync/carried"] == order["number"]
    sent = [o for o in ac.records("gql_orders") if o["storeOrderId"] == order["id"]]
    assert len(sent) == 1
    assert sent[0]["email"].strip().lower() == order["holder"]["email"].lower()
