"""S2 across a whole demo-like sync (issue 13): the demo's config (every platform and
destination, the webhook receiver) served by the demo's own stand-ins, with a distinctive
value for every secret it reads, synced, built and published by Dagster runs in a real
instance, then some new activity (webhooks, carts) synced and published again, and one
store and one destination given a wrong token (their runs fail). Then every place a value
could leak is scanned for each secret, as is and base64-encoded (alone and as a
``user:secret`` pair, as Basic auth sends it): Python logging, the Dagster event log (every
event: run and step metadata, error messages and their causes), run tags and config,
and every file of the state folder: landing, webhook store, outboxes and ledgers, the
Dagster storage with its compute logs (gzip read through), and the warehouse, byte for
byte and table by table."""

from __future__ import annotations

import base64
import gzip
import logging
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._serdes import serialize_value

from ecom_sandbox.activecampaign.ratelimit import TokenBucket
from ecom_sync.config import EcomSyncConfig
from ecom_sync.config_loader import load_config
from ecom_sync.defs import build_definitions
from ecom_sync.defs.automation import CANONICAL_JOB
from ecom_sync.defs.publish import publish_job_name
from ecom_sync.demo.environment import DEMO_ENV, demo_services
from ecom_sync.orchestration import free_port
from ecom_sync.paths import PROJECT_DIR
from ecom_sync_tests.conftest import STATE_VARS
from ecom_sync_tests.helpers import sync, today

DEMO_CONFIG = PROJECT_DIR / "ecom_sync" / "demo" / "ecom_sync.yaml"
FAST_AC = 1000.0
# The stand-ins' own saved state (the remote service's side, which knows the token).
STAND_IN_STATE = ("activecampaign-sandbox.json",)
RECENT = timedelta(days=2)  # what each sync pages (the stores' history as the demo's)
WRONG = ("ACME_OUTDOOR_BC_TOKEN", "ACTIVECAMPAIGN_API_TOKEN")  # refused in the last round


def distinctive(name: str) -> str:
    return f"S2{name.lower().replace('_', '')}{secrets.token_hex(6)}"


def needles(values: list[str]) -> dict[bytes, str]:
    """Each secret as is, base64 (standard and URL-safe) and as either half of a Basic
    ``user:password`` pair with any other secret (or none): what to look for → its name."""
    found: dict[bytes, str] = {}
    for value in values:
        found[value.encode()] = value
        forms = [value, f":{value}", f"{value}:", *(f"{other}:{value}" for other in values),
                 *(f"{value}:{other}" for other in values)]
        for form in forms:
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                found[encode(form.encode()).rstrip(b"=")] = f"{value} (base64 of {form!r})"
    return found


@dataclass
class Scan:
    needles: dict[bytes, str]
    places: int = 0  # what was read: log texts, events, files, tables

    def check(self, where: str, data: bytes | str) -> None:
        self.places += 1
        blob = data.encode("utf-8", "replace") if isinstance(data, str) else data
        leaked = [name for needle, name in self.needles.items() if needle in blob]
        assert not leaked, f"{where} holds {leaked}"

    def file(self, path: Path) -> None:
        data = path.read_bytes()
        self.check(str(path), data)
        if data[:2] == b"\x1f\x8b":
            self.check(f"{path} (gunzipped)", gzip.decompress(data))
        if path.suffix == ".duckdb":
            self.warehouse(path)

    def warehouse(self, path: Path) -> None:
        """Every table as text: DuckDB compresses strings, so the bytes alone prove little."""
        copy = path.with_name(f"scan-{path.name}")
        shutil.copy(path, copy)
        con = duckdb.connect(str(copy), read_only=True)
        try:
            tables = con.execute("select table_schema, table_name from information_schema.tables"
                                 ).fetchall()
            for schema, table in tables:
                rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
                self.check(f"{path}: {schema}.{table}", repr(rows))
        finally:
            con.close()
            copy.unlink()


@pytest.fixture
def demo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The demo config at free ports, a state folder, and a distinctive
    value in every secret variable; yields the secrets by variable."""
    raw = DEMO_CONFIG.read_text()
    for port in sorted(set(re.findall(r"127\.0\.0\.1:(\d+)", raw))):
        raw = raw.replace(f"127.0.0.1:{port}", f"127.0.0.1:{free_port('127.0.0.1')}")
    config = yaml.safe_load(raw)
    for dest in config["destinations"]:  # the test's account is not held to 5 requests/s
        if dest["type"] == "activecampaign":
            dest["rate_limit_per_second"] = FAST_AC
    (tmp_path / "ecom_sync.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    for var in STATE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("ECOM_SYNC_CONFIG", str(tmp_path / "ecom_sync.yaml"))
    values = {var: distinctive(var) for var in DEMO_ENV}
    for var, value in values.items():
        monkeypatch.setenv(var, value)
    yield values


def run_all(config: EcomSyncConfig, instance: dg.DagsterInstance) -> list[bool]:
    """A sync of every store (its last days, as an active sync), the canonical build, a
    publish to every destination: Dagster runs in ``instance``; whether each succeeded."""
    defs = build_definitions(config)
    outcomes = [sync(defs, c.name, today() - RECENT, today(), "manual", instance=instance,
                     raise_on_error=False).success for c in config.enabled_connections]
    jobs = [CANONICAL_JOB, *(publish_job_name(d) for d in config.destinations)]
    outcomes += [defs.resolve_job_def(j).execute_in_process(
        instance=instance, raise_on_error=False).success for j in jobs]
    return outcomes


def test_r_s2_no_secret_anywhere_after_a_demo_sync_and_publish(
    demo_home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """S2 (issue 13): no configured secret, in any form, in any log line, event, run
    metadata, error message or file the sync leaves (see the module docstring)."""
    caplog.set_level(logging.DEBUG)
    dagster_home = tmp_path / "state" / "dagster"
    dagster_home.mkdir(parents=True)
    shutil.copy(PROJECT_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance, \
            demo_services(load_config()) as services:
        config = services.config
        services.stand_ins["activecampaign"].account.limiter = TokenBucket(FAST_AC)
        assert all(run_all(config, instance)), "the demo-like sync failed"
        services.add_activity()
        services.after_activity()  # due carts go idle; webhooks reach the receiver
        assert all(run_all(config, instance)), "the sync after new activity failed"
        services.add_activity()  # something to send, so the wrong token is tried
        wrong = {var: distinctive(f"wrong{var}") for var in WRONG}
        for var, value in wrong.items():
            monkeypatch.setenv(var, value)
        assert run_all(config, instance).count(False) == len(WRONG), "wrong tokens taken"
        runs = instance.get_runs()
        scan = Scan(needles([*demo_home.values(), *wrong.values()]))
        for run in runs:
            scan.check(f"run {run.run_id} tags and config",
                       serialize_value(run.tags) + serialize_value(run.run_config))
            for entry in instance.all_logs(run.run_id):
                scan.check(f"event of run {run.run_id}", serialize_value(entry))
        scan.check("Python logging", caplog.text)
        files = [p for p in tmp_path.rglob("*") if p.is_file()
                 and p.name not in STAND_IN_STATE]
        for path in files:
            scan.file(path)
        errors = " ".join(serialize_value(e) for r in runs for e in instance.all_logs(
            r.run_id, of_type={dg.DagsterEventType.STEP_FAILURE}))
    for var in WRONG:  # the refusals were scanned, and say which variable to fix
        assert var in errors, var
    kinds = {p.relative_to(tmp_path / "state").parts[0] for p in files
             if p.is_relative_to(tmp_path / "state")}
    assert {"landing", "webhooks", "outbox", "ledger", "dagster", "warehouse.duckdb"} <= kinds
    assert any("compute_logs" in p.parts for p in files)
    assert len(runs) >= 3 * (len(config.connections) + 1 + len(config.destinations))
    assert scan.places > 1000


def test_the_scan_finds_a_secret_in_every_form(tmp_path: Path) -> None:
    """The scanner itself: a secret as is, in base64 inside a gzip file, or as a Basic
    pair, is found (so the test above can fail)."""
    scan = Scan(needles(["key-id", "the-secret"]))
    planted = {"plain.txt": b"token=the-secret",
               "basic.log.gz": gzip.compress(b"Authorization: Basic "
                                             + base64.b64encode(b"key-id:the-secret")),
               "alone.json": b'{"h": "' + base64.b64encode(b"the-secret") + b'"}'}
    for name, data in planted.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(AssertionError, match="the-secret"):
            scan.file(tmp_path / name)
