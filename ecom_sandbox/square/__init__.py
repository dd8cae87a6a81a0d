"""Stand-in of the Square API (v2): one server for any number of merchants, each found by
its access token, each with several locations (specs/sources.md 3)."""
