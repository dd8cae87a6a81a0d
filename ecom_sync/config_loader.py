"""Read ``ecom_sync.yaml``: each connection is validated by its platform's model and each
destination by its type's model, both found through the registries (which sit above the
config models, so the models never import them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ecom_sync import paths
from ecom_sync.config import ConfigError, EcomSyncConfig, StrictModel
from ecom_sync.destinations.registry import destination_model
from ecom_sync.sources.registry import connection_model, get_platform


def _describe(err: ValidationError) -> str:
    return "\n".join(
        f"  {'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in err.errors()
    )


def _parse_items(
    data: dict[str, Any],
    key: str,
    discriminator: str,
    model_for: Callable[[str], type[StrictModel]],
    problems: list[str],
) -> list[Any]:
    """Validate each item of a list by the model its discriminator names."""
    raw_items = data.get(key) or []
    if not isinstance(raw_items, list):
        problems.append(f"  {key}: must be a list")
        return []
    items = []
    for idx, raw in enumerate(raw_items):
        label = raw.get("name", f"#{idx}") if isinstance(raw, dict) else f"#{idx}"
        if not isinstance(raw, dict) or discriminator not in raw:
            problems.append(f"  {key}[{label}].{discriminator}: field required")
            continue
        try:
            model = model_for(raw[discriminator])
        except ConfigError as exc:
            problems.append(f"  {key}[{label}].{discriminator}: {exc}")
            continue
        try:
            items.append(model.model_validate(raw))
        except ValidationError as exc:
            problems.extend(
                f"  {key}[{label}].{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in exc.errors()
            )
    return items


def parse_config(data: dict[str, Any], source: Path | None = None) -> EcomSyncConfig:
    """Validate a loaded YAML mapping; each connection by its platform's model and each
    destination by its type's model."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source or 'config'}: expected a mapping with a 'connections' list")
    problems: list[str] = []
    connections = _parse_items(data, "connections", "platform", connection_model, problems)
    destinations = _parse_items(data, "destinations", "type", destination_model, problems)
    for platform in sorted({c.platform for c in connections}):
        group = [c for c in connections if c.platform == platform]
        problems.extend(f"  {p}" for p in get_platform(platform).check_connections(group))
    unknown = sorted(set(data) - {"connections", "destinations"})
    if unknown:
        problems.append(f"  {', '.join(unknown)}: unknown top-level key")
    if problems:
        raise ConfigError(f"invalid config {source or ''}:\n" + "\n".join(problems))
    try:
        return EcomSyncConfig(
            connections=tuple(connections), destinations=tuple(destinations), source_path=source
        )
    except ValidationError as exc:
        raise ConfigError(f"invalid config {source or ''}:\n{_describe(exc)}") from None


def load_config(path: Path | None = None) -> EcomSyncConfig:
    path = path or paths.config_path()
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path} (set ECOM_SYNC_CONFIG)") from None
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    return parse_config(data, path)
