"""M5: an order fires "makes a purchase" automations only when it is fresh."""

from __future__ import annotations

from datetime import datetime, timedelta


def is_fresh(
    placed_at: datetime | None, publish_time: datetime, window_hours: float, fire_nothing: bool
) -> bool:
    """Placed within ``window_hours`` before the publish. Only an object's first send can
    fire: updates of something already in the destination never re-fire automations."""
    if fire_nothing or placed_at is None:
        return False
    return publish_time - timedelta(hours=window_hours) <= placed_at <= publish_time
