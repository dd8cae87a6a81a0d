"""The ``platform: square`` connection model: one connection per Square location (SQ1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from ecom_sync.config import ConnectionConfig, StrictModel

SQUARE_API = "https://connect.squareup.com"


class SquareStreams(StrictModel):
    """Per-connection switches. Customers and the catalog belong to the merchant, not to a
    location: each location's connection lists all of them (SQ2)."""

    payments: bool = True
    orders: bool = True  # the payments' line items
    customers: bool = True
    items: bool = True


class SquareConnection(ConnectionConfig):
    platform: Literal["square"]
    # The Square location this connection syncs (Seller Dashboard → Locations, or
    # GET /v2/locations); the merchant's other locations are connections of their own.
    location_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    api_base_url: str = SQUARE_API  # sandbox: https://connect.squareupsandbox.com
    square_version: str = Field("2025-08-20", pattern=r"^\d{4}-\d{2}-\d{2}$")
    page_size: int = Field(100, ge=1, le=250)
    streams: SquareStreams = SquareStreams()

    @property
    def location_key(self) -> tuple[str, str]:
        """Which location this is, whatever the token: Square location ids are unique per
        API (production or sandbox)."""
        return self.api_base_url.rstrip("/").lower(), self.location_id


def shared_locations(connections: Sequence[SquareConnection]) -> list[str]:
    """SQ1: two connections on one location would sync its payments twice (once per
    connection, each its own store at the destination): name both."""
    first: dict[tuple[str, str], str] = {}
    problems = []
    for conn in connections:
        other = first.setdefault(conn.location_key, conn.name)
        if other != conn.name:
            problems.append(
                f"connections[{other}] and connections[{conn.name}] both sync Square location "
                f"{conn.location_id}: it would be synced twice; give each location one "
                "connection (location_id)"
            )
    return problems
