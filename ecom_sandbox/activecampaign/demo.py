"""The demo's ActiveCampaign account; its state is kept in the state folder."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp

from ecom_sandbox.activecampaign.app import create_app
from ecom_sandbox.activecampaign.state import AcAccount
from ecom_sandbox.demo import DemoWorld, StandInBase


class ActiveCampaignDemo(StandInBase):
    def __init__(self, account: AcAccount) -> None:
        self.account = account

    def app(self) -> ASGIApp:
        return create_app(self.account)

    def summary_text(self) -> str | None:
        return self.account.render_summary()


def demo_stand_in(entries: list[dict[str, Any]], world: DemoWorld) -> ActiveCampaignDemo:
    """One account per demo (entries share it); ``token`` is the API token the demo
    environment set for the entry."""
    account = AcAccount(entries[0]["token"],
                        state_path=world.state_dir / "activecampaign-sandbox.json")
    return ActiveCampaignDemo(account)
