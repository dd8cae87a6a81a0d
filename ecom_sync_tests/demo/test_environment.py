"""The demo environment: stand-ins at the configured ports, or at free ones when taken."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from ecom_sync.config_loader import load_config
from ecom_sync.demo.environment import DEMO_ENV, demo_services
from ecom_sync.orchestration import dagster_port
from ecom_sync.paths import PACKAGE_DIR

DEMO_CONFIG = (PACKAGE_DIR / "demo" / "ecom_sync.yaml").read_text()
DEMO_PORTS = sorted({int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", DEMO_CONFIG)})


@pytest.fixture
def taken() -> Iterator[list[int]]:
    """Loopback ports something else listens on, one per port the demo config names."""
    socks = []
    for _ in DEMO_PORTS:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        socks.append(sock)
    yield [s.getsockname()[1] for s in socks]
    for sock in socks:
        sock.close()


def test_demo_serves_the_stand_ins_at_free_ports_when_the_configured_ones_are_taken(
    taken: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merchant with something on the demo's BigCommerce port (18765 in the bundled
    config) or on Dagster's 3000 can still run the demo: the stand-ins move to free ports,
    the config Dagster's processes read follows, relative dates stay relative."""
    text = DEMO_CONFIG
    for configured, busy in zip(DEMO_PORTS, taken, strict=True):
        text = text.replace(f"127.0.0.1:{configured}", f"127.0.0.1:{busy}")
    bigcommerce = taken[DEMO_PORTS.index(18765)]
    webhooks = taken[DEMO_PORTS.index(18766)]
    config_file = tmp_path / "ecom_sync.yaml"
    config_file.write_text(text)
    monkeypatch.setenv("ECOM_SYNC_CONFIG", str(config_file))
    monkeypatch.setenv("ECOM_SYNC_HOME", str(tmp_path / "state"))
    for name in DEMO_ENV:
        monkeypatch.delenv(name, raising=False)
    with demo_services(load_config()) as services:
        outdoor = services.config.connection("acme_outdoor")
        assert f":{bigcommerce}" not in outdoor.api_base_url
        response = httpx.get(f"{outdoor.api_base_url}/stores/acmeoutdoor/v3/catalog/products",
                             headers={"X-Auth-Token": DEMO_ENV["ACME_OUTDOOR_BC_TOKEN"]})
        assert response.status_code == 200 and response.json()["data"]
        moved = load_config()  # what Dagster's processes read (ECOM_SYNC_CONFIG)
        assert moved.connection("acme_outdoor").api_base_url == outdoor.api_base_url
        hooks = moved.connection("acme_europe").webhooks
        assert hooks is not None and f":{webhooks}" not in hooks.public_url
        raw = yaml.safe_load(Path(str(moved.source_path)).read_text())
        assert raw["connections"][0]["history_start"] == "-90d"
    assert dagster_port(None, default=bigcommerce) not in (bigcommerce, webhooks)
    assert dagster_port(4321) == 4321
