"""Internal records → BigCommerce wire shapes (v2 strings / RFC 2822, v3 numbers / ISO)."""

from __future__ import annotations

from typing import Any

from ecom_sandbox.bigcommerce.formats import (
    iso_millis,
    iso_offset,
    iso_z,
    money4,
    rate10,
    rfc2822,
)
from ecom_sandbox.bigcommerce.store import ORDER_STATUSES, Record, StoreData
from ecom_sandbox.raw import RAW, is_raw

_ORDER_MONEY = (
    "subtotal_ex_tax", "subtotal_inc_tax", "subtotal_tax", "base_shipping_cost",
    "shipping_cost_ex_tax", "shipping_cost_inc_tax", "shipping_cost_tax", "base_handling_cost",
    "handling_cost_ex_tax", "handling_cost_inc_tax", "handling_cost_tax", "base_wrapping_cost",
    "wrapping_cost_ex_tax", "wrapping_cost_inc_tax", "wrapping_cost_tax", "total_ex_tax",
    "total_inc_tax", "total_tax", "refunded_amount", "store_credit_amount",
    "gift_certificate_amount", "discount_amount", "coupon_discount",
)
_ORDER_RATES = ("currency_exchange_rate", "store_default_to_transactional_exchange_rate")
_LINE_MONEY = (
    "base_price", "price_ex_tax", "price_inc_tax", "price_tax", "base_total", "total_ex_tax",
    "total_inc_tax", "total_tax", "refund_amount",
)
_SHIP_MONEY = (
    "base_cost", "cost_ex_tax", "cost_inc_tax", "cost_tax", "base_handling_cost",
    "handling_cost_ex_tax", "handling_cost_inc_tax", "handling_cost_tax",
)


def _public(record: Record) -> Record:
    return {k: v for k, v in record.items() if not k.startswith("_")}


# ----- v3 ------------------------------------------------------------------------------
def customer_v3(record: Record, include: set[str]) -> Record:
    if is_raw(record):
        return record[RAW]
    out = _public(record)
    out["date_created"] = iso_z(record["date_created"])
    out["date_modified"] = iso_z(record["date_modified"])
    out["address_count"] = len(record["addresses"])
    out["addresses"] = [dict(a) for a in record["addresses"]]
    if "addresses" not in include:
        del out["addresses"]
    if "storecredit" not in include:
        out.pop("store_credit_amounts", None)
    return out


def subscriber_v3(record: Record) -> Record:
    if is_raw(record):
        return record[RAW]
    out = _public(record)
    out["date_created"] = iso_z(record["date_created"])
    out["date_modified"] = iso_z(record["date_modified"])
    return out


def product_v3(record: Record, include: set[str]) -> Record:
    if is_raw(record):
        return record[RAW]
    out = _public(record)
    out["date_created"] = iso_offset(record["date_created"])
    out["date_modified"] = iso_offset(record["date_modified"])
    out.pop("variants", None)
    out.pop("images", None)
    if "variants" in include:
        out["variants"] = [dict(v) for v in record["variants"]]
    if "images" in include:
        out["images"] = [
            {**img, "date_modified": iso_offset(img["date_modified"])} for img in record["images"]
        ]
    if "primary_image" in include:
        thumbs = [i for i in record["images"] if i["is_thumbnail"]]
        out["primary_image"] = (
            {**thumbs[0], "date_modified": iso_offset(thumbs[0]["date_modified"])}
            if thumbs else None
        )
    return out


def category_v3(record: Record) -> Record:
    return _public(record)


def cart_v3(record: Record) -> Record:
    out = _public(record)
    out["created_time"] = iso_millis(record["created_time"])
    out["updated_time"] = iso_millis(record["updated_time"])
    return out


def hook_v3(record: Record) -> Record:
    return _public(record)


# ----- v2 ------------------------------------------------------------------------------
def order_v2(record: Record, api_base: str) -> Record:
    """v2 order with RFC 2822 dates, 4-dp money strings and sub-resource link objects."""
    if is_raw(record):
        return record[RAW]
    out = _public(record)
    for key in ("date_created", "date_modified", "date_shipped"):
        out[key] = rfc2822(record[key])
    for key in _ORDER_MONEY:
        out[key] = money4(record[key])
    for key in _ORDER_RATES:
        out[key] = rate10(record[key])
    oid = record["id"]
    out["billing_address"] = dict(record["billing_address"])
    out["products"] = _link(api_base, f"/orders/{oid}/products")
    out["shipping_addresses"] = _link(api_base, f"/orders/{oid}/shippingaddresses")
    out["coupons"] = _link(api_base, f"/orders/{oid}/coupons")
    return out


def _link(api_base: str, resource: str) -> dict[str, str]:
    return {"url": f"{api_base}/v2{resource}", "resource": resource}


def order_product_v2(line: Record) -> Record:
    if is_raw(line):
        return line[RAW]
    out = dict(line)
    for key in _LINE_MONEY:
        out[key] = money4(line[key])
    out["applied_discounts"] = [
        {**d, "amount": money4(d["amount"])} for d in line["applied_discounts"]
    ]
    return out


def shipping_address_v2(address: Record) -> Record:
    out = dict(address)
    for key in _SHIP_MONEY:
        out[key] = money4(address[key])
    return out


def coupon_v2(coupon: Record) -> Record:
    return dict(coupon)  # amount / discount stay numbers, as the real API writes them


def order_statuses_v2() -> list[Record]:
    return [
        {"id": sid, "name": name, "system_label": name, "custom_label": name,
         "system_description": desc, "order": sid}
        for sid, (name, desc) in ORDER_STATUSES.items()
    ]


def store_v2(store: StoreData, api_base: str) -> dict[str, Any]:
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "$"}.get(store.currency, "")
    return {
        "id": store.store_hash,
        "account_uuid": f"00000000-0000-4000-8000-{store.store_id:012d}",
        "domain": store.domain,
        "secure_url": f"https://{store.domain}",
        "control_panel_base_url": f"https://store-{store.store_hash}.mybigcommerce.com",
        "status": "live",
        "name": store.name,
        "first_name": "Store",
        "last_name": "Owner",
        "address": "",
        "country": store.country,
        "country_code": store.country_code,
        "phone": "",
        "admin_email": store.admin_email,
        "order_email": store.admin_email,
        "favicon_url": "",
        "timezone": {"name": store.timezone, "raw_offset": 0, "dst_offset": 0,
                     "dst_correction": False, "date_format": {}},
        "language": store.language,
        "currency": store.currency,
        "currency_symbol": symbol,
        "decimal_separator": ".",
        "thousands_separator": ",",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        "weight_units": "kg" if store.country_code != "US" else "LBS",
        "dimension_units": "Centimeters" if store.country_code != "US" else "Inches",
        "dimension_decimal_places": "2",
        "plan_name": "Plus",
        "plan_level": "Plus",
        "plan_is_trial": False,
        "industry": "Sporting Goods",
        "logo": [],
        "is_price_entered_with_tax": store.country_code != "US",
        "store_id": store.store_id,
        "default_channel_id": 1,
        "features": {"stencil_enabled": True, "multi_storefront_enabled": False},
    }
