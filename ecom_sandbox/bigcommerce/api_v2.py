"""v2 handlers: orders and their sub-resources, order statuses, store info."""

from __future__ import annotations

from collections.abc import Callable

from ecom_sandbox.bigcommerce import render
from ecom_sandbox.bigcommerce.context import Ctx, Handler, Result, as_bool, date_range
from ecom_sandbox.bigcommerce.paging import int_param, v2_page
from ecom_sandbox.bigcommerce.responses import ApiError
from ecom_sandbox.bigcommerce.store import (
    ORDER_STATUSES,
    Predicate,
    Record,
    apply,
    sort_records,
)

_ORDER_SORTS = {"id", "customer_id", "date_created", "date_modified", "status_id", "channel_id",
                "external_id"}


def _order_filters(ctx: Ctx) -> list[Predicate]:
    preds: list[Predicate] = []
    preds += date_range(ctx, "date_modified", "min_date_modified", "max_date_modified", v2=True)
    preds += date_range(ctx, "date_created", "min_date_created", "max_date_created", v2=True)
    for name, op in (("min_id", int.__ge__), ("max_id", int.__le__)):
        bound = int_param(ctx.params, name)
        if bound is not None:
            preds.append(lambda r, b=bound, op=op: op(r["id"], b))
    for name in ("status_id", "customer_id", "channel_id"):
        value = int_param(ctx.params, name)
        if value is not None:
            preds.append(lambda r, k=name, v=value: r[k] == v)
    if "email" in ctx.params:
        wanted = ctx.params["email"].strip().lower()
        preds.append(lambda r: r["billing_address"]["email"].strip().lower() == wanted)
    if "cart_id" in ctx.params:
        preds.append(lambda r, v=ctx.params["cart_id"]: r["cart_id"] == v)
    deleted = as_bool(ctx.params["is_deleted"]) if "is_deleted" in ctx.params else False
    preds.append(lambda r: r["is_deleted"] == deleted)
    if "status_id" not in ctx.params and not ctx.sandbox.settings.list_incomplete_orders:
        preds.append(lambda r: r["status_id"] != 0)
    return preds


def orders(ctx: Ctx, _: dict[str, str]) -> Result:
    records = apply(ctx.store.orders.values(), _order_filters(ctx))
    raw = ctx.params.get("sort") or "id:asc"
    field_name, _, direction = raw.partition(":")
    if field_name not in _ORDER_SORTS or direction not in ("", "asc", "desc"):
        raise ApiError(400, f"The field 'sort' is invalid: {raw}")
    records = sort_records(records, field_name, direction == "desc")
    chunk = v2_page(records, ctx.params, ctx.max_limit)
    if chunk is None:
        return Result(None, 204)
    return Result([render.order_v2(r, ctx.api_base) for r in chunk])


def orders_count(ctx: Ctx, _: dict[str, str]) -> Result:
    records = apply(ctx.store.orders.values(), _order_filters(ctx))
    statuses = []
    for sid, (name, _desc) in ORDER_STATUSES.items():
        statuses.append({
            "id": sid, "name": name, "system_label": name, "custom_label": name,
            "system_description": _desc,
            "count": sum(1 for r in records if r["status_id"] == sid),
            "url": f"{ctx.api_base}/v2/orders?status_id={sid}", "sort_order": sid,
        })
    return Result({"statuses": statuses, "count": len(records)})


def _order(ctx: Ctx, args: dict[str, str]) -> Record:
    record = ctx.store.orders.get(int(args["id"]))
    if record is None:
        raise ApiError(404)
    return record


def order_one(ctx: Ctx, args: dict[str, str]) -> Result:
    return Result(render.order_v2(_order(ctx, args), ctx.api_base))


def _sub(key: str, rend: Callable[[Record], Record]) -> Handler:
    def handler(ctx: Ctx, args: dict[str, str]) -> Result:
        chunk = v2_page(_order(ctx, args)[key], ctx.params, ctx.max_limit)
        if chunk is None:
            return Result(None, 204)
        return Result([rend(r) for r in chunk])

    return handler


def order_statuses(ctx: Ctx, _: dict[str, str]) -> Result:
    return Result(render.order_statuses_v2())


def store_info(ctx: Ctx, _: dict[str, str]) -> Result:
    return Result(render.store_v2(ctx.store, ctx.api_base))


def server_time(ctx: Ctx, _: dict[str, str]) -> Result:
    return Result({"time": int(ctx.now.timestamp())})


_products = _sub("_products", render.order_product_v2)
_shipping = _sub("_shipping_addresses", render.shipping_address_v2)
_coupons = _sub("_coupons", render.coupon_v2)

ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/orders", orders),
    ("GET", r"/orders/count", orders_count),
    ("GET", r"/orders/(?P<id>\d+)", order_one),
    ("GET", r"/orders/(?P<id>\d+)/products", _products),
    ("GET", r"/orders/(?P<id>\d+)/shipping_addresses", _shipping),
    ("GET", r"/orders/(?P<id>\d+)/shippingaddresses", _shipping),
    ("GET", r"/orders/(?P<id>\d+)/coupons", _coupons),
    ("GET", r"/order_statuses", order_statuses),
    ("GET", r"/store", store_info),
    ("GET", r"/time", server_time),
]
