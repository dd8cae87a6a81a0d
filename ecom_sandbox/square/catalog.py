"""The demo merchant's catalog: a coffee roaster's items (with variations), categories and
images, as Square's CatalogObjects."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ecom_sandbox.records import between
from ecom_sandbox.square.merchant import MerchantData, Record, catalog_version, money

# category → (item name, description, [(variation name, price in minor units or None for
# variable pricing)])
MENU: dict[str, tuple[tuple[str, str, tuple[tuple[str, int | None], ...]], ...]] = {
    "Coffee": (
        ("Espresso", "A short, intense shot of our house espresso.",
         (("Single", 300), ("Double", 375))),
        ("Cappuccino", "Espresso with steamed milk and a deep layer of foam.",
         (("Small", 425), ("Large", 525))),
        ("Flat White", "A double ristretto with silky microfoam.", (("Regular", 475),)),
        ("Cold Brew", "Steeped for 18 hours, served over ice.",
         (("Medium", 450), ("Large", 550))),
        ("Drip Coffee", "The roast of the day, brewed fresh every hour.",
         (("Small", 250), ("Medium", 300), ("Large", 350))),
        ("Pumpkin Spice Latte", "Seasonal: espresso, pumpkin and warm spices.",
         (("Regular", 595),)),
    ),
    "Tea": (
        ("Chai Latte", "Spiced black tea with steamed milk.", (("Regular", 450),)),
        ("Matcha Latte", "Ceremonial-grade matcha whisked with milk.", (("Regular", 525),)),
        ("Black Tea", "Assam, loose leaf.", (("Pot", 350),)),
    ),
    "Bakery": (
        ("Croissant", "All-butter, baked every morning.", (("Plain", 375), ("Almond", 450))),
        ("Blueberry Muffin", "With a crumble top.", (("Regular", 395),)),
        ("Cinnamon Roll", "Brioche dough, cream-cheese glaze.", (("Regular", 425),)),
        ("Banana Bread", "A thick slice, toasted on request.", (("Slice", 350),)),
    ),
    "Beans & Merch": (
        ("House Blend Beans", "Chocolate, hazelnut, stone fruit. Whole bean.",
         (("250 g", 1400), ("1 kg", 4800))),
        ("Ethiopia Yirgacheffe Beans", "Jasmine, bergamot, lemon. Whole bean.",
         (("250 g", 1800),)),
        ("Ceramic Mug", "12 oz, glazed by a local potter.", (("Regular", 2200),)),
        ("Travel Tumbler", "Insulated, 16 oz.", (("Regular", 3200),)),
        ("Gift Card Top-up", "Any amount.", (("Any amount", None),)),
    ),
}
SEASONAL = "Pumpkin Spice Latte"  # deleted from the catalog at the end of its season
IMAGE_HOST = "https://items-images-production.s3.us-west-2.amazonaws.com/files"


def generate_catalog(rng: random.Random, merchant: MerchantData, now: datetime,
                     extra_items: int = 0) -> None:
    """Categories, items with variations (one with variable pricing), images for most
    items, ``extra_items`` more single-origin bean bags, and the seasonal item deleted
    (kept, flagged, for include_deleted_objects)."""
    opened = merchant.history_start
    for category, items in MENU.items():
        category_id = merchant.next_id("catalog", rng, 24)
        merchant.catalog[category_id] = _object("CATEGORY", category_id, opened,
                                                category_data={"name": category})
        for name, description, variations in items:
            created = between(rng, opened, min(opened + timedelta(days=20),
                                               now - timedelta(hours=2)))
            add_item(rng, merchant, name, description, variations, category_id, created,
                     image=rng.random() < 0.75)
    for n in range(extra_items):
        add_item(rng, merchant, f"Single Origin Lot {n + 1}", "A limited lot, whole bean.",
                 (("250 g", rng.randint(15, 30) * 100),), category_id,
                 between(rng, opened, now - timedelta(hours=1)), image=rng.random() < 0.5)
    seasonal = next(o for o in merchant.catalog.values()
                    if o["type"] == "ITEM" and o["item_data"]["name"] == SEASONAL)
    merchant.delete_item(seasonal["id"], between(rng, now - timedelta(days=60),
                                                 now - timedelta(days=30)))
    # Some items were edited since (a new description, a price change).
    for item in rng.sample(sellable_items(merchant), k=4):
        merchant.touch("catalog", item["id"], between(rng, item["updated_at"], now))


def add_item(
    rng: random.Random, merchant: MerchantData, name: str, description: str,
    variations: tuple[tuple[str, int | None], ...], category_id: str, created: datetime,
    *, image: bool,
) -> Record:
    item_id = merchant.next_id("catalog", rng, 24)
    image_ids = []
    if image:
        image_id = merchant.next_id("catalog", rng, 24)
        merchant.catalog[image_id] = _object("IMAGE", image_id, created, image_data={
            "name": name, "url": f"{IMAGE_HOST}/{image_id.lower()}/original.jpeg"})
        image_ids.append(image_id)
    merchant.catalog[item_id] = _object("ITEM", item_id, created, item_data={
        "name": name,
        "description": description,
        "description_html": f"<p>{description}</p>",
        "description_plaintext": description,
        "product_type": "REGULAR",
        "categories": [{"id": category_id, "ordinal": 0}],
        "image_ids": image_ids,
        "variations": [_variation(rng, merchant, item_id, v, price, i, created)
                       for i, (v, price) in enumerate(variations)],
    })
    return merchant.catalog[item_id]


def _variation(rng: random.Random, merchant: MerchantData, item_id: str, name: str,
               price: int | None, ordinal: int, created: datetime) -> Record:
    variation_id = merchant.next_id("catalog", rng, 24)
    data: Record = {"item_id": item_id, "name": name, "ordinal": ordinal,
                    "sku": f"SQ-{variation_id[:6]}",
                    "pricing_type": "FIXED_PRICING" if price is not None else "VARIABLE_PRICING"}
    if price is not None:
        data["price_money"] = money(price, merchant.currency)
    return _object("ITEM_VARIATION", variation_id, created, item_variation_data=data)


def _object(kind: str, object_id: str, moment: datetime, **data: Record) -> Record:
    return {"type": kind, "id": object_id, "updated_at": moment,
            "version": catalog_version(moment), "is_deleted": False,
            "present_at_all_locations": True, **data}


def sellable_items(merchant: MerchantData) -> list[Record]:
    return [o for o in merchant.catalog.values()
            if o["type"] == "ITEM" and not o.get("is_deleted")]
