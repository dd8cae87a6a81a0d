"""Stand-in shop site: ecom_sync's shop-site API (specs/shopsite.md) for a Passweb-style
web shop run with a back office, with registered and anonymous carts and back-office
sync runs, and ``/_sandbox/`` routes to place orders, change carts and run a sync."""
