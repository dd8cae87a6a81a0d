"""Request hooks every stand-in shares: count requests per store, let tests act mid-walk."""

from __future__ import annotations

import threading
from collections.abc import Callable

RequestCallback = Callable[[str, str, dict[str, str], int], None]
"""``callback(store, path, params, request_count)``; ``path`` is relative to the store and
``request_count`` is this request's 1-based ordinal for the store. Called before the
request is served, outside the data lock."""


class RequestHooks:
    """Mixin: the host sets ``lock``, ``_callbacks`` (a list) and ``_request_counts``."""

    lock: threading.RLock
    _callbacks: list[RequestCallback]
    _request_counts: dict[str, int]

    def on_request(self, callback: RequestCallback) -> Callable[[], None]:
        """Register ``callback``; returns an unregister function. Use it to change records
        while a client is paginating."""
        self._callbacks.append(callback)

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return remove

    def notify_request(self, store: str, path: str, params: dict[str, str]) -> int:
        with self.lock:
            self._request_counts[store] = self._request_counts.get(store, 0) + 1
            count = self._request_counts[store]
        for callback in list(self._callbacks):
            callback(store, path, params, count)
        return count

    def request_count(self, store: str) -> int:
        return self._request_counts.get(store, 0)
