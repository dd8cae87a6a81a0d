"""Start the stand-ins the demo config names (one per platform and destination type, from
``ecom_sandbox``), serve each at its entries' URLs, then serve the webhook receiver and
register the hooks, as a merchant's setup would.

A loopback port the config names that something else already holds is replaced by a free
one: the config is written again with the new URLs (``$ECOM_SYNC_HOME/demo/ecom_sync.yaml``)
and ``ECOM_SYNC_CONFIG`` points at it, so Dagster's processes reach the same stand-ins.

This package is the only part of ``ecom_sync`` that imports ``ecom_sandbox``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import yaml

from ecom_sandbox.demo import DemoWorld, StandIn, demo_stand_in
from ecom_sandbox.server import serve_in_thread
from ecom_sync import paths
from ecom_sync.config import ConfigError, EcomSyncConfig
from ecom_sync.config_loader import load_config
from ecom_sync.orchestration import free_port, port_is_free
from ecom_sync.sources.registry import get_platform
from ecom_sync.sources.webhook_receiver import create_receiver, webhook_secrets
from ecom_sync.sources.webhook_store import WebhookStore

# The stand-ins' demo tokens and a local webhook secret: not secrets, the sandbox's own.
DEMO_ENV = {
    "ACME_OUTDOOR_BC_TOKEN": "sandbox-token-acmeoutdoor",
    "ACME_EUROPE_BC_TOKEN": "sandbox-token-acmeeu",
    "ECOM_SYNC_WEBHOOK_SECRET": "demo-webhook-secret",
    "ACTIVECAMPAIGN_API_TOKEN": "sandbox-ac-token",
    "ACME_NORDIC_SHOPIFY_TOKEN": "sandbox-token-acme-nordic",
    "CONNECTIF_US_KEY_ID": "sandbox-cx-us-key",
    "CONNECTIF_US_KEY_SECRET": "sandbox-cx-us-secret",
    "CONNECTIF_EU_KEY_ID": "sandbox-cx-eu-key",
    "CONNECTIF_EU_KEY_SECRET": "sandbox-cx-eu-secret",
    "ACME_ROASTERS_SQUARE_TOKEN": "sandbox-token-acme-roasters",
    "BOTTEGA_SHOPSITE_TOKEN": "sandbox-token-bottega-rossi",
}


def apply_demo_env() -> None:
    for name, value in DEMO_ENV.items():
        os.environ.setdefault(name, value)


def host_port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 80


@dataclass
class DemoServices:
    """The running stand-ins, by platform or destination type, and the config they serve
    (its URLs moved to free ports where the configured ones were taken)."""

    stand_ins: dict[str, StandIn]
    config: EcomSyncConfig

    def add_activity(self) -> dict[str, dict[str, int]]:
        activity: dict[str, dict[str, int]] = {}
        for stand_in in self.stand_ins.values():
            activity.update(stand_in.add_activity())
        return activity

    def after_activity(self) -> None:
        for stand_in in self.stand_ins.values():
            stand_in.after_activity()

    def request_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for stand_in in self.stand_ins.values():
            counts.update(stand_in.request_counts())
        return counts

    def destination_summaries(self) -> list[str]:
        return [t for s in self.stand_ins.values() if (t := s.summary_text()) is not None]


def _entries(config: EcomSyncConfig) -> dict[str, tuple[list[dict[str, Any]], list[str]]]:
    """Per API (platform or destination type), in config order: the entries as plain
    dicts (with their token, and under ``env`` every secret variable's value) and the
    URLs to serve them at."""
    by_api: dict[str, tuple[list[dict[str, Any]], list[str]]] = {}
    items: list[tuple[str, Any, str]] = [(c.platform, c, c.api_base_url)
                                         for c in config.connections]
    items += [(d.type, d, d.api_url) for d in config.destinations]
    for api, item, url in items:
        entries, urls = by_api.setdefault(api, ([], []))
        entry = item.model_dump(mode="json")
        entry["token"] = os.environ.get(item.token_env)
        entry["env"] = {var: os.environ.get(var) for var in item.secret_env_vars().values()}
        entries.append(entry)
        urls.append(url)
    return by_api


def _served_urls(config: EcomSyncConfig) -> list[str]:
    """Every URL the demo serves: the stand-ins' and the webhook receiver's."""
    urls = [url for _, found in _entries(config).values() for url in found]
    return urls + sorted(_hook_urls(config))


def _hook_urls(config: EcomSyncConfig) -> set[str]:
    return {getattr(getattr(c, "webhooks", None), "public_url", None)
            for c in config.connections} - {None}


def _netloc_moves(config: EcomSyncConfig) -> dict[str, str]:
    """``host:port`` → ``host:free port`` for each loopback address already in use."""
    moves: dict[str, str] = {}
    for url in _served_urls(config):
        host, port = host_port(url)
        if f"{host}:{port}" not in moves and not port_is_free(host, port):
            moves[f"{host}:{port}"] = f"{host}:{free_port(host)}"
    return moves


def _moved(value: Any, moves: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _moved(v, moves) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, moves) for v in value]
    if isinstance(value, str) and value.startswith("http"):
        parsed = urlparse(value)
        if parsed.netloc in moves:
            return parsed._replace(netloc=moves[parsed.netloc]).geturl()
    return value


def with_free_ports(config: EcomSyncConfig) -> EcomSyncConfig:
    """The config itself, or, if a port it names is taken, a copy serving at free ports
    written under the state folder and made the process's (and its children's) config."""
    moves = _netloc_moves(config)
    if not moves:
        return config
    if config.source_path is None:
        raise ConfigError(f"ports in use: {', '.join(moves)}; free them or set other ports")
    raw = yaml.safe_load(config.source_path.read_text())
    moved = paths.home() / "demo" / "ecom_sync.yaml"
    moved.parent.mkdir(parents=True, exist_ok=True)
    moved.write_text(yaml.safe_dump(_moved(raw, moves), sort_keys=False))
    os.environ["ECOM_SYNC_CONFIG"] = str(moved)
    print("Ports in use, serving at free ones instead: "
          + ", ".join(f"{a} → {b}" for a, b in moves.items())
          + f"; config: {moved}", flush=True)
    return load_config()


@contextmanager
def demo_services(config: EcomSyncConfig, seed: int = 7) -> Iterator[DemoServices]:
    apply_demo_env()
    config = with_free_ports(config)
    world = DemoWorld(seed, paths.home())
    stand_ins = {api: demo_stand_in(api, entries, world)
                 for api, (entries, _) in _entries(config).items()}
    hook_urls = _hook_urls(config)
    receiver = create_receiver(config, WebhookStore(paths.webhook_store_path()),
                               webhook_secrets(config))
    with ExitStack() as stack:
        served: set[tuple[str, int]] = set()
        for api, (_, urls) in _entries(config).items():
            app = stand_ins[api].app()
            for url in urls:
                if host_port(url) not in served:
                    served.add(host_port(url))
                    stack.enter_context(serve_in_thread(app, *host_port(url)))
        for url in sorted(hook_urls):
            stack.enter_context(serve_in_thread(receiver, *host_port(url)))
        secrets = webhook_secrets(config)
        for conn in config.enabled_connections:
            if conn.name in secrets:
                get_platform(conn.platform).register_webhooks(conn, secrets[conn.name])
        yield DemoServices(stand_ins, config)
