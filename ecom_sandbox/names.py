"""Small fixed vocabularies for the demo data generator."""

from __future__ import annotations

FIRST_NAMES = (
    "Jane", "John", "Maria", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Sofia", "Mateo",
    "Chloe", "Hugo", "Léa", "Jonas", "Ingrid", "Aiko", "Kenji", "Priya", "Arjun", "Fatima",
    "Omar", "Zoë", "Björn", "Chiara", "Pedro", "Ana", "Tom", "Grace", "Ethan", "Mia",
    "Isabel", "Daniel", "Hannah", "Felix", "Nora", "Oscar", "Elena", "Marco", "Yuki", "Sara",
)
LAST_NAMES = (
    "Smith", "Johnson", "García", "Müller", "Rossi", "Dubois", "Nakamura", "Patel", "Kowalski",
    "O'Brien", "Andersen", "Silva", "Brown", "Wilson", "Schmidt", "Martin", "Lopez", "Novak",
    "Jensen", "Fischer", "Moreau", "Costa", "Tanaka", "Khan", "Murphy", "van Dijk", "Larsen",
    "Bianchi", "Evans", "Walker",
)
EMAIL_DOMAINS = (
    "example.com", "mail.example", "example.org", "post.example.net", "inbox.example.co.uk",
)
COMPANIES = ("", "", "", "Trailhead LLC", "Northwind GmbH", "Blue Fjord AS", "Sierra Co-op")

US_ADDRESSES = (
    ("1 Main St", "Austin", "Texas", "78701"),
    ("455 Pine Ave", "Denver", "Colorado", "80202"),
    ("88 Harbor Rd", "Seattle", "Washington", "98101"),
    ("12 Elm St", "Portland", "Oregon", "97205"),
    ("900 Lake Shore Dr", "Chicago", "Illinois", "60611"),
    ("77 Canyon Way", "Boulder", "Colorado", "80302"),
)
EU_ADDRESSES = (
    ("Hauptstraße 5", "Berlin", "Berlin", "10115", "DE", "Germany"),
    ("12 Rue de Rivoli", "Paris", "Île-de-France", "75001", "FR", "France"),
    ("Via Roma 8", "Milano", "Lombardia", "20121", "IT", "Italy"),
    ("Keizersgracht 100", "Amsterdam", "Noord-Holland", "1015 CV", "NL", "Netherlands"),
    ("221B Baker Street", "London", "London", "NW1 6XE", "GB", "United Kingdom"),
    ("5 Grafton Street", "Dublin", "Dublin", "D02 X285", "IE", "Ireland"),
)

CATEGORY_TREE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Camping", ("Tents", "Sleeping Bags", "Stoves")),
    ("Hiking", ("Backpacks", "Boots", "Trekking Poles")),
    ("Apparel", ("Jackets", "Base Layers")),
    ("Accessories", ()),
)
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    "Tents": ("Ridge 2P Tent", "Basecamp 4P Tent", "Ultralight Bivy", "Trail Tarp"),
    "Sleeping Bags": ("Down Sleeping Bag -5°C", "Summer Quilt", "Synthetic Mummy Bag"),
    "Stoves": ("Titan Canister Stove", "Alcohol Stove Kit", "Camp Cook Set"),
    "Backpacks": ("Summit 45L Pack", "Daypack 22L", "Trail Runner Vest", "Expedition 70L Pack"),
    "Boots": ("Granite Mid Boot", "Approach Shoe", "Trail Runner GTX"),
    "Trekking Poles": ("Carbon Trekking Poles", "Aluminium Trekking Poles"),
    "Jackets": ("Storm Shell Jacket", "Puffy Insulated Jacket", "Softshell Hoodie"),
    "Base Layers": ("Merino Base Layer Top", "Merino Leggings", "Wool Hiking Socks"),
    "Accessories": ("Headlamp 400lm", "Water Filter", "Insulated Bottle 1L", "First Aid Kit"),
}
SHIPPING_METHODS = (
    ("Free Shipping", 0.0),
    ("Flat Rate", 7.5),
    ("UPS Ground", 12.0),
    ("FedEx 2Day", 24.0),
    ("Store Pickup", 0.0),
)
PAYMENT_METHODS = ("Credit Card", "PayPal", "Apple Pay", "Bank Deposit", "Cash on Delivery")
COUPON_CODES = (
    ("WELCOME10", 1, 10.0),
    ("SUMMER15", 1, 15.0),
    ("SAVE5", 2, 5.0),
    ("FREESHIP", 4, 0.0),
)
