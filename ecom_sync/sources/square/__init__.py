"""Square: one connection per location (SQ1): its payments (the orders a merchant sees at
the destination, SQ5) with their orders' line items, the merchant's customers and its
catalog items. Square has no abandoned carts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ecom_sync.config import ConnectionConfig
from ecom_sync.sources.http import ApiClient
from ecom_sync.sources.registry import Platform
from ecom_sync.sources.square.client import api_client
from ecom_sync.sources.square.config import SquareConnection, shared_locations
from ecom_sync.sources.square.streams import STREAMS, square


class SquarePlatform(Platform):
    name = "square"
    connection_model = SquareConnection
    streams = STREAMS
    sql_dir = Path(__file__).parent / "sql"

    def api(self, conn: ConnectionConfig) -> ApiClient:
        return api_client(square(conn))

    def check_connections(self, connections: Sequence[ConnectionConfig]) -> list[str]:
        return shared_locations([square(c) for c in connections])


PLATFORM = SquarePlatform()
