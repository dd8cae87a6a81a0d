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
    """``conformed.<entity>``: the typed contract, unioned with every platform's view of it,
    its text cut to sane lengths and each row's ``problem`` (``models/problems``: why it
    cannot be synced, or null); and ``erased_people``, whom the models leave out."""
    con.execute("create schema if not exists conformed")
    for platform in platforms:
        ensure_schema(con, platform)
    for entity in ENTITIES:
        contract = _sql(MODELS_DIR / "conformed" / f"{entity}.sql")
        parts = [contract]
        parts += [platform.sql(f"conform_{entity}") for platform in platforms
                  if entity in platform.conformed_entities()]
        union = "\nunion all by name\n".join(f"select * from ({p})" for p in parts)
        problem = MODELS_DIR / "problems" / f"{entity}.sql"
        con.execute(
            f"create or replace view conformed.{entity} as select * {_text_caps(con, contract)},"
            f" ({_sql(problem) if problem.exists() else 'null'})::varchar as problem"
            f" from ({union})"
        )
    load_erased_people(con)  # the tombstoned people the models leave out (a temp table)


# Text a store sends is cut: a 10 MB name stops here. Names and codes at 255 characters,
# the rest (descriptions, URLs) at 64 KiB; keys and ids are never cut.
SHORT_TEXT = frozenset({"first_name", "last_name", "company", "phone", "name", "sku", "brand",
                        "category", "status", "shipping_method"})
LONG_TEXT_CHARS = 65_535


def _text_caps(con: duckdb.DuckDBPyConnection, contract: str) -> str:
    columns = con.execute(f"describe {contract}").fetchall()
    caps = [f"short_text({name}, {255 if name in SHORT_TEXT else LONG_TEXT_CHARS}) as {name}"
            for name, kind, *_ in columns
            if kind == "VARCHAR" and name != "connection" and not name.endswith("_id")]
    return f"replace ({', '.join(caps)})" if caps else ""


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
