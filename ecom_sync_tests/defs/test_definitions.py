"""The Definitions object: loads, names stores in keys, schedules the active sync."""

from __future__ import annotations

from datetime import UTC, date, datetime

import dagster as dg
import pytest

from ecom_sync.config import ConfigError
from ecom_sync.config_loader import load_config, parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.keys import staging_key
from ecom_sync.sync_modes import resolve_range
from ecom_sync_tests.helpers import config_dict


@pytest.fixture
def demo_defs() -> dg.Definitions:
    return build_definitions(load_config())


def test_bundled_definitions_load_and_name_each_store(demo_defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(demo_defs)
    keys = {k.to_user_string() for k in demo_defs.resolve_asset_graph().get_all_asset_keys()}
    for store in ("acme_outdoor", "acme_europe"):
        for stream in ("customers", "subscribers", "orders", "products", "carts"):
            assert f"landing/{store}/{stream}" in keys
            assert f"staging/{store}/{stream}" in keys
    assert {f"canonical/{m}" for m in ("contacts", "contact_segments", "orders")} <= keys


def test_r_m1_active_sync_schedules_run_by_default_every_30_minutes(demo_defs) -> None:
    """M1: each connection's schedule is RUNNING and syncs today's partition."""
    schedule = demo_defs.resolve_schedule_def("active_sync_acme_outdoor")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "*/30 * * * *"
    with dg.instance_for_test() as instance:
        noon = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        data = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=noon,
                                    repository_def=demo_defs.get_repository_def()))
        assert [r.partition_key for r in data.run_requests] == ["2026-11-20"]
        # The first tick after midnight also closes yesterday.
        early = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
        data = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=early,
                                    repository_def=demo_defs.get_repository_def()))
        assert [r.partition_key for r in data.run_requests] == ["2026-11-19", "2026-11-20"]
    sensor = demo_defs.resolve_sensor_def("canonical_automation")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_r_s3_disconnected_store_keeps_assets_but_has_no_schedule() -> None:
    """S3: a disconnected store is not synced any more; its assets and history stay."""
    config = parse_config(config_dict("http://127.0.0.1:1",
                                      acme_europe={"enabled": False}))
    defs = build_definitions(config)
    names = {s.name for s in defs.schedules}
    assert names == {"active_sync_acme_outdoor"}
    keys = defs.resolve_asset_graph().get_all_asset_keys()
    assert staging_key("acme_europe", "orders") in keys


def test_partitions_start_at_history_start_and_include_today(demo_defs) -> None:
    job = demo_defs.resolve_job_def("sync_acme_outdoor_job")
    partitions = job.partitions_def
    assert partitions is not None
    keys = partitions.get_partition_keys(current_time=datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert keys[0] == load_config().connection("acme_outdoor").history_start.isoformat()
    assert keys[-1] == "2026-11-20"


def test_r_m2_manual_sync_runs_from_last_successful_sync_to_today() -> None:
    """M2: last sync 4 October, today 20 November → 4 October .. 20 November."""
    conn = parse_config(config_dict("http://x"))
    outdoor = conn.connection("acme_outdoor").model_copy(
        update={"history_start": date(2026, 1, 1)})
    with dg.instance_for_test() as instance:
        for stream in ("customers", "subscribers", "orders", "products", "carts"):
            for day in ("2026-10-03", "2026-10-04"):
                instance.report_runless_asset_event(dg.AssetMaterialization(
                    staging_key("acme_outdoor", stream), partition=day))
        rng = resolve_range(outdoor, since_last=True, instance=instance,
                            today=date(2026, 11, 20))
    assert (rng.mode, rng.start, rng.end) == ("manual", date(2026, 10, 4), date(2026, 11, 20))


def test_r_m3_historical_sync_starts_at_the_stores_first_day() -> None:
    """M3: a historical sync covers every partition since history_start; a manual sync of
    a store never synced falls back to it."""
    conn = parse_config(config_dict("http://x")).connection("acme_outdoor")
    rng = resolve_range(conn, historical=True, today=date(2026, 11, 20))
    assert (rng.start, rng.end) == (conn.history_start, date(2026, 11, 20))
    with dg.instance_for_test() as instance:
        rng = resolve_range(conn, since_last=True, instance=instance, today=date(2026, 11, 20))
    assert rng.mode == "historical" and rng.start == conn.history_start


def test_manual_range_outside_history_is_a_clear_error() -> None:
    conn = parse_config(config_dict("http://x")).connection("acme_outdoor")
    with pytest.raises(ConfigError, match="history_start"):
        resolve_range(conn, start=date(2000, 1, 1), today=date(2026, 11, 20))


def test_r_m1_canonical_and_publish_follow_new_staging_data(demo_defs) -> None:
    """M1: when today's partition lands, canonical is requested without waiting for every
    historical day; once canonical is rebuilt, the outbox and the publish follow."""
    from ecom_sync.defs.keys import CANONICAL_KEYS

    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=demo_defs, instance=instance)
        instance.report_runless_asset_event(dg.AssetMaterialization(
            staging_key("acme_outdoor", "orders"), partition=date.today().isoformat()))
        second = dg.evaluate_automation_conditions(defs=demo_defs, instance=instance,
                                                   cursor=first.cursor)
        assert second.get_num_requested(CANONICAL_KEYS[0]) == 1
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=demo_defs, instance=instance)
        for key in CANONICAL_KEYS:
            instance.report_runless_asset_event(dg.AssetMaterialization(key))
        second = dg.evaluate_automation_conditions(defs=demo_defs, instance=instance,
                                                   cursor=first.cursor)
        assert second.get_num_requested(dg.AssetKey(["activecampaign", "outbox"])) == 1
