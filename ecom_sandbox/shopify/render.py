"""Render internal records to the REST wire shape of a given API version.

Timestamps → ISO 8601 in the shop's UTC offset (``2026-04-30T13:00:00+01:00``); internal
``_`` keys dropped; money stays a 2-dp string and gets ``*_set`` (shop / presentment
money); customers get ``default_address``, order aggregates and, for API versions before
2024-04 only, the legacy ``accepts_marketing`` fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from ecom_sandbox.shopify.shop import Record, ShopData, dec, money

LEGACY_MARKETING_BEFORE = "2024-04"

ORDER_MONEY = ("total_price", "subtotal_price", "total_tax", "total_discounts",
               "current_total_price", "total_line_items_price", "total_outstanding")
ITEM_MONEY = ("price", "total_discount", "discounted_price")


def wire(value: Any, tz: timezone) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat(timespec="seconds")
    if isinstance(value, dict):
        return {k: wire(v, tz) for k, v in value.items() if not k.startswith("_")}
    if isinstance(value, list):
        return [wire(v, tz) for v in value]
    return value


def money_set(amount: str, shop_ccy: str, pres_ccy: str, rate: Decimal) -> Record:
    return {"shop_money": {"amount": money(dec(amount)), "currency_code": shop_ccy},
            "presentment_money": {"amount": money(dec(amount) * rate),
                                  "currency_code": pres_ccy}}


def _add_sets(rec: Record, keys: tuple[str, ...], shop_ccy: str, pres: str,
              rate: Decimal) -> None:
    for key in keys:
        if isinstance(rec.get(key), str):
            rec[f"{key}_set"] = money_set(rec[key], shop_ccy, pres, rate)


@dataclass
class Renderer:
    shop: ShopData
    version: str  # the version actually served
    stats: dict[int, Record] | None = None

    @property
    def tz(self) -> timezone:
        return self.shop.tz

    def _stats(self) -> dict[int, Record]:
        if self.stats is None:
            stats: dict[int, Record] = {}
            for order in sorted(self.shop.orders.values(), key=lambda o: o["created_at"]):
                cid = order.get("customer_id")
                if cid is None:
                    continue
                s = stats.setdefault(cid, {"orders_count": 0, "total_spent": Decimal(0),
                                           "last_order_id": None, "last_order_name": None})
                s["orders_count"] += 1
                if order["cancelled_at"] is None:
                    s["total_spent"] += dec(order["current_total_price"])
                s["last_order_id"], s["last_order_name"] = order["id"], order["name"]
            self.stats = stats
        return self.stats

    def customer(self, c: Record, *, embedded: bool = False) -> Record:
        out = wire(c, self.tz)
        addresses = out.pop("addresses")
        if addresses:
            out["default_address"] = next((a for a in addresses if a.get("default")),
                                          addresses[0])
        if not embedded:
            out["addresses"] = addresses
            s = self._stats().get(c["id"], {})
            out["orders_count"] = s.get("orders_count", 0)
            out["total_spent"] = money(s.get("total_spent", 0))
            out["last_order_id"] = s.get("last_order_id")
            out["last_order_name"] = s.get("last_order_name")
        if self.version < LEGACY_MARKETING_BEFORE:
            consent = c.get("email_marketing_consent") or {}
            out["accepts_marketing"] = consent.get("state") == "subscribed"
            updated = consent.get("consent_updated_at")
            out["accepts_marketing_updated_at"] = wire(updated, self.tz)
            out["marketing_opt_in_level"] = consent.get("opt_in_level")
        out["admin_graphql_api_id"] = self.shop.gid("Customer", c["id"])
        return out

    def _embedded_customer(self, customer_id: int | None) -> Record | None:
        customer = self.shop.customers.get(customer_id) if customer_id else None
        return None if customer is None else self.customer(customer, embedded=True)

    def order(self, o: Record) -> Record:
        out = wire(o, self.tz)
        pres = o["_presentment"]["currency"]
        rate = Decimal(o["_presentment"]["rate"])
        ccy = o["currency"]
        _add_sets(out, ORDER_MONEY, ccy, pres, rate)
        shipping = sum((dec(s["price"]) for s in o["shipping_lines"]), Decimal(0))
        out["total_shipping_price_set"] = money_set(money(shipping), ccy, pres, rate)
        for item in out["line_items"]:
            _add_sets(item, ITEM_MONEY, ccy, pres, rate)
        for line in out["shipping_lines"]:
            _add_sets(line, ITEM_MONEY, ccy, pres, rate)
        for line in out.get("tax_lines", []):
            _add_sets(line, ("price",), ccy, pres, rate)
        out.pop("customer_id", None)
        customer = self._embedded_customer(o.get("customer_id"))
        if customer is not None:  # guest orders carry no "customer" key
            out["customer"] = customer
        return out

    def checkout(self, c: Record) -> Record:
        out = wire(c, self.tz)
        pres = c["_presentment"]["currency"]
        rate = Decimal(c["_presentment"]["rate"])
        _add_sets(out, ORDER_MONEY, c["currency"], pres, rate)
        out.pop("customer_id", None)
        customer = self._embedded_customer(c.get("customer_id"))
        if customer is not None:
            out["customer"] = customer
        return out

    def product(self, p: Record) -> Record:
        out = wire(p, self.tz)
        out["image"] = out["images"][0] if out["images"] else None
        out["admin_graphql_api_id"] = self.shop.gid("Product", p["id"])
        return out

    def plain(self, r: Record) -> Record:
        return wire(r, self.tz)

    def render(self, resource: str, r: Record) -> Record:
        fn = {"customers": self.customer, "orders": self.order, "checkouts": self.checkout,
              "products": self.product}.get(resource, self.plain)
        return fn(r)


def only_fields(rendered: Record, fields: str | None) -> Record:
    """Keep the top-level keys named in ``fields`` (comma-separated) when given."""
    if not fields:
        return rendered
    wanted = {f.strip() for f in fields.split(",") if f.strip()}
    return {k: v for k, v in rendered.items() if k in wanted}
