"""Fixtures: a served stand-in, a state folder per test, one historical sync per session."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import pytest

from ecom_sandbox.bigcommerce.app import create_app
from ecom_sandbox.bigcommerce.sandbox import Sandbox
from ecom_sandbox.server import serve_in_thread
from ecom_sync.config import EcomSyncConfig
from ecom_sync_tests.helpers import TOKENS, historical_sync, make_config, small_sandbox

if TYPE_CHECKING:
    from ecom_sync_tests.live_world import World


def with_cart_webhooks(stack: ExitStack, sandbox: Sandbox, url: str) -> EcomSyncConfig:
    """Serve the webhook receiver, register it with the stand-in stores and let them
    announce their abandoned carts (BigCommerce has no cart list: BC6 needs this)."""
    from ecom_sync import paths
    from ecom_sync.sources.registry import get_platform
    from ecom_sync.sources.webhook_receiver import create_receiver
    from ecom_sync.sources.webhook_store import WebhookStore

    config = make_config(url)
    secrets = {c.name: TOKENS["TEST_WEBHOOK_SECRET"] for c in config.connections}
    receiver = create_receiver(config, WebhookStore(paths.webhook_store_path()), secrets)
    config = make_config(url, stack.enter_context(serve_in_thread(receiver)))
    for conn in config.connections:
        get_platform(conn.platform).register_webhooks(conn, secrets[conn.name])
    sandbox.emit_due_webhooks()
    return config


STATE_VARS = ("ECOM_SYNC_HOME", "ECOM_SYNC_DUCKDB", "ECOM_SYNC_CONFIG", "DAGSTER_HOME")


def use_state(mp: pytest.MonkeyPatch, home: Path) -> Path:
    """``home`` as the state folder, nothing else inherited from the environment, and the
    test tokens set."""
    for var in STATE_VARS:
        mp.delenv(var, raising=False)
    mp.setenv("ECOM_SYNC_HOME", str(home))
    for name, value in TOKENS.items():
        mp.setenv(name, value)
    return home


@pytest.fixture
def ecom_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh state folder (warehouse, landing files, webhook store) with test tokens."""
    return use_state(monkeypatch, tmp_path / "state")


@dataclass
class Served:
    sandbox: Sandbox
    url: str


@pytest.fixture
def served() -> Iterator[Served]:
    sandbox = small_sandbox()
    with serve_in_thread(create_app(sandbox)) as url:
        yield Served(sandbox, url)


@dataclass
class SyncedDemo:
    """Two stores synced historically into one warehouse; read-only for the tests."""

    home: Path
    sandbox: Sandbox
    config: EcomSyncConfig
    defs: dg.Definitions

    @property
    def duckdb(self) -> Path:
        return self.home / "warehouse.duckdb"


@pytest.fixture(scope="session")
def synced_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SyncedDemo]:
    home = tmp_path_factory.mktemp("synced") / "state"
    sandbox = small_sandbox(seed=5)
    with pytest.MonkeyPatch.context() as mp, ExitStack() as stack:
        use_state(mp, home)
        url = stack.enter_context(serve_in_thread(create_app(sandbox)))
        config = with_cart_webhooks(stack, sandbox, url)
        defs = historical_sync(config)
        yield SyncedDemo(home, sandbox, config, defs)


@pytest.fixture(scope="session")
def live_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A synced and published state folder tests may change (see live_world.py)."""
    from ecom_sync_tests.live_world import make_world

    with ExitStack() as stack:
        yield make_world(tmp_path_factory.mktemp("live"), stack)


@pytest.fixture
def world(live_world: World) -> Iterator[World]:
    """``live_world`` with its environment set for this test."""
    with live_world.active():
        yield live_world


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Issue 13's figures: faults injected, crashes survived, corpus outcomes."""
    from ecom_sync_tests.tally import summary

    for line in summary():
        terminalreporter.write_line(line)
