"""A faithful local stand-in for the Connectif REST API (destinations.md Part B, B.7):
``Authorization: apiKey <id>:<secret>``, contacts and products upserted by PATCH,
purchases with their preconditions (E0101/E0102/E0103), authorised domains (E0201),
decimal money, custom event types and events, 429 with ``X-RateLimit-*`` headers, and
no cart route. Several accounts (Connectif stores) share one host, told apart by key."""
