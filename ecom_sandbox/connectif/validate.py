"""Field checks of the Connectif resources (destinations.md B.2–B.5): unknown fields and
wrong JSON types are 422 ``validationErrors``; money is a JSON number in the store's
currency, never a string."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from ecom_sandbox.connectif.errors import HttpError, unprocessable

Check = Callable[[Any], bool]


def is_text(v: Any) -> bool:
    return isinstance(v, str)


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def is_texts(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def is_date(v: Any) -> bool:
    if not isinstance(v, str):
        return False
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def one_of(*values: str) -> Check:
    return lambda v: v in values


# Our choice where the docs are silent: ``_mobilePhone`` must be E.164 ("international
# format" in the docs).
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")

CONTACT_FIELDS: dict[str, Check] = {
    "_name": is_text, "_surname": is_text, "_birthdate": is_date, "_points": is_integer,
    "_mobilePhone": lambda v: isinstance(v, str) and bool(E164.match(v)),
    "_emailStatus": one_of("active", "bounced", "paused", "banned"),
    "_mobilePhoneStatus": one_of("active", "bounced", "paused"),
    "_newsletterSubscriptionStatus": one_of("subscribed", "unsubscribed", "none"),
    "_smsSubscriptionStatus": one_of("subscribed", "unsubscribed", "none"),
}

# Custom field types of an account (B.2): the JSON type each one takes.
CUSTOM_FIELD_TYPES: dict[str, Check] = {
    "text": is_text, "email": is_text, "date": is_date, "radio": is_text, "phone": is_text,
    "boolean": is_bool, "number": is_number, "integer": is_integer, "checkbox": is_texts,
}

PRODUCT_FIELDS: dict[str, Check] = {
    "name": is_text, "productDetailUrl": is_text, "unitPrice": is_number,
    "unitPriceOriginal": is_number, "unitPriceWithoutVAT": is_number,
    "discountedAmount": is_number, "discountedPercentage": is_number,
    "availability": one_of("instock", "outofstock"), "inStockUnits": is_integer,
    "imageUrl": is_text, "thumbnailUrl": is_text, "description": is_text, "brand": is_text,
    "categories": is_texts, "tags": is_texts, "priority": is_integer, "rating": is_number,
    "ratingCount": is_integer, "reviewCount": is_integer,
    "relatedExternalProductIds": is_texts, "publishedAt": is_date, "isBlacklisted": is_bool,
    "customField1": is_text, "customField2": is_text, "customField3": is_text,
}
# Our choice (the API's required markers were not captured): what the tracking "Product"
# object requires.
PRODUCT_REQUIRED = ("name", "productDetailUrl", "unitPrice")

LINE_FIELDS: dict[str, Check] = {
    **{k: v for k, v in PRODUCT_FIELDS.items()
       if k not in ("inStockUnits", "priority", "isBlacklisted", "availability")},
    "productId": is_text, "quantity": is_integer, "price": is_number,
}
LINE_REQUIRED = ("productId", "name", "unitPrice", "quantity", "price")

PURCHASE_FIELDS: dict[str, Check] = {
    "purchaseId": is_text, "contactEmail": is_text, "contactExternalId": is_text,
    "cartId": is_text, "purchaseDate": is_date, "paymentMethod": is_text,
    "totalPrice": is_number, "totalQuantity": is_integer,
    "products": lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}
PURCHASE_REQUIRED = ("purchaseId", "totalQuantity", "totalPrice", "products")

URL_FIELDS = ("productDetailUrl", "imageUrl", "thumbnailUrl")


def check_fields(body: Any, fields: dict[str, Check], required: tuple[str, ...] = (),
                 path: str = "") -> list[tuple[str, str]]:
    """Problems of one JSON object: not an object, unknown keys, missing or mistyped ones.
    ``null`` clears an optional field."""
    if not isinstance(body, dict):
        return [(path or "$", "must be an object")]
    problems = [(f"{path}{k}", "unknown field") for k in body if k not in fields]
    problems += [(f"{path}{k}", "is required") for k in required if body.get(k) is None]
    problems += [(f"{path}{k}", "has the wrong type or value") for k, v in body.items()
                 if k in fields and v is not None and not fields[k](v)]
    return problems


def require_valid(problems: list[tuple[str, str]]) -> None:
    if problems:
        raise unprocessable(problems)


def purchase_problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    problems = check_fields(body, PURCHASE_FIELDS, PURCHASE_REQUIRED)
    if not body.get("contactEmail") and not body.get("contactExternalId"):
        problems.append(("contactEmail", "contactEmail or contactExternalId is required"))
    lines = body.get("products") if isinstance(body.get("products"), list) else []
    if not lines and "products" in body:
        problems.append(("products", "must not be empty"))
    for i, line in enumerate(lines):
        found = check_fields(line, LINE_FIELDS, LINE_REQUIRED, f"products[{i}].")
        problems += found
        if not found and abs(line["price"] - line["quantity"] * line["unitPrice"]) > 0.01:
            problems.append((f"products[{i}].price", "must be quantity × unitPrice"))
    if not problems and body["totalQuantity"] != sum(line["quantity"] for line in lines):
        problems.append(("totalQuantity", "must count every unit of products"))
    return problems


def host_of(url: str) -> str:
    return (urlparse(url).hostname or "").lower()


def unauthorised_urls(record: dict[str, Any], allowed_hosts: set[str]) -> list[str]:
    return [record[f] for f in URL_FIELDS
            if isinstance(record.get(f), str) and host_of(record[f]) not in allowed_hosts]


def domain_error(code: str, what: str, ids: list[str], allowed: list[str]) -> HttpError:
    extra: dict[str, Any] = {"allowedDomains": allowed}
    if code == "E0103":
        extra["productsId"] = ids
    return HttpError(400, f"{what} {', '.join(ids)} had URL from non authorized domain.",
                     code, **extra)
