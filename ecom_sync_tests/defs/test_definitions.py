"""The Definitions object: loads, names stores in keys, schedules the active sync."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dagster as dg
import pytest

from ecom_sync.config import ConfigError
from ecom_sync.config_loader import load_config, parse_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.keys import staging_key
from ecom_sync.defs.partitions import (
    RANGE_END_TAG,
    RANGE_START_TAG,
    SYNC_FROM_TAG,
    SYNC_TO_TAG,
    partition_key,
    synced_through_metadata,
)
from ecom_sync.sync_modes import resolve_range
from ecom_sync_tests.helpers import config_dict

STREAMS = ("customers", "subscribers", "orders", "products", "carts")


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


def _synced(instance: dg.DagsterInstance, month: str, through: datetime,
            streams: tuple[str, ...] = STREAMS) -> None:
    """Record acme_outdoor's staging as synced through ``through`` in ``month``."""
    for stream in streams:
        instance.report_runless_asset_event(dg.AssetMaterialization(
            staging_key("acme_outdoor", stream), partition=month,
            metadata=synced_through_metadata(through)))


def _tick(schedule: dg.ScheduleDefinition, defs: dg.Definitions,
          instance: dg.DagsterInstance, at: datetime) -> list[dict[str, str]]:
    data = schedule.evaluate_tick(dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()))
    return [dict(r.tags) for r in data.run_requests]


def test_r_m1_active_sync_schedules_run_by_default_every_30_minutes() -> None:
    """M1: each connection's schedule is RUNNING; each tick syncs the current year from the
    day of the last good sync (the whole year the first time), so a tick pages a day of
    changes, and the first tick of a year also closes the year before."""
    defs = build_definitions(parse_config(config_dict(
        "http://x", acme_outdoor={"history_start": "2020-01-15"})))
    schedule = defs.resolve_schedule_def("active_sync_acme_outdoor")
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert schedule.cron_schedule == "*/30 * * * *"
    with dg.instance_for_test() as instance:
        noon = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
        [tags] = _tick(schedule, defs, instance, noon)
        assert (tags[RANGE_START_TAG], tags[RANGE_END_TAG]) == ("2026", "2026")
        assert SYNC_FROM_TAG not in tags  # never synced: the whole year
        _synced(instance, "2026", datetime(2026, 11, 20, 11, 30, tzinfo=UTC))
        [tags] = _tick(schedule, defs, instance, noon)
        assert tags[SYNC_FROM_TAG] == "2026-11-20"
        # A sync that ended just after midnight: the next one re-pages the day before too.
        _synced(instance, "2026", datetime(2026, 11, 21, 0, 20, tzinfo=UTC))
        [tags] = _tick(schedule, defs, instance, datetime(2026, 11, 21, 0, 30, tzinfo=UTC))
        assert tags[SYNC_FROM_TAG] == "2026-11-20"
        _synced(instance, "2026", datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
        [tags] = _tick(schedule, defs, instance, datetime(2027, 1, 1, 0, 0, tzinfo=UTC))
        assert (tags[RANGE_START_TAG], tags[RANGE_END_TAG], tags[SYNC_FROM_TAG]) == (
            "2026", "2027", "2026-12-31")
        assert _tick(schedule, defs, instance, datetime(2020, 1, 14, tzinfo=UTC)) == []
    sensor = defs.resolve_sensor_def("canonical_automation")
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


def test_partitions_are_years_from_history_start_to_the_current_one() -> None:
    config = parse_config(config_dict("http://x", acme_outdoor={"history_start": "2016-03-15"}))
    job = build_definitions(config).resolve_job_def("sync_acme_outdoor_job")
    partitions = job.partitions_def
    assert partitions is not None
    keys = partitions.get_partition_keys(current_time=datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert keys == [str(y) for y in range(2016, 2027)]


def test_r_m2_manual_sync_runs_from_last_successful_sync_to_today() -> None:
    """M2: last sync 4 October, today 20 November → 4 October .. 20 November, paged from
    4 October in the year's partition."""
    conn = parse_config(config_dict("http://x"))
    outdoor = conn.connection("acme_outdoor").model_copy(
        update={"history_start": date(2024, 1, 1)})
    with dg.instance_for_test() as instance:
        _synced(instance, "2025", datetime(2026, 1, 1, tzinfo=UTC))
        _synced(instance, "2026", datetime(2026, 10, 4, 17, 30, tzinfo=UTC))
        # A re-sync of an older year later on does not move the last sync back, nor do
        # the day partitions an older ecom_sync recorded.
        _synced(instance, "2024", datetime(2025, 1, 1, tzinfo=UTC))
        _synced(instance, "2026-11-19", datetime(2026, 11, 20, tzinfo=UTC))
        rng = resolve_range(outdoor, since_last=True, instance=instance,
                            today=date(2026, 11, 20))
        assert (rng.mode, rng.start, rng.end) == ("manual", date(2026, 10, 4),
                                                  date(2026, 11, 20))
        assert rng.run_tags() == {RANGE_START_TAG: "2026", RANGE_END_TAG: "2026",
                                  SYNC_FROM_TAG: "2026-10-04"}
        # A date range inside years synced before is re-synced day-exactly; one reaching
        # into a year never synced syncs its years whole (the UI's status stays true).
        rng = resolve_range(outdoor, start=date(2025, 3, 5), end=date(2025, 3, 10),
                            instance=instance, today=date(2026, 11, 20))
        assert rng.run_tags() == {RANGE_START_TAG: "2025", RANGE_END_TAG: "2025",
                                  SYNC_FROM_TAG: "2025-03-05", SYNC_TO_TAG: "2025-03-10"}
        older = outdoor.model_copy(update={"history_start": date(2023, 1, 1)})
        rng = resolve_range(older, start=date(2023, 12, 30), end=date(2024, 1, 2),
                            instance=instance, today=date(2026, 11, 20))
        assert rng.run_tags() == {RANGE_START_TAG: "2023", RANGE_END_TAG: "2024"}


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
    """M1: when the current month's partition lands, canonical is requested without waiting
    for every historical year; once canonical is rebuilt, the outbox and the publish follow."""
    from ecom_sync.defs.keys import CANONICAL_KEYS

    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=demo_defs, instance=instance)
        instance.report_runless_asset_event(dg.AssetMaterialization(
            staging_key("acme_outdoor", "orders"), partition=partition_key(date.today())))
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


def test_history_start_may_be_days_before_today() -> None:
    """``history_start: -90d`` (the demo's) is read as that many days before today, so the
    demo's history stays 90 days; a date stays a date; anything else is named clearly."""
    config = parse_config(config_dict("http://x", acme_outdoor={"history_start": "-90d"}))
    assert config.connection("acme_outdoor").history_start == (
        datetime.now(UTC).date() - timedelta(days=90))
    assert config.connection("acme_europe").history_start < datetime.now(UTC).date()
    with pytest.raises(ConfigError, match=r"history_start: .*days before today \(-90d\)"):
        parse_config(config_dict("http://x", acme_outdoor={"history_start": "-3 months"}))
