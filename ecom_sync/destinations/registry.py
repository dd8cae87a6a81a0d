"""Destinations are folders under ``ecom_sync/destinations``; each exposes ``DESTINATION``."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

from ecom_sync.config import ConfigError, DestinationConfig


def available_destinations() -> list[str]:
    import ecom_sync.destinations as pkg

    return sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg)


@cache
def get_destination(type_name: str) -> Any:
    if type_name not in available_destinations():
        raise ConfigError(
            f"unknown destination type '{type_name}' "
            f"(available: {', '.join(available_destinations())})"
        )
    return importlib.import_module(f"ecom_sync.destinations.{type_name}").DESTINATION


def destination_model(type_name: str) -> type[DestinationConfig]:
    return get_destination(type_name).config_model
