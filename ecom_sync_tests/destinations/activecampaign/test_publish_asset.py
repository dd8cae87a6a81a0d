"""The publish as Dagster runs it: outbox then publish, with the dry-run switch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dagster as dg

from ecom_sync.config_loader import parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.publish import publish_job_name
from ecom_sync_tests.conftest import SyncedDemo
from ecom_sync_tests.destinations.activecampaign.conftest import AcTarget
from ecom_sync_tests.helpers import config_dict


def test_publish_job_dry_run_then_real(synced_demo: SyncedDemo,
                                       ac_factory: Callable[..., AcTarget]) -> None:
    """A dry run (the Launchpad's ``dry_run``) sends nothing and reports what it would
    send; the real run sends it, reports created/unchanged/skipped/failed and requests.
    M6: after each real publish the ``matches_destination`` check reads a sample back
    (within its request budget); an order deleted in the account behind the sync's back
    makes it warn, with the kind and a masked sample in its metadata."""
    ac = ac_factory()
    raw = config_dict("http://127.0.0.1:1")
    raw["destinations"] = [{"name": "activecampaign", "type": "activecampaign",
                            "api_url": ac.url, "token_env": "TEST_AC_TOKEN",
                            "rate_limit_per_second": 1000, "reconcile_sample": 500,
                            "reconcile_max_requests": 2000}]
    defs = build_definitions(parse_config(raw))
    instance = dg.DagsterInstance.ephemeral()
    job = defs.resolve_job_def(publish_job_name(parse_config(raw).destinations[0]))

    checks: dict[str, Any] = {}

    def run(dry_run: bool, matches: bool = True) -> dict:
        result = job.execute_in_process(run_config={"ops": {"activecampaign__published": {
            "config": {"dry_run": dry_run, "fire_nothing": False}}}}, instance=instance)
        assert result.success
        events = [e for e in result.get_asset_materialization_events()
                  if e.asset_key.path == ["activecampaign", "published"]]
        checks.clear()
        checks.update({c.check_name: c for c in result.get_asset_check_evaluations()})
        assert {n: c.passed for n, c in checks.items()} == {
            "no_failed_rows": True, "matches_destination": matches}
        return {k: v.value for k, v in events[0].materialization.metadata.items()}

    dry = run(True)
    assert ac.account.requests == []
    assert dry["dry_run"] is True and dry["order_to_send"] > 0 and dry["samples"]["order"]
    real = run(False)
    assert real["order_created"] == dry["order_to_send"]
    assert real["requests"] > 0 and real["order_failed"] == 0
    assert real["order_skipped"] > 0  # guest checkouts (BC3)
    read_back = checks["matches_destination"].metadata
    assert read_back["drift"].value == 0 and 0 < read_back["requests"].value <= 2000
    again = run(False)
    assert again["order_unchanged"] == real["order_created"] + real["order_unchanged"]
    assert again["requests"] == 0

    order = next(o for o in ac.account.records("ecom_orders") if o["externalid"])
    ac.account.data["ecom_orders"].pop(order["id"])  # deleted in the account
    run(False, matches=False)
    warned = checks["matches_destination"]
    assert warned.severity == dg.AssetCheckSeverity.WARN
    assert warned.metadata["by_kind"].value["order"]["missing"] == 1
    assert warned.metadata["samples"].value["order"]["missing"] == [
        f"{ac_connection(ac, order['connectionid'])}|{order['externalid']}"]


def ac_connection(ac: AcTarget, connection_id: str) -> str:
    return ac.account.data["connections"][connection_id]["externalid"]
