"""Builders of single Shopify records (internal form, see ``shop.py``), shared by the demo
generator and the activity simulator."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from ecom_sandbox import names
from ecom_sandbox.clock import whole_seconds
from ecom_sandbox.records import ascii_key, slugify
from ecom_sandbox.shopify.shop import Record, ShopData, dec, money

# First ids per kind: large, 64-bit-looking integers.
ID_START: dict[str, int] = {
    "customers": 7_210_448_000_000, "addresses": 9_104_220_000_000,
    "orders": 5_641_020_000_000, "line_items": 14_203_300_000_000,
    "shipping_lines": 4_713_990_000_000, "products": 8_190_332_000_000,
    "variants": 44_850_120_000_000, "images": 36_120_880_000_000,
    "checkouts": 34_521_770_000_000, "locations": 71_302_000_000,
}

NORDIC_ADDRESSES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("Drottninggatan 12", "Stockholm", "Stockholm", "AB", "111 51", "SE", "Sweden"),
    ("Strøget 5", "København", "Capital Region", "84", "1160", "DK", "Denmark"),
    ("Karl Johans gate 20", "Oslo", "Oslo", "03", "0159", "NO", "Norway"),
    ("Mannerheimintie 10", "Helsinki", "Uusimaa", "18", "00100", "FI", "Finland"),
    ("Avenyn 3", "Göteborg", "Västra Götaland", "O", "411 36", "SE", "Sweden"),
    ("Laugavegur 22", "Reykjavík", "Capital Region", "1", "101", "IS", "Iceland"),
) + tuple(
    (street, city, state, "", zip_code, cc, country)
    for street, city, state, zip_code, cc, country in names.EU_ADDRESSES
)
TAG_SETS: tuple[str, ...] = (
    "", "", "", "VIP", "Newsletter", "VIP, Newsletter", "Wholesale", "Nordic Club, Newsletter",
    "Returning", "Léon, Noël", "VIP, Nordic Club, Returning",
)
COMPANIES = ("Blue Fjord AS", "Nordlys Oy", "Skärgård AB", "Hygge ApS", "Northwind GmbH")
CONSENT_STATES = ("subscribed", "not_subscribed", "unsubscribed", "pending")
CONSENT_WEIGHTS = (35, 40, 15, 10)
SHIPPING = (
    ("PostNord Standard", "4.90"), ("DHL Express", "12.90"), ("Free Shipping", "0.00"),
    ("Pickup in store", "0.00"),
)
DISCOUNTS = (("WELCOME10", "percentage", Decimal("10")), ("NORDIC15", "percentage",
             Decimal("15")), ("SAVE5", "fixed_amount", Decimal("5")))
PRESENTMENT_RATES: dict[str, Decimal] = {
    "EUR": Decimal("1"), "SEK": Decimal("11.42"), "DKK": Decimal("7.46"),
    "NOK": Decimal("11.65"),
}
VAT = Decimal("0.25")
FINANCIAL_STATUSES = (
    "pending", "authorized", "partially_paid", "paid", "partially_refunded", "refunded",
    "voided",
)
VENDORS = ("Acme Nordic", "Fjällgear", "Nordlys Outdoor")
VARIANT_OPTIONS = (("S", "M", "L"), ("Black", "Forest Green", "Sand"), ("Default Title",))


def hexid(rng: random.Random, bits: int) -> str:
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def e164(rng: random.Random) -> str:
    return f"+46 7{rng.randint(0, 9)}{rng.randint(1_000_000, 9_999_999)}".replace(" ", "")


def local_phone(rng: random.Random) -> str:
    return f"0{rng.randint(10, 99)}-{rng.randint(100, 999)} {rng.randint(10, 99)} " \
           f"{rng.randint(10, 99)}"


# Not sandbox.records.person: that draws the domain first; sharing it shifts the seeded data.
def person(rng: random.Random) -> tuple[str, str, str]:
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    email = f"{ascii_key(first)}.{ascii_key(last)}{rng.randint(1, 9999)}@" \
            f"{rng.choice(names.EMAIL_DOMAINS)}"
    return first, last, email


def address(rng: random.Random, first: str | None, last: str | None, *,
            company: str | None = None, phone: str | None = None) -> Record:
    street, city, province, pcode, zip_code, cc, country = rng.choice(NORDIC_ADDRESSES)
    return {
        "first_name": first, "last_name": last, "name": f"{first or ''} {last or ''}".strip(),
        "company": company, "address1": street, "address2": None, "city": city,
        "province": province, "province_code": pcode or None, "country": country,
        "country_code": cc, "country_name": country, "zip": zip_code, "phone": phone,
        "latitude": None, "longitude": None,
    }


# ----- customers ---------------------------------------------------------------------
def new_customer(
    rng: random.Random, shop: ShopData, created: datetime, *, first: str, last: str,
    email: str | None, consent: str | None = None, phone_mode: str | None = None,
    company: bool | None = None, tags: str | None = None,
) -> Record:
    """Add a customer. ``phone_mode``: ``customer`` (record phone), ``address`` (only the
    default address has one) or ``none``; ``company`` puts a company on the address."""
    created = whole_seconds(created)
    cid = shop.next_id("customers", ID_START["customers"])
    if phone_mode is None:
        phone_mode = rng.choices(("customer", "address", "none"), weights=(40, 30, 30))[0]
    if company is None:
        company = rng.random() < 0.25
    phone = e164(rng) if phone_mode == "customer" else None
    addresses: list[Record] = []
    if phone_mode != "none" or company or rng.random() < 0.6:
        addr_phone = local_phone(rng) if phone_mode == "address" or (
            phone_mode == "customer" and rng.random() < 0.5) else None
        addr = address(rng, first, last, company=rng.choice(COMPANIES) if company else None,
                       phone=addr_phone)
        addr.update({"id": shop.next_id("addresses", ID_START["addresses"]),
                     "customer_id": cid, "default": True})
        addresses.append(addr)
    if email is not None:
        state = consent or rng.choices(CONSENT_STATES, weights=CONSENT_WEIGHTS)[0]
        email_consent: Record | None = {
            "state": state,
            "opt_in_level": {"subscribed": "single_opt_in", "pending": "confirmed_opt_in",
                             "unsubscribed": "single_opt_in"}.get(state),
            "consent_updated_at": None if state == "not_subscribed" else created,
        }
    else:
        email_consent = None
    customer: Record = {
        "id": cid,
        "email": email,
        "first_name": first,
        "last_name": last,
        "phone": phone,
        "tags": rng.choice(TAG_SETS) if tags is None else tags,
        "state": rng.choices(("enabled", "disabled", "invited"), weights=(60, 30, 10))[0],
        "verified_email": email is not None and rng.random() < 0.9,
        "note": None,
        "tax_exempt": False,
        "tax_exemptions": [],
        "currency": shop.currency,
        "multipass_identifier": None,
        "created_at": created,
        "updated_at": created,
        "email_marketing_consent": email_consent,
        "sms_marketing_consent": None if phone is None else {
            "state": rng.choice(("subscribed", "not_subscribed")),
            "opt_in_level": "single_opt_in", "consent_updated_at": None,
            "consent_collected_from": "OTHER",
        },
        "addresses": addresses,
    }
    shop.customers[cid] = customer
    return customer


# ----- catalog -----------------------------------------------------------------------
def new_product(rng: random.Random, shop: ShopData, created: datetime, title: str,
                product_type: str, *, describe: bool = True, status: str = "active") -> Record:
    created = whole_seconds(created)
    pid = shop.next_id("products", ID_START["products"])
    handle = slugify(title)
    base = Decimal(rng.choice((19, 29, 39, 49, 79, 99, 149, 249, 349))) - Decimal("0.05") \
        if rng.random() < 0.3 else Decimal(rng.choice((15, 25, 45, 59, 89, 129, 199, 299)))
    options = rng.choice(VARIANT_OPTIONS)
    variants = []
    for pos, option in enumerate(options, start=1):
        vid = shop.next_id("variants", ID_START["variants"])
        variants.append({
            "id": vid, "product_id": pid, "title": option, "price": money(base),
            "sku": f"{handle[:10].upper().rstrip('-')}-{slugify(option)[:6].upper()}",
            "position": pos, "compare_at_price": money(base * Decimal("1.2"))
            if rng.random() < 0.2 else None,
            "option1": option, "option2": None, "option3": None,
            "inventory_quantity": rng.randint(0, 80), "taxable": True, "grams": 500,
            "requires_shipping": True, "created_at": created, "updated_at": created,
            "admin_graphql_api_id": shop.gid("ProductVariant", vid),
        })
    images = []
    if describe:
        iid = shop.next_id("images", ID_START["images"])
        images.append({
            "id": iid, "product_id": pid, "position": 1, "alt": title, "width": 1200,
            "height": 1200, "variant_ids": [],
            "src": f"https://cdn.shopify.com/s/files/1/0{shop.shop_id}/files/{handle}.jpg",
            "created_at": created, "updated_at": created,
            "admin_graphql_api_id": shop.gid("ProductImage", iid),
        })
    product: Record = {
        "id": pid, "title": title, "handle": handle,
        "body_html": f"<p>{title}: built for Nordic trails and long weekends.</p>"
        if describe else "",
        "vendor": rng.choice(VENDORS), "product_type": product_type, "status": status,
        "tags": ", ".join(sorted(rng.sample(("outdoor", "bestseller", "new", "eco"), 2))),
        "template_suffix": None, "published_scope": "global",
        "created_at": created, "updated_at": created,
        "published_at": None if status == "draft" else created,
        "options": [{"name": "Size" if options[0] == "S" else "Color" if len(options) > 1
                     else "Title", "position": 1, "values": list(options)}],
        "variants": variants, "images": images,
    }
    shop.products[pid] = product
    return product


def location(shop: ShopData, name: str, street: str, city: str, zip_code: str, cc: str,
             country: str, created: datetime) -> Record:
    lid = shop.next_id("locations", ID_START["locations"])
    created = whole_seconds(created)
    rec: Record = {
        "id": lid, "name": name, "address1": street, "address2": None, "city": city,
        "zip": zip_code, "province": None, "country": cc, "country_code": cc,
        "country_name": country, "province_code": None, "phone": None, "active": True,
        "legacy": False, "created_at": created, "updated_at": created,
    }
    shop.locations[lid] = rec
    return rec


# ----- orders and checkouts ----------------------------------------------------------
def pick_items(rng: random.Random, shop: ShopData) -> list[tuple[Record, Record, int]]:
    products = [p for p in shop.products.values() if p["status"] == "active"]
    chosen = rng.sample(products, k=min(len(products), rng.choices((1, 2, 3, 4),
                                                                  weights=(45, 30, 15, 10))[0]))
    return [(p, rng.choice(p["variants"]), rng.choices((1, 2, 3), weights=(75, 20, 5))[0])
            for p in chosen]


def _line_item(shop: ShopData, product: Record | None, variant: Record | None, qty: int,
               *, title: str = "", price: str = "0.00", for_order: bool = True) -> Record:
    if product is not None and variant is not None:
        title, price = product["title"], variant["price"]
    vt = variant["title"] if variant is not None and variant["title"] != "Default Title" \
        else None
    item: Record = {
        "product_id": product["id"] if product else None,
        "variant_id": variant["id"] if variant else None,
        "sku": variant["sku"] if variant else None,
        "title": title, "variant_title": vt,
        "name": f"{title} - {vt}" if vt else title,
        "price": price, "quantity": qty,
        "vendor": product["vendor"] if product else None,
        "requires_shipping": True, "taxable": True, "gift_card": False,
    }
    if for_order:
        lid = shop.next_id("line_items", ID_START["line_items"])
        item = {"id": lid, **item, "total_discount": "0.00", "fulfillable_quantity": qty,
                "fulfillment_status": None, "product_exists": product is not None,
                "admin_graphql_api_id": shop.gid("LineItem", lid)}
    else:
        item["line_price"] = money(dec(price) * qty)
    return item


def _totals(rng: random.Random, items: list[Record], discount: bool,
            shipping_price: str) -> Record:
    lines = sum((dec(i["price"]) * i["quantity"] for i in items), Decimal(0))
    codes: list[Record] = []
    total_discounts = Decimal(0)
    if discount:
        code, kind, value = rng.choice(DISCOUNTS)
        total_discounts = min(lines, lines * value / 100 if kind == "percentage" else value)
        codes.append({"code": code, "amount": money(total_discounts), "type": kind})
    subtotal = lines - total_discounts
    tax = (subtotal + dec(shipping_price)) * VAT
    total = subtotal + dec(shipping_price) + tax
    return {
        "total_line_items_price": money(lines), "subtotal_price": money(subtotal),
        "total_discounts": money(total_discounts), "total_tax": money(tax),
        "total_price": money(total), "discount_codes": codes,
        "tax_lines": [{"title": "VAT", "rate": float(VAT), "price": money(tax)}],
    }


def new_order(
    rng: random.Random, shop: ShopData, created: datetime, *, customer: Record | None,
    guest: tuple[str, str, str | None] | None = None, checkout: Record | None = None,
    deleted_product: Record | None = None,
) -> Record:
    """Add an open, pending order. ``customer`` (logged in) or ``guest`` (first, last,
    e-mail or ``None`` for a no-e-mail order: POS). ``checkout``: the abandoned checkout
    this order recovers (its items, e-mail and customer are reused and it gets
    ``completed_at``)."""
    created = whole_seconds(created)
    oid = shop.next_id("orders", ID_START["orders"])
    number = shop.counters.get("order_number", 0) + 1
    shop.counters["order_number"] = number
    if checkout is not None:
        items = [_line_item(shop, shop.products.get(i["product_id"]),
                            _variant(shop, i["product_id"], i["variant_id"]), i["quantity"],
                            title=i["title"], price=i["price"])
                 for i in checkout["line_items"]]
    else:
        items = [_line_item(shop, p, v, q) for p, v, q in pick_items(rng, shop)]
    if deleted_product is not None:
        items.append(_line_item(shop, None, None, 1, title=deleted_product["title"],
                                price=deleted_product["variants"][0]["price"]))
    if customer is not None:
        first, last, email = customer["first_name"], customer["last_name"], customer["email"]
    elif guest is not None:
        first, last, email = guest
    else:
        first, last, email = None, None, None
    pos = email is None
    ship_title, ship_price = ("Pickup in store", "0.00") if pos else rng.choice(SHIPPING)
    totals = _totals(rng, items, rng.random() < 0.25, ship_price)
    presentment = "EUR" if pos or rng.random() < 0.8 else rng.choice(("SEK", "DKK", "NOK"))
    addr = address(rng, first, last, phone=local_phone(rng) if rng.random() < 0.4 else None)
    if customer is not None and customer["addresses"]:
        addr = {k: v for k, v in customer["addresses"][0].items()
                if k not in ("id", "customer_id", "default")}
    token = hexid(rng, 128)
    order: Record = {
        "id": oid, "name": f"#{1000 + number}", "number": number,
        "order_number": 1000 + number,
        "email": email or "", "contact_email": email,
        "phone": customer.get("phone") if customer else None,
        "created_at": created, "updated_at": created, "processed_at": created,
        "cancelled_at": None, "cancel_reason": None, "closed_at": None,
        "financial_status": "pending", "fulfillment_status": None, "confirmed": True,
        "test": False, "currency": shop.currency, "presentment_currency": presentment,
        "_presentment": {"currency": presentment, "rate": str(PRESENTMENT_RATES[presentment])},
        **totals,
        "current_total_price": totals["total_price"],
        "total_outstanding": totals["total_price"],
        "taxes_included": False, "buyer_accepts_marketing": bool(
            customer and (customer.get("email_marketing_consent") or {}).get("state")
            == "subscribed"),
        "tags": "", "note": None, "source_name": "pos" if pos else "web",
        "customer_locale": "en", "token": token,
        "checkout_token": checkout["token"] if checkout else None,
        "checkout_id": checkout["id"] if checkout else None,
        "location_id": next(iter(shop.locations), None) if pos else None,
        "order_status_url": f"https://{shop.domain}/{shop.shop_id}/orders/{token}/authenticate",
        "customer_id": customer["id"] if customer else None,
        "billing_address": addr, "shipping_address": None if pos else addr,
        "shipping_lines": [] if pos and ship_price == "0.00" and rng.random() < 0.5 else [{
            "id": shop.next_id("shipping_lines", ID_START["shipping_lines"]),
            "title": ship_title, "code": ship_title, "price": ship_price,
            "discounted_price": ship_price, "source": "shopify",
        }],
        "line_items": items, "refunds": [], "fulfillments": [],
        "admin_graphql_api_id": shop.gid("Order", oid),
    }
    shop.orders[oid] = order
    if checkout is not None:
        checkout["completed_at"] = created
        checkout["updated_at"] = created
    return order


def _variant(shop: ShopData, product_id: int | None, variant_id: int | None) -> Record | None:
    product = shop.products.get(product_id) if product_id else None
    if product is None:
        return None
    return next((v for v in product["variants"] if v["id"] == variant_id), None)


def pay(order: Record, status: str) -> None:
    """Set a payment state that needs no refund (pending … paid, voided)."""
    total = dec(order["total_price"])
    order["financial_status"] = status
    order["total_outstanding"] = money({
        "paid": 0, "partially_paid": total / 2, "voided": 0}.get(status, total))


def fulfil(order: Record, status: str | None, when: datetime) -> None:
    order["fulfillment_status"] = status
    if status is None:
        return
    when = whole_seconds(when)
    items = order["line_items"]
    done = items if status == "fulfilled" else items[:1]
    for item in done:
        item["fulfillment_status"] = "fulfilled"
        item["fulfillable_quantity"] = 0
    if status == "partial" and len(items) == 1 and items[0]["quantity"] == 1:
        items[0]["fulfillment_status"] = "partial"
    order["fulfillments"] = [{
        "id": order["id"] + 17, "order_id": order["id"], "status": "success",
        "created_at": when, "updated_at": when, "tracking_company": "PostNord",
        "line_items": [{"id": i["id"], "quantity": i["quantity"]} for i in done],
    }]
    order["updated_at"] = max(order["updated_at"], when)


def new_checkout(
    rng: random.Random, shop: ShopData, created: datetime, *, customer: Record | None,
    guest_email: str | None = None, abandoned_minutes: int = 0,
) -> Record:
    """Add an abandoned checkout (logged-in ``customer`` or guest with ``guest_email``);
    ``updated_at`` is ``abandoned_minutes`` after ``created``."""
    created = whole_seconds(created)
    cid = shop.next_id("checkouts", ID_START["checkouts"])
    items = [_line_item(shop, p, v, q, for_order=False) for p, v, q in pick_items(rng, shop)]
    ship_title, ship_price = rng.choice(SHIPPING)
    totals = _totals(rng, items, rng.random() < 0.2, ship_price)
    token = hexid(rng, 128)
    email = customer["email"] if customer else guest_email
    first, last = (customer["first_name"], customer["last_name"]) if customer else (None, None)
    checkout: Record = {
        "id": cid, "token": token, "cart_token": hexid(rng, 128),
        "email": email, "phone": customer.get("phone") if customer else None,
        "gateway": None, "buyer_accepts_marketing": rng.random() < 0.3,
        "buyer_accepts_sms_marketing": False,
        "created_at": created, "updated_at": created + timedelta(minutes=abandoned_minutes),
        "completed_at": None, "closed_at": None,
        "currency": shop.currency, "presentment_currency": shop.currency,
        "_presentment": {"currency": shop.currency, "rate": "1"},
        "landing_site": "/", "referring_site": "", "source_name": "web",
        "customer_locale": "en", "note": None, "total_weight": 500 * len(items),
        **totals,
        "abandoned_checkout_url": f"https://{shop.domain}/{shop.shop_id}/checkouts/ac/"
                                  f"{token}/recover?key={hexid(rng, 64)}",
        "line_items": items,
        "shipping_lines": [{"title": ship_title, "code": ship_title, "price": ship_price}],
        "billing_address": address(rng, first, last) if customer else None,
        "shipping_address": None,
        "customer_id": customer["id"] if customer else None,
    }
    shop.checkouts[cid] = checkout
    return checkout


def lifecycle(rng: random.Random, shop: ShopData, order: Record, target: str,
              now: datetime) -> None:
    """Move a fresh order to ``target`` financial status with matching fulfilment,
    refunds, cancellation and closing, at times between its creation and ``now``."""
    created = order["created_at"]
    t1 = min(now, created + timedelta(days=rng.uniform(0.1, 3)))
    t2 = min(now, t1 + timedelta(days=rng.uniform(0.1, 9)))
    t3 = min(now, t2 + timedelta(days=rng.uniform(0, 5)))
    oid = order["id"]
    if target in ("pending", "authorized", "partially_paid"):
        pay(order, target)
        if target == "partially_paid" and rng.random() < 0.3:
            fulfil(order, "partial", t1)
        return
    if target == "voided":
        pay(order, "authorized")
        order["financial_status"] = "voided"
        order["total_outstanding"] = "0.00"
        shop.touch("orders", oid, t1, cancelled_at=t1,
                   cancel_reason=rng.choice(("customer", "inventory", "declined")),
                   closed_at=t1 if rng.random() < 0.5 else None)
        return
    pay(order, "paid")
    fulfilment = rng.choices(("fulfilled", "partial", None), weights=(70, 10, 20))[0]
    if target in ("partially_refunded", "refunded"):
        fulfilment = "fulfilled" if rng.random() < 0.7 else None
    fulfil(order, fulfilment, t1)
    if target == "partially_refunded":
        part = (dec(order["total_price"]) * Decimal(str(rng.choice((0.2, 0.3, 0.5)))))
        shop.refund_order(oid, t2, part)
    elif target == "refunded":
        if fulfilment is None and rng.random() < 0.6:
            shop.cancel_order(oid, t2, rng.choice(("customer", "fraud", "other")))
        else:
            shop.refund_order(oid, t2)
    if (order["cancelled_at"] is None and fulfilment == "fulfilled"
            and now - created > timedelta(days=7) and rng.random() < 0.6):
        shop.close_order(oid, t3)

