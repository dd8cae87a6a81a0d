"""Fault injection for the Connectif stand-in: the shared catalogue
(``ecom_sandbox/faults.py``): the transport kinds on the wire, and ``rate_limited`` here,
a 429 with the account window's ``X-RateLimit-*`` headers spent (no ``Retry-After``, as
the real service). ``store`` limits a fault to one account (a Connectif store's name)."""

from __future__ import annotations

import math
import time

from ecom_sandbox.faults import Fault, FaultList


class ConnectifFaults(FaultList[Fault]):
    api_kinds = ("rate_limited",)

    def rate_limited(self, account: str, path: str, limit: int) -> dict[str, str] | None:
        """The headers of an injected 429 for this request, or None."""
        if self.take("rate_limited", account, path) is None:
            return None
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(math.ceil(time.time() + 0.05))}
