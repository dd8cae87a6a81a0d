"""What the warehouse holds, in words a merchant reads: the demo and ``status`` print it."""

from __future__ import annotations

from pathlib import Path

from ecom_sync.warehouse.db import read_only, table_exists


def _money(minor: int, currency: str, minor_unit: int) -> str:
    return f"{minor / 10**minor_unit:,.{minor_unit}f} {currency}"


def warehouse_summary(path: Path | None = None) -> str:
    lines: list[str] = []
    with read_only(path) as con:
        if not table_exists(con, "canonical", "contacts"):
            return "No canonical tables yet: run a sync first."
        stores = con.execute(
            """
            select rc.store_name, rc.connection,
                   (select count(*) from canonical.customers c where c.connection = rc.connection),
                   (select count(*) from canonical.orders o where o.connection = rc.connection),
                   (select count(*) from canonical.orders o
                     where o.connection = rc.connection and o.is_guest),
                   (select count(*) from canonical.abandoned_carts a
                     where a.connection = rc.connection and a.status = 'abandoned'),
                   (select count(*) from canonical.abandoned_carts a
                     where a.connection = rc.connection and a.status = 'recovered'),
                   (select count(*) from canonical.products p where p.connection = rc.connection)
            from ref.connections rc order by rc.store_name
            """
        ).fetchall()
        lines.append("Stores")
        for name, conn, customers, orders, guests, carts, recovered, products in stores:
            lines.append(
                f"  {name} ({conn}): {customers} customers, {orders} orders "
                f"({guests} guest checkouts), {products} products, "
                f"{carts} abandoned carts ({recovered} recovered)"
            )
            revenue = con.execute(
                "select o.currency, sum(o.revenue_minor), any_value(c.minor_unit) "
                "from canonical.orders o join ref.currencies c on c.code = o.currency "
                "where o.connection = ? and o.counts_as_revenue group by 1 order by 2 desc",
                [conn],
            ).fetchall()
            if revenue:
                lines.append(
                    "    revenue: " + ", ".join(_money(m, cur, u) for cur, m, u in revenue)
                )
        statuses = con.execute(
            "select status_group, count(*) from canonical.orders group by 1 order by 2 desc"
        ).fetchall()
        lines.append("Orders by status: " + ", ".join(f"{s} {n}" for s, n in statuses))
        total, multi, opted = con.execute(
            "select count(*), count(*) filter (where len(connections) > 1), "
            "count(*) filter (where accepts_marketing) from canonical.contacts"
        ).fetchone()
        lines.append(
            f"Contacts: {total} (one per e-mail; {multi} bought in more than one store; "
            f"{opted} opted in to marketing)"
        )
        skipped = con.execute(
            "select entity, reason, count(*) from canonical.skipped_records "
            "group by all order by 3 desc"
        ).fetchall()
        lines.append("Skipped (not synced, with the reason):")
        lines.extend(f"  {n} {entity}s: {reason}" for entity, reason, n in skipped)
        if not skipped:
            lines.append("  nothing")
    return "\n".join(lines)
