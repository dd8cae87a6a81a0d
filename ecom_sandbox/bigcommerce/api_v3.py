"""v3 handlers: customers, subscribers, catalog, carts, abandoned carts, hooks."""

from __future__ import annotations

from ecom_sandbox.bigcommerce import render, webhooks
from ecom_sandbox.bigcommerce.context import (
    Ctx,
    Handler,
    Result,
    as_bool,
    date_range,
    id_filters,
    includes,
    int_list,
    str_list,
)
from ecom_sandbox.bigcommerce.paging import (
    cursor_meta,
    page_and_limit,
    v3_cursor_list,
    v3_list,
)
from ecom_sandbox.bigcommerce.responses import ApiError
from ecom_sandbox.bigcommerce.store import Predicate, Record, apply, sort_records

_CUSTOMER_SORTS = {"date_created", "last_name", "date_modified"}
_PRODUCT_SORTS = {
    "id", "name", "sku", "price", "date_modified", "date_last_imported", "inventory_level",
    "is_visible", "total_sold", "calculated_price",
}


def _sort_param(ctx: Ctx, allowed: set[str]) -> tuple[str, bool]:
    """``sort=field:asc|desc`` (v3 customers); default id ascending."""
    raw = ctx.params.get("sort")
    if not raw:
        return "id", False
    field_name, _, direction = raw.partition(":")
    if field_name not in allowed or direction not in ("", "asc", "desc"):
        raise ApiError(422, f"Invalid sort {raw!r}", {"sort": "error.invalid.sort"})
    return field_name, direction == "desc"


# ----- customers -----------------------------------------------------------------------
def customers(ctx: Ctx, _: dict[str, str]) -> Result:
    preds: list[Predicate] = []
    preds += date_range(ctx, "date_modified", "date_modified:min", "date_modified:max")
    preds += date_range(ctx, "date_created", "date_created:min", "date_created:max")
    preds += date_range(ctx, "date_modified", "date_modified", "date_modified")
    preds += date_range(ctx, "date_created", "date_created", "date_created")
    preds += id_filters(ctx)
    emails = str_list(ctx, "email:in")
    if emails is not None:
        wanted = {e.strip().lower() for e in emails}
        preds.append(lambda r: r["email"].strip().lower() in wanted)
    companies = str_list(ctx, "company:in")
    if companies is not None:
        preds.append(lambda r, s=set(companies): r["company"] in s)
    groups = int_list(ctx, "customer_group_id:in")
    if groups is not None:
        preds.append(lambda r, s=set(groups): r["customer_group_id"] in s)
    records = apply(ctx.store.customers.values(), preds)
    inc = includes(ctx)

    def rend(r: Record) -> Record:
        return render.customer_v3(r, inc)

    if ctx.params.get("after") or ctx.params.get("before"):
        return Result(v3_cursor_list(records, ctx.params, rend, ctx.max_limit))
    field_name, desc = _sort_param(ctx, _CUSTOMER_SORTS)
    records = sort_records(records, field_name, desc)
    body = v3_list(records, ctx.params, rend, ctx.max_limit)
    page = int(body["meta"]["pagination"]["current_page"])
    if page == 1:  # end_cursor comes with the first offset page too
        _, limit = page_and_limit(ctx.params, ctx.max_limit)
        chunk = [ctx.store.customers[d["id"]] for d in body["data"]]
        body["meta"]["cursor_pagination"] = cursor_meta(
            chunk, limit, has_previous=False, has_next=len(records) > limit
        )
    return Result(body)


def customer_one(ctx: Ctx, args: dict[str, str]) -> Result:
    record = ctx.store.customers.get(int(args["id"]))
    if record is None:
        raise ApiError(404)
    return Result({"data": render.customer_v3(record, includes(ctx)), "meta": {}})


def subscribers(ctx: Ctx, _: dict[str, str]) -> Result:
    preds: list[Predicate] = []
    preds += date_range(ctx, "date_modified", "date_modified:min", "date_modified:max")
    preds += date_range(ctx, "date_created", "date_created:min", "date_created:max")
    preds += id_filters(ctx)
    for key in ("email", "source", "first_name", "last_name"):
        if key in ctx.params:
            value = ctx.params[key].strip().lower()
            preds.append(lambda r, k=key, v=value: str(r[k]).strip().lower() == v)
    order_ids = int_list(ctx, "order_id")
    if order_ids:
        preds.append(lambda r, v=order_ids[0]: r["order_id"] == v)
    records = apply(ctx.store.subscribers.values(), preds)
    field_name, desc = _sort_param(ctx, {"id", "date_created", "date_modified", "email"})
    records = sort_records(records, field_name, desc)
    return Result(v3_list(records, ctx.params, render.subscriber_v3, ctx.max_limit))


# ----- catalog -------------------------------------------------------------------------
def products(ctx: Ctx, _: dict[str, str]) -> Result:
    preds: list[Predicate] = []
    preds += date_range(ctx, "date_modified", "date_modified:min", "date_modified:max",
                        date_only_now=True)
    preds += date_range(ctx, "date_modified", "date_modified", "date_modified",
                        date_only_now=True)
    preds += id_filters(ctx)
    cats = int_list(ctx, "categories:in") or int_list(ctx, "categories")
    if cats:
        preds.append(lambda r, s=set(cats): bool(s & set(r["categories"])))
    if "is_visible" in ctx.params:
        visible = as_bool(ctx.params["is_visible"])
        preds.append(lambda r: r["is_visible"] == visible)
    for key in ("name", "sku", "type"):
        if key in ctx.params:
            preds.append(lambda r, k=key, v=ctx.params[key]: r[k] == v)
    records = apply(ctx.store.products.values(), preds)
    sort = ctx.params.get("sort", "id")
    if sort not in _PRODUCT_SORTS:
        raise ApiError(422, f"Invalid sort {sort!r}", {"sort": "error.invalid.sort"})
    direction = ctx.params.get("direction", "asc")
    if direction not in ("asc", "desc"):
        raise ApiError(422, f"Invalid direction {direction!r}", {"direction": "error.invalid"})
    records = sort_records(records, sort, direction == "desc")
    inc = includes(ctx)
    return Result(v3_list(records, ctx.params, lambda r: render.product_v3(r, inc),
                          ctx.max_limit))


def product_one(ctx: Ctx, args: dict[str, str]) -> Result:
    record = ctx.store.products.get(int(args["id"]))
    if record is None:
        raise ApiError(404)
    return Result({"data": render.product_v3(record, includes(ctx)), "meta": {}})


def categories(ctx: Ctx, _: dict[str, str]) -> Result:
    preds: list[Predicate] = id_filters(ctx) + id_filters(ctx, "parent_id")
    if "name" in ctx.params:
        preds.append(lambda r, v=ctx.params["name"]: r["name"] == v)
    records = sort_records(apply(ctx.store.categories.values(), preds), "id", False)
    return Result(v3_list(records, ctx.params, render.category_v3, ctx.max_limit))


# ----- carts ---------------------------------------------------------------------------
def abandoned_cart(ctx: Ctx, args: dict[str, str]) -> Result:
    cart = ctx.store.cart_by_token(args["token"])
    if cart is None:
        raise ApiError(404, "Abandoned cart not found")
    return Result({"data": {"cart_id": cart["id"]}, "meta": {}})


def _live_cart(ctx: Ctx, cart_id: str) -> Record:
    cart = ctx.store.carts.get(cart_id)
    if cart is None or not ctx.store.cart_is_live(cart, ctx.now):
        raise ApiError(404, "Cart not found")
    return cart


def cart_one(ctx: Ctx, args: dict[str, str]) -> Result:
    cart = _live_cart(ctx, args["id"])
    body = render.cart_v3(cart)
    if "redirect_urls" in includes(ctx):
        body["redirect_urls"] = _redirect_urls(ctx, cart)
    return Result({"data": body, "meta": {}})


def _redirect_urls(ctx: Ctx, cart: Record) -> dict[str, str]:
    token = ctx.sandbox.new_redirect_token(ctx.store.store_hash, cart["id"])
    q = f"id={cart['id']}&token={token}"
    return {
        "cart_url": f"{ctx.base_url}/cart.php?action=load&{q}",
        "checkout_url": f"{ctx.base_url}/cart.php?action=loadInCheckout&{q}",
        "embedded_checkout_url": f"{ctx.base_url}/cart.php?embedded=1&action=loadInCheckout&{q}",
    }


def cart_redirect_urls(ctx: Ctx, args: dict[str, str]) -> Result:
    cart = _live_cart(ctx, args["id"])
    return Result({"data": _redirect_urls(ctx, cart), "meta": {}}, status=201)


# ----- hooks ---------------------------------------------------------------------------
def hooks_list(ctx: Ctx, _: dict[str, str]) -> Result:
    preds: list[Predicate] = []
    if "is_active" in ctx.params:
        active = as_bool(ctx.params["is_active"])
        preds.append(lambda r: r["is_active"] == active)
    for key in ("scope", "destination"):
        if key in ctx.params:
            preds.append(lambda r, k=key, v=ctx.params[key]: r[k] == v)
    records = sort_records(apply(ctx.store.hooks.values(), preds), "id", False)
    return Result(v3_list(records, ctx.params, render.hook_v3, ctx.max_limit))


def hooks_create(ctx: Ctx, _: dict[str, str]) -> Result:
    errors = webhooks.validate_hook_body(ctx.body, partial=False)
    if errors:
        raise ApiError(422, None, errors)
    hook = webhooks.new_hook(ctx.store, ctx.body, ctx.now)
    return Result({"data": render.hook_v3(hook), "meta": {}})


def _hook(ctx: Ctx, args: dict[str, str]) -> Record:
    hook = ctx.store.hooks.get(int(args["id"]))
    if hook is None:
        raise ApiError(404, f"Webhook with id [{args['id']}] not found")
    return hook


def hook_one(ctx: Ctx, args: dict[str, str]) -> Result:
    return Result({"data": render.hook_v3(_hook(ctx, args)), "meta": {}})


def hook_update(ctx: Ctx, args: dict[str, str]) -> Result:
    hook = _hook(ctx, args)
    errors = webhooks.validate_hook_body(ctx.body, partial=True)
    if errors:
        raise ApiError(422, None, errors)
    for key in ("scope", "destination", "is_active", "headers", "events_history_enabled"):
        if key in ctx.body:
            hook[key] = ctx.body[key]
    hook["updated_at"] = int(ctx.now.timestamp())
    return Result({"data": render.hook_v3(hook), "meta": {}})


def hook_delete(ctx: Ctx, args: dict[str, str]) -> Result:
    hook = _hook(ctx, args)
    del ctx.store.hooks[hook["id"]]
    return Result({"data": render.hook_v3(hook), "meta": {}})


ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", r"/customers", customers),
    ("GET", r"/customers/subscribers", subscribers),
    ("GET", r"/customers/(?P<id>\d+)", customer_one),
    ("GET", r"/catalog/products", products),
    ("GET", r"/catalog/products/(?P<id>\d+)", product_one),
    ("GET", r"/catalog/categories", categories),
    ("GET", r"/abandoned-carts/(?P<token>[^/]+)", abandoned_cart),
    ("GET", r"/carts/(?P<id>[^/]+)", cart_one),
    ("POST", r"/carts/(?P<id>[^/]+)/redirect_urls", cart_redirect_urls),
    ("GET", r"/hooks", hooks_list),
    ("POST", r"/hooks", hooks_create),
    ("GET", r"/hooks/(?P<id>\d+)", hook_one),
    ("PUT", r"/hooks/(?P<id>\d+)", hook_update),
    ("DELETE", r"/hooks/(?P<id>\d+)", hook_delete),
]
