"""Checks on the freshly built canonical tables (run before they are swapped in).

Each check is SQL counting offending rows in schema ``canonical_next``; zero passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class CanonicalCheck:
    name: str
    asset: str  # the canonical table the check belongs to
    description: str
    sql: str


CHECKS: tuple[CanonicalCheck, ...] = (
    CanonicalCheck(
        "email_unique",
        "contacts",
        "One contact per normalised e-mail, none without one (C1)",
        "select count(*) from (select email_key from contacts group by email_key "
        "having count(*) > 1 or email_key is null)",
    ),
    CanonicalCheck(
        "customer_or_guest",
        "orders",
        "Every order has a customer or the guest flag",
        "select count(*) from orders where customer_id is null and not is_guest",
    ),
    CanonicalCheck(
        "money_non_negative",
        "orders",
        "No negative totals, discounts, shipping, refunds or revenue",
        "select count(*) from orders where least(total_minor, subtotal_minor, discount_minor, "
        "shipping_minor, tax_minor, refunded_minor, revenue_minor) < 0",
    ),
    CanonicalCheck(
        "currency_valid",
        "orders",
        "Every order and line is in a known ISO 4217 currency",
        "select (select count(*) from orders anti join ref.currencies c on c.code = currency)"
        " + (select count(*) from order_lines anti join ref.currencies c on c.code = currency)",
    ),
    CanonicalCheck(
        "lines_money_non_negative",
        "order_lines",
        "No negative line prices or quantities",
        "select count(*) from order_lines where unit_price_minor < 0 or total_minor < 0 "
        "or quantity < 0",
    ),
    CanonicalCheck(
        "cart_money_valid",
        "abandoned_carts",
        "Cart totals non-negative and in a known currency",
        "select count(*) from abandoned_carts where total_minor < 0 "
        "or currency not in (select code from ref.currencies)",
    ),
    CanonicalCheck(
        "one_row_per_contact",
        "contact_segments",
        "Exactly one segment row per contact",
        "select abs((select count(*) from contacts) - (select count(distinct email_key) "
        "from contact_segments)) + (select count(*) - count(distinct email_key) "
        "from contact_segments)",
    ),
)


@dataclass(frozen=True)
class CheckOutcome:
    check: CanonicalCheck
    failing_rows: int

    @property
    def passed(self) -> bool:
        return self.failing_rows == 0


def run_checks(con: duckdb.DuckDBPyConnection) -> list[CheckOutcome]:
    """Run every check against the tables on the current search path."""
    return [CheckOutcome(c, int(con.execute(c.sql).fetchone()[0])) for c in CHECKS]
