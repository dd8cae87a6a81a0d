"""Build the canonical tables next to the live ones, check them, then swap them in."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ecom_sync.crashpoints import crash_point
from ecom_sync.sources.registry import Platform
from ecom_sync.warehouse.checks import CheckOutcome, run_checks
from ecom_sync.warehouse.db import WAREHOUSE_DIR, transaction
from ecom_sync.warehouse.erasure import load_erased_people
from ecom_sync.warehouse.staging import ensure_schema

MODELS_DIR = WAREHOUSE_DIR / "models"
# Dependency order: each model may read the ones before it.
MODELS = (
    "products",
    "customers",
    "orders",
    "order_lines",
    "abandoned_carts",
    "contacts",
    "contact_segments",
    "skipped_records",
)
ENTITIES = tuple(p.stem for p in sorted((MODELS_DIR / "conformed").glob("*.sql")))


@dataclass
class BuildResult:
    row_counts: dict[str, int]
    checks: list[CheckOutcome]
    swapped: bool
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if not c.passed]


def _sql(path: Path) -> str:
    return path.read_text()


def create_conformed_views(con: duckdb.DuckDBPyConnection, platforms: list[Platform]) -> None:
    """``conformed.<entity>``: the typed contract, unioned with every platform's view of it;
    and ``erased_people``, whom the models leave out."""
    con.execute("create schema if not exists conformed")
    for platform in platforms:
        ensure_schema(con, platform)
    for entity in ENTITIES:
        parts = [_sql(MODELS_DIR / "conformed" / f"{entity}.sql")]
        parts += [platform.sql(f"conform_{entity}") for platform in platforms
                  if entity in platform.conformed_entities()]
        union = "\nunion all by name\n".join(f"select * from ({p})" for p in parts)
        con.execute(f"create or replace view conformed.{entity} as {union}")
    load_erased_people(con)  # the tombstoned people the models leave out (a temp table)


def build_canonical(con: duckdb.DuckDBPyConnection, platforms: list[Platform],
                    consent_policies: dict[str, str] | None = None) -> BuildResult:
    """``consent_policies``: each connection's ``consent_policy`` (None: keep the table)."""
    if consent_policies is not None:
        with transaction(con):
            con.execute("delete from ref.consent_policies")
            if consent_policies:
                con.executemany("insert into ref.consent_policies values (?, ?)",
                                sorted(consent_policies.items()))
    create_conformed_views(con, platforms)
    con.execute("drop schema if exists canonical_next cascade")
    con.execute("create schema canonical_next")
    con.execute("set search_path = 'canonical_next'")
    try:
        for model in MODELS:
            con.execute(
                f"create table canonical_next.{model} as {_sql(MODELS_DIR / f'{model}.sql')}"
            )
            crash_point("canonical.model")
        checks = run_checks(con)
        counts = {
            m: con.execute(f"select count(*) from canonical_next.{m}").fetchone()[0] for m in MODELS
        }
        skipped = dict(
            con.execute(
                "select entity || ':' || reason, count(*) from canonical_next.skipped_records "
                "group by all order by 1"
            ).fetchall()
        )
    finally:
        con.execute("reset search_path")
    swapped = all(c.passed for c in checks)
    if swapped:
        with transaction(con):
            for model in MODELS:
                con.execute(
                    f"create or replace table canonical.{model} as "
                    f"select * from canonical_next.{model}"
                )
                crash_point("canonical.swap")
        con.execute("drop schema canonical_next cascade")
    return BuildResult(counts, checks, swapped, skipped)
