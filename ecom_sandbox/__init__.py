"""Stand-ins for the APIs ecom_sync talks to, one folder per API (``bigcommerce/``,
``shopify/``, ``activecampaign/`` ...), with the pieces they share beside them (admin
routes, faults, clock, saved state, the loopback server). They behave like the real
services in ``shared/specs``; the demo, the tests and the benchmark use them.
``ecom_sync`` never imports this package, except from its demo entry point."""
