"""The demo's Connectif stores: one account per ``connectif`` destination, all on one
host, each set up as its entry expects (its API key, authorised domains, the custom
fields its address parts map to, its custom integration). The records are kept in the
state folder, like the ledger that remembers what was sent."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp

from ecom_sandbox.connectif.app import create_app
from ecom_sandbox.connectif.state import ApiKey, ConnectifAccount, ConnectifCloud
from ecom_sandbox.demo import DemoWorld, StandInBase


class ConnectifDemo(StandInBase):
    def __init__(self, cloud: ConnectifCloud) -> None:
        self.cloud = cloud

    def app(self) -> ASGIApp:
        return create_app(self.cloud)

    def summary_text(self) -> str | None:
        return self.cloud.render_summary()


def account_for(entry: dict[str, Any]) -> ConnectifAccount:
    """The Connectif store a destination entry describes; ``entry["env"]`` holds the
    values of its key variables, as the demo environment set them."""
    key_id = entry["env"][entry["key_id_env"]]
    carts = entry.get("carts") or {}
    return ConnectifAccount(
        entry["name"], [ApiKey(key_id, entry["token"])],
        authorised_domains=list(entry.get("authorised_domains") or []),
        custom_fields=dict.fromkeys((entry.get("address_fields") or {}).values(), "text"),
        integrations=[carts["custom_integration_id"]] if carts else [])


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> ConnectifDemo:
    return ConnectifDemo(ConnectifCloud([account_for(e) for e in entries],
                                        state_path=world.state_dir / "connectif-sandbox.json"))
