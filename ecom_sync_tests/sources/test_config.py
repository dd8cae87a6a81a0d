"""Connection config (S1, S2): errors name the field or variable, never a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from ecom_sync.config import ConfigError
from ecom_sync.config_loader import load_config, parse_config
from ecom_sync.sources.bigcommerce.config import BigCommerceConnection

TOKEN_ENV = "ACME_BC_TOKEN_FOR_CONFIG_TESTS"
SECRET = "s3cr3t-t0ken-value-9f8e7d"


def raw(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "acme",
        "platform": "bigcommerce",
        "store_name": "Acme Outdoor",
        "store_hash": "acmeoutdoor",
        "token_env": TOKEN_ENV,
        "api_base_url": "http://127.0.0.1:9",
        "history_start": "2023-01-01",
        **overrides,
    }


def config_error(*connections: dict[str, Any], **top: Any) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config({"connections": list(connections), **top})
    return str(info.value)


def test_r_s1_a_valid_bigcommerce_connection() -> None:
    config = parse_config({"connections": [raw(), raw(name="acme_eu", store_hash="acmeeu")]})
    conn = config.connection("acme")
    assert isinstance(conn, BigCommerceConnection)
    assert conn.store_base_url == "http://127.0.0.1:9/stores/acmeoutdoor"
    assert conn.page_size == 250 and conn.http.max_attempts >= 1
    assert conn.streams.orders and conn.streams.carts
    assert [c.name for c in config.enabled_connections] == ["acme", "acme_eu"]


def test_r_s1_disabled_connection_is_not_enabled() -> None:
    config = parse_config({"connections": [raw(), raw(name="acme_eu", enabled=False)]})
    assert [c.name for c in config.enabled_connections] == ["acme"]


def test_r_s2_errors_name_the_field() -> None:
    message = config_error(raw(store_hash="not a hash!"))
    assert "connections[acme].store_hash" in message
    message = config_error(raw(http={"max_attempts": 0}))
    assert "connections[acme].http.max_attempts" in message
    message = config_error(raw(page_size=1000))
    assert "connections[acme].page_size" in message


def test_r_s2_missing_fields_are_named() -> None:
    body = raw()
    del body["token_env"]
    assert "connections[acme].token_env" in config_error(body)
    body = raw()
    del body["platform"]
    assert "connections[acme].platform: field required" in config_error(body)


def test_r_s2_several_problems_are_reported_together() -> None:
    message = config_error(raw(store_hash="bad hash"), raw(name="other", page_size=0))
    assert "connections[acme].store_hash" in message
    assert "connections[other].page_size" in message


def test_r_s2_a_token_written_into_the_file_is_refused_and_not_echoed() -> None:
    """S2: secrets never come from the file; the error names the key, not the value."""
    message = config_error(raw(token=SECRET))
    assert "connections[acme].token" in message
    assert SECRET not in message
    message = config_error(raw(token_env="sk-" + SECRET))  # a token pasted as the env name
    assert "connections[acme].token_env" in message
    assert SECRET not in message


def test_unknown_platform_lists_the_available_ones() -> None:
    message = config_error(raw(platform="magento"))
    assert "connections[acme].platform" in message
    assert "magento" in message
    assert "available:" in message and "bigcommerce" in message


def test_r_s1_duplicate_connection_names_are_rejected() -> None:
    message = config_error(raw(), raw(store_hash="acmeeu"))
    assert "unique" in message and "acme" in message


def test_unknown_top_level_key_is_named() -> None:
    assert "publishers: unknown top-level key" in config_error(raw(), publishers=[])


def test_unknown_connection_lookup_lists_known_names() -> None:
    config = parse_config({"connections": [raw()]})
    with pytest.raises(ConfigError, match=r"no connection named 'nope' \(known: acme\)"):
        config.connection("nope")


def test_r_s2_missing_env_var_is_named_without_any_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conn = parse_config({"connections": [raw()]}).connections[0]
    monkeypatch.setenv("SOME_OTHER_TOKEN", SECRET)
    for value in (None, ""):
        if value is None:
            monkeypatch.delenv(TOKEN_ENV, raising=False)
        else:
            monkeypatch.setenv(TOKEN_ENV, value)
        with pytest.raises(ConfigError) as info:
            conn.token()
        message = str(info.value)
        assert TOKEN_ENV in message and "'acme'" in message
        assert SECRET not in message


def test_r_s2_token_is_a_secret_str_hidden_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, SECRET)
    conn = parse_config({"connections": [raw()]}).connections[0]
    token = conn.token()
    assert isinstance(token, SecretStr)
    assert token.get_secret_value() == SECRET
    assert SECRET not in repr(token) and SECRET not in str(token)
    assert SECRET not in repr(conn) and SECRET not in conn.model_dump_json()


def test_r_s2_load_config_from_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ecom_sync.yaml"
    path.write_text(
        "connections:\n"
        "  - name: acme\n"
        "    platform: bigcommerce\n"
        "    store_name: Acme Outdoor\n"
        "    store_hash: acmeoutdoor\n"
        f"    token_env: {TOKEN_ENV}\n"
        "    api_base_url: http://127.0.0.1:9\n"
        "    history_start: 2023-01-01\n"
    )
    config = load_config(path)
    assert config.source_path == path
    assert config.connection("acme").store_name == "Acme Outdoor"
    monkeypatch.setenv("ECOM_SYNC_CONFIG", str(path))
    assert load_config().connection("acme").token_env == TOKEN_ENV


def test_load_config_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("connections: [\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)
    bad = tmp_path / "bad.yaml"
    bad.write_text("connections:\n  - name: acme\n    platform: bigcommerce\n")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert str(bad) in str(info.value)
    assert "connections[acme].store_hash" in str(info.value)
