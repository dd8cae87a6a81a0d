"""Builders of single BigCommerce records (internal form, see ``bigcommerce/store.py``)
shared by the demo generator and the activity simulator."""

from __future__ import annotations

import random
import unicodedata
import uuid
from datetime import datetime, timedelta
from typing import Any

from ecom_sandbox import names
from ecom_sandbox.bigcommerce.formats import round_money
from ecom_sandbox.bigcommerce.store import CURRENCY_DECIMALS, ORDER_STATUSES, StoreData

Record = dict[str, Any]

RATES: dict[str, float] = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79, "JPY": 151.0, "CAD": 1.36}
TAX_RATES: dict[str, float] = {"USD": 0.0825, "EUR": 0.19, "GBP": 0.2, "JPY": 0.1, "CAD": 0.13}

# Statuses weighted for orders beyond the first 15 (which cover every status once).
STATUS_WEIGHTS: dict[int, int] = {
    0: 2, 1: 3, 2: 12, 3: 2, 4: 4, 5: 3, 6: 2, 7: 3, 8: 1, 9: 4, 10: 40, 11: 12,
    12: 1, 13: 1, 14: 3,
}
PAYMENT_STATUS: dict[int, str] = {
    0: "", 1: "pending", 2: "captured", 3: "captured", 4: "refunded", 5: "void",
    6: "declined", 7: "pending", 8: "captured", 9: "captured", 10: "captured",
    11: "captured", 12: "authorized", 13: "captured", 14: "partially refunded",
}
SHIPPED_STATUSES = {2, 3, 10}


def uuid_from(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    seconds = (end - start).total_seconds()
    return (start + timedelta(seconds=rng.uniform(0, seconds))).replace(microsecond=0)


def ascii_key(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in norm.lower() if ch.isalnum())


def slugify(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(ch if ch.isalnum() else " " for ch in norm).split())


def person(rng: random.Random) -> tuple[str, str, str]:
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    domain = rng.choice(names.EMAIL_DOMAINS)
    email = f"{ascii_key(first)}.{ascii_key(last)}{rng.randint(1, 9999)}@{domain}"
    return first, last, email


def case_variant(rng: random.Random, email: str) -> str:
    """The same address as another store writes it: other case, stray spaces."""
    local, _, domain = email.partition("@")
    styles = (
        f"{local.title()}@{domain.title()} ",
        f" {email.upper()}",
        f"{local.capitalize()}@{domain}",
        f"  {local}@{domain.upper()}  ",
    )
    return rng.choice(styles)


def address(rng: random.Random, region: str) -> dict[str, str]:
    if region == "us":
        street, city, state, zip_code = rng.choice(names.US_ADDRESSES)
        return {"street": street, "city": city, "state": state, "zip": zip_code,
                "country_code": "US", "country": "United States"}
    street, city, state, zip_code, cc, country = rng.choice(names.EU_ADDRESSES)
    return {"street": street, "city": city, "state": state, "zip": zip_code,
            "country_code": cc, "country": country}


def fake_phone(rng: random.Random) -> str:
    return f"555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"


def new_customer(
    rng: random.Random,
    store: StoreData,
    region: str,
    created: datetime,
    *,
    first: str,
    last: str,
    email: str,
) -> Record:
    """Add a customer (v3 shape, internal dates) to ``store`` and return it."""
    cid = store.next_id("customers")
    addresses = []
    for _ in range(rng.choices((0, 1, 2), weights=(15, 70, 15))[0]):
        a = address(rng, region)
        addresses.append({
            "id": store.next_id("customer_addresses"),
            "customer_id": cid,
            "first_name": first,
            "last_name": last,
            "company": "",
            "address1": a["street"],
            "address2": "",
            "city": a["city"],
            "state_or_province": a["state"],
            "postal_code": a["zip"],
            "country_code": a["country_code"],
            "country": a["country"],
            "phone": fake_phone(rng),
            "address_type": rng.choice(("residential", "residential", "commercial")),
        })
    customer: Record = {
        "id": cid,
        "email": email,
        "first_name": first,
        "last_name": last,
        "company": rng.choice(names.COMPANIES),
        "phone": fake_phone(rng) if rng.random() < 0.7 else "",
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": 1 if rng.random() < 0.1 else 0,
        "date_created": created,
        "date_modified": created,
        "registration_ip_address": f"198.51.100.{rng.randint(1, 254)}",
        "accepts_product_review_abandoned_cart_emails": rng.random() < 0.6,
        "origin_channel_id": 1,
        "channel_ids": [1],
        "authentication": {"force_password_reset": False},
        "store_credit_amounts": [{"amount": 0}],
        "addresses": addresses,
    }
    store.customers[cid] = customer
    return customer


def new_subscriber(
    rng: random.Random,
    store: StoreData,
    created: datetime,
    *,
    email: str,
    first: str,
    last: str,
    source: str,
    order_id: int | None = None,
    consents: list[str] | None = None,
) -> Record:
    """Add a newsletter subscriber (v3 ``/customers/subscribers`` shape)."""
    sid = store.next_id("subscribers")
    if consents is None:
        consents = rng.choice((
            ["marketing_newsletter"],
            ["marketing_newsletter", "abandoned_cart"],
            ["abandoned_cart"],
            [],
        ))
    record: Record = {
        "id": sid,
        "email": email,
        "first_name": first,
        "last_name": last,
        "source": source,
        "order_id": order_id,
        "channel_id": 1,
        "consents": consents,
        "date_created": created,
        "date_modified": created,
    }
    store.subscribers[sid] = record
    return record


def pick_status(rng: random.Random) -> int:
    return rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]


def order_currency(rng: random.Random, spec_currencies: list[tuple[str, int]]) -> str:
    codes = [c for c, _ in spec_currencies]
    return rng.choices(codes, weights=[w for _, w in spec_currencies])[0]


def convert(amount: float, from_ccy: str, to_ccy: str) -> float:
    value = amount / RATES[from_ccy] * RATES[to_ccy]
    return round_money(value, CURRENCY_DECIMALS[to_ccy])


def new_order(
    rng: random.Random,
    store: StoreData,
    region: str,
    created: datetime,
    *,
    status_id: int,
    currency: str,
    customer: Record | None,
    guest: tuple[str, str, str] | None,
    now: datetime,
    cart: Record | None = None,
    modified: datetime | None = None,
) -> Record:
    """Add an order (v2 shape, internal money floats) with lines, shipping and coupons."""
    oid = store.next_id("orders", start=100)
    dec = CURRENCY_DECIMALS[currency]
    if customer is not None:
        first, last, email = customer["first_name"], customer["last_name"], customer["email"]
        addr_rec = customer["addresses"][0] if customer["addresses"] else None
        a = (
            {"street": addr_rec["address1"], "city": addr_rec["city"],
             "state": addr_rec["state_or_province"], "zip": addr_rec["postal_code"],
             "country_code": addr_rec["country_code"], "country": addr_rec["country"]}
            if addr_rec else address(rng, region)
        )
        customer_id = customer["id"]
    else:
        assert guest is not None
        first, last, email = guest
        a = address(rng, region)
        customer_id = 0
    phone = fake_phone(rng)

    # lines
    lines: list[Record] = []
    visible = [p for p in store.products.values() if p["is_visible"]] or list(
        store.products.values()
    )
    if cart is not None:
        picks = [
            (store.products[i["product_id"]], i["quantity"])
            for i in cart["line_items"]["physical_items"]
        ]
    else:
        picks = [
            (p, rng.choices((1, 2, 3), weights=(75, 20, 5))[0])
            for p in rng.sample(visible, k=min(len(visible), rng.randint(1, 5)))
        ]
    tax_rate = TAX_RATES[currency]
    for product, qty in picks:
        price = convert(product["price"], store.currency, currency)
        variant = rng.choice(product["variants"])
        lines.append({
            "id": store.next_id("order_products"),
            "order_id": oid,
            "product_id": product["id"],
            "variant_id": variant["id"],
            "order_address_id": 0,
            "name": product["name"],
            "sku": variant["sku"],
            "upc": "",
            "type": product["type"],
            "base_price": price,
            "price_ex_tax": price,
            "price_inc_tax": round_money(price * (1 + tax_rate), dec),
            "price_tax": round_money(price * tax_rate, dec),
            "base_total": round_money(price * qty, dec),
            "total_ex_tax": round_money(price * qty, dec),
            "total_inc_tax": round_money(price * qty * (1 + tax_rate), dec),
            "total_tax": round_money(price * qty * tax_rate, dec),
            "weight": product["weight"],
            "quantity": qty,
            "quantity_shipped": 0,
            "quantity_refunded": 0,
            "refund_amount": 0.0,
            "is_refunded": False,
            "brand": "Acme",
            "applied_discounts": [],
            "product_options": [
                {"display_name": o["option_display_name"], "display_value": o["label"]}
                for o in variant["option_values"]
            ],
            "configurable_fields": [],
            "event_name": None,
            "event_date": "",
        })
    subtotal = round_money(sum(line["total_ex_tax"] for line in lines), dec)

    # shipping
    method, base_ship = rng.choice(names.SHIPPING_METHODS)
    ship_cost = convert(base_ship, "USD", currency)

    # coupon
    coupons: list[Record] = []
    coupon_discount = 0.0
    if rng.random() < 0.22:
        code, ctype, value = rng.choice(names.COUPON_CODES)
        if ctype == 1:
            coupon_discount = round_money(subtotal * value / 100, dec)
        elif ctype == 2:
            coupon_discount = min(subtotal, convert(value, "USD", currency))
        else:  # free shipping
            coupon_discount = ship_cost
            ship_cost = 0.0
        coupons.append({
            "id": store.next_id("order_coupons"),
            "coupon_id": names.COUPON_CODES.index((code, ctype, value)) + 1,
            "order_id": oid,
            "code": code,
            "amount": value,
            "type": ctype,
            "discount": coupon_discount,
        })
        if ctype in (1, 2) and coupon_discount:
            remaining = coupon_discount
            for i, line in enumerate(lines):
                share = (
                    remaining if i == len(lines) - 1
                    else round_money(coupon_discount * line["total_ex_tax"] / subtotal, dec)
                )
                remaining = round_money(remaining - share, dec)
                line["applied_discounts"].append(
                    {"id": code.lower(), "amount": share, "name": code, "code": code,
                     "target": "order"}
                )

    goods_net = round_money(subtotal - (coupon_discount if not coupons or
                                        coupons[0]["type"] in (1, 2) else 0.0), dec)
    tax = round_money(goods_net * tax_rate + ship_cost * tax_rate, dec)
    total_ex = round_money(goods_net + ship_cost, dec)
    total_inc = round_money(total_ex + tax, dec)

    items_total = sum(line["quantity"] for line in lines)
    date_shipped = None
    items_shipped = 0
    refunded = 0.0
    if status_id in SHIPPED_STATUSES or status_id in (4, 14):
        date_shipped = min(now, created + timedelta(hours=rng.randint(6, 96)))
        items_shipped = items_total
        if status_id == 3:
            items_shipped = max(1, items_total - 1)
        for line in lines:
            line["quantity_shipped"] = line["quantity"]
    if status_id == 4:
        refunded = total_inc
        for line in lines:
            line["quantity_refunded"] = line["quantity"]
            line["is_refunded"] = True
            line["refund_amount"] = line["total_inc_tax"]
    elif status_id == 14:
        line = lines[0]
        line["quantity_refunded"] = 1
        line["refund_amount"] = line["price_inc_tax"]
        refunded = line["price_inc_tax"]

    if modified is None:
        modified = created
        if status_id in (4, 14, 2, 3, 10, 5) or rng.random() < 0.3:
            modified = between(rng, created, min(now, created + timedelta(days=40)))
    rate = RATES[currency] / RATES[store.currency]
    status_name = ORDER_STATUSES[status_id][0]
    order: Record = {
        "id": oid,
        "customer_id": customer_id,
        "date_created": created,
        "date_modified": max(modified, created),
        "date_shipped": date_shipped,
        "status_id": status_id,
        "status": status_name,
        "custom_status": status_name,
        "subtotal_ex_tax": subtotal,
        "subtotal_inc_tax": round_money(subtotal * (1 + tax_rate), dec),
        "subtotal_tax": round_money(subtotal * tax_rate, dec),
        "base_shipping_cost": ship_cost,
        "shipping_cost_ex_tax": ship_cost,
        "shipping_cost_inc_tax": round_money(ship_cost * (1 + tax_rate), dec),
        "shipping_cost_tax": round_money(ship_cost * tax_rate, dec),
        "shipping_cost_tax_class_id": 2,
        "base_handling_cost": 0.0,
        "handling_cost_ex_tax": 0.0,
        "handling_cost_inc_tax": 0.0,
        "handling_cost_tax": 0.0,
        "base_wrapping_cost": 0.0,
        "wrapping_cost_ex_tax": 0.0,
        "wrapping_cost_inc_tax": 0.0,
        "wrapping_cost_tax": 0.0,
        "total_ex_tax": total_ex,
        "total_inc_tax": total_inc,
        "total_tax": tax,
        "items_total": items_total,
        "items_shipped": items_shipped,
        "payment_method": "" if status_id == 0 else rng.choice(names.PAYMENT_METHODS),
        "payment_provider_id": None,
        "payment_status": PAYMENT_STATUS[status_id],
        "refunded_amount": refunded,
        "order_is_digital": False,
        "store_credit_amount": 0.0,
        "gift_certificate_amount": 0.0,
        "ip_address": f"203.0.113.{rng.randint(1, 254)}",
        "geoip_country": a["country"],
        "geoip_country_iso2": a["country_code"],
        "currency_id": 1,
        "currency_code": currency,
        "currency_exchange_rate": rate,
        "default_currency_id": 1,
        "default_currency_code": currency,
        "store_default_currency_code": store.currency,
        "store_default_to_transactional_exchange_rate": rate,
        "staff_notes": "",
        "customer_message": "",
        "discount_amount": 0.0,
        "coupon_discount": coupon_discount,
        "shipping_address_count": 1,
        "is_deleted": False,
        "ebay_order_id": "0",
        "cart_id": cart["id"] if cart is not None else uuid_from(rng),
        "is_email_opt_in": rng.random() < 0.35,
        "credit_card_type": None,
        "order_source": rng.choice(("www", "www", "www", "manual", "external")),
        "channel_id": 1,
        "external_source": None,
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": "en" if region == "us" else rng.choice(("en", "de", "fr", "it")),
        "billing_address": {
            "first_name": first,
            "last_name": last,
            "company": "",
            "street_1": a["street"],
            "street_2": "",
            "city": a["city"],
            "state": a["state"],
            "zip": a["zip"],
            "country": a["country"],
            "country_iso2": a["country_code"],
            "phone": phone,
            "email": email,
            "form_fields": [],
        },
        "_products": lines,
        "_coupons": coupons,
    }
    shipping_id = store.next_id("order_shipping_addresses")
    for line in lines:
        line["order_address_id"] = shipping_id
    order["_shipping_addresses"] = [{
        "id": shipping_id,
        "order_id": oid,
        "first_name": first,
        "last_name": last,
        "company": "",
        "street_1": a["street"],
        "street_2": "",
        "city": a["city"],
        "zip": a["zip"],
        "country": a["country"],
        "country_iso2": a["country_code"],
        "state": a["state"],
        "email": email,
        "phone": phone,
        "items_total": items_total,
        "items_shipped": items_shipped,
        "shipping_method": method,
        "base_cost": ship_cost,
        "cost_ex_tax": ship_cost,
        "cost_inc_tax": order["shipping_cost_inc_tax"],
        "cost_tax": order["shipping_cost_tax"],
        "cost_tax_class_id": 2,
        "base_handling_cost": 0.0,
        "handling_cost_ex_tax": 0.0,
        "handling_cost_inc_tax": 0.0,
        "handling_cost_tax": 0.0,
        "handling_cost_tax_class_id": 2,
        "shipping_zone_id": 1,
        "shipping_zone_name": "United States" if region == "us" else "Europe",
        "shipping_quotes": {},
        "form_fields": [],
    }]
    store.orders[oid] = order
    return order


def new_cart(
    rng: random.Random,
    store: StoreData,
    updated: datetime,
    *,
    customer: Record | None,
    guest_email: str,
) -> Record:
    """Add a storefront cart (v3 cart shape, internal dates); ``_token`` is its
    abandoned-cart token."""
    cart_id = uuid_from(rng)
    created = updated - timedelta(seconds=rng.randint(30, 7200))
    visible = [p for p in store.products.values() if p["is_visible"]]
    items = []
    for product in rng.sample(visible, k=min(len(visible), rng.randint(1, 4))):
        qty = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
        variant = product["variants"][0]
        price = product["price"]
        image = product["images"][0]["url_standard"] if product["images"] else ""
        items.append({
            "id": uuid_from(rng),
            "parent_id": None,
            "variant_id": variant["id"],
            "product_id": product["id"],
            "sku": variant["sku"],
            "name": product["name"],
            "url": f"https://{store.domain}{product['custom_url']['url']}",
            "quantity": qty,
            "is_taxable": True,
            "image_url": image,
            "discounts": [],
            "coupons": [],
            "discount_amount": 0,
            "coupon_amount": 0,
            "original_price": price,
            "list_price": price,
            "sale_price": price,
            "extended_list_price": round_money(price * qty, 2),
            "extended_sale_price": round_money(price * qty, 2),
            "is_require_shipping": True,
            "is_mutable": True,
            "options": [],
        })
    amount = round_money(sum(i["extended_sale_price"] for i in items), 2)
    cart: Record = {
        "id": cart_id,
        "customer_id": customer["id"] if customer else 0,
        "channel_id": 1,
        "email": customer["email"] if customer else guest_email,
        "currency": {"code": store.currency},
        "tax_included": store.currency != "USD",
        "base_amount": amount,
        "discount_amount": 0,
        "manual_discount_amount": 0,
        "cart_amount": amount,
        "coupons": [],
        "discounts": [],
        "line_items": {
            "physical_items": items,
            "digital_items": [],
            "gift_certificates": [],
            "custom_items": [],
        },
        "created_time": created,
        "updated_time": updated,
        "locale": "en",
        "_token": f"{rng.getrandbits(128):032x}",
        "_converted_order_id": None,
        "_converted_at": None,
    }
    store.carts[cart_id] = cart
    return cart


def category_record(cid: int, parent_id: int, name: str) -> Record:
    slug = name.lower().replace(" ", "-")
    return {
        "id": cid,
        "parent_id": parent_id,
        "name": name,
        "description": f"<p>{name} for every trail.</p>",
        "views": 0,
        "sort_order": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "layout_file": "category.html",
        "image_url": "",
        "is_visible": True,
        "search_keywords": "",
        "default_product_sort": "use_store_settings",
        "custom_url": {"url": f"/{slug}/", "is_customized": False},
    }


def new_product(
    rng: random.Random,
    store: StoreData,
    name: str,
    categories: list[int],
    created: datetime,
    modified: datetime,
) -> Record:
    pid = store.next_id("products", start=77)
    slug = slugify(name) or f"product-{pid}"
    sku = f"{store.store_hash[:3].upper()}-{pid}"
    base_usd = rng.choice((19, 24, 29, 39, 49, 59, 79, 99, 129, 149, 199, 249, 349, 449))
    price = convert(base_usd - 0.01, "USD", store.currency)
    on_sale = rng.random() < 0.15
    sale_price = round_money(price * 0.8, 2) if on_sale else 0
    images = []
    n_images = rng.choices((0, 1, 2, 3), weights=(10, 50, 25, 15))[0]
    cdn = f"https://cdn11.bigcommerce.com/s-{store.store_hash}/images/stencil"
    for n in range(n_images):
        iid = store.next_id("product_images")
        file = f"products/{pid}/{iid}/{slug}__{1000 + iid}.jpg?c=2"
        images.append({
            "id": iid,
            "product_id": pid,
            "is_thumbnail": n == 0,
            "sort_order": n,
            "description": "",
            "image_file": f"{slug}__{1000 + iid}.jpg",
            "url_zoom": f"{cdn}/1280x1280/{file}",
            "url_standard": f"{cdn}/500x659/{file}",
            "url_thumbnail": f"{cdn}/220x290/{file}",
            "url_tiny": f"{cdn}/44x58/{file}",
            "date_modified": modified,
        })
    variants = []
    sizes = rng.choice(((), ("S", "M", "L"), ("Regular", "Long")))
    base_variant_id = store.next_id("variants", start=60)
    variants.append({
        "id": base_variant_id,
        "product_id": pid,
        "sku": sku,
        "sku_id": None,
        "price": None,
        "calculated_price": sale_price or price,
        "sale_price": None,
        "retail_price": None,
        "weight": None,
        "inventory_level": rng.randint(0, 80),
        "image_url": images[0]["url_standard"] if images else "",
        "option_values": (
            [{"id": 1, "label": sizes[0], "option_id": 1, "option_display_name": "Size"}]
            if sizes else []
        ),
    })
    for i, size in enumerate(sizes[1:], start=2):
        variants.append({
            "id": store.next_id("variants", start=60),
            "product_id": pid,
            "sku": f"{sku}-{size[0]}",
            "sku_id": None,
            "price": None,
            "calculated_price": sale_price or price,
            "sale_price": None,
            "retail_price": None,
            "weight": None,
            "inventory_level": rng.randint(0, 80),
            "image_url": "",
            "option_values": [
                {"id": i, "label": size, "option_id": 1, "option_display_name": "Size"}
            ],
        })
    product: Record = {
        "id": pid,
        "name": name,
        "type": "physical" if rng.random() < 0.92 else "digital",
        "sku": sku,
        "description": f"<p>The {name}: built for long days outside.</p>",
        "weight": round(rng.uniform(0.1, 4.0), 2),
        "price": price,
        "cost_price": round_money(price * 0.45, 2),
        "retail_price": 0,
        "sale_price": sale_price,
        "calculated_price": sale_price or price,
        "categories": categories,
        "brand_id": 36,
        "inventory_level": sum(v["inventory_level"] for v in variants),
        "inventory_tracking": "variant" if len(variants) > 1 else "product",
        "total_sold": rng.randint(0, 500),
        "is_visible": rng.random() < 0.92,
        "is_featured": rng.random() < 0.1,
        "availability": "available",
        "condition": "New",
        "custom_url": {"url": f"/{slug}/", "is_customized": False},
        "base_variant_id": base_variant_id,
        "date_created": created,
        "date_modified": modified,
        "variants": variants,
        "images": images,
    }
    store.products[pid] = product
    return product


def region_of(store: StoreData) -> str:
    return "us" if store.country_code == "US" else "eu"


def change_order_status(rng: random.Random, order: Record, now: datetime, status_id: int) -> None:
    name = ORDER_STATUSES[status_id][0]
    order.update(status_id=status_id, status=name, custom_status=name,
                 payment_status=PAYMENT_STATUS[status_id], date_modified=now)
    lines = order["_products"]
    if status_id in (2, 10) and not order["date_shipped"]:
        order["date_shipped"] = now
        order["items_shipped"] = order["items_total"]
        for line in lines:
            line["quantity_shipped"] = line["quantity"]
    if status_id == 4:
        order["refunded_amount"] = order["total_inc_tax"]
        for line in lines:
            line.update(quantity_refunded=line["quantity"], is_refunded=True,
                        refund_amount=line["total_inc_tax"])
    elif status_id == 14:
        line = rng.choice(lines)
        line.update(quantity_refunded=1, refund_amount=line["price_inc_tax"])
        order["refunded_amount"] = line["price_inc_tax"]
