"""Named places inside the work where the crash suite (issue 13) kills the process.

``crash_point("staging.merge")`` does nothing unless the environment variable
``ECOM_SYNC_CRASH_AT`` arms it: ``"<point>:<n>"`` (several separated by commas) makes the
process SIGKILL itself the ``n``-th time it passes ``<point>``: no cleanup, no finally, no
flush, as a machine dying would. With ``ECOM_SYNC_CRASH_TALLY`` naming a file, every
pass is appended to it (one point per line), so a clean run says how often each point
is passed and a seed can pick a place that is really reached.

The points (each inside the work, where an interruption hurts most):

- ``api.answered``: an API request answered (mid-walk in landing; mid-batch in a
  publish: some of a batch's requests made, the batch not recorded);
- ``landing.page``: a page file of a walk written, the window not committed yet;
- ``landing.swap``: a window folder moved aside, its new extract not in place yet;
- ``staging.merge``: inside the staging transaction, a chunk's old rows deleted and its
  new ones not inserted;
- ``canonical.model``: a model built beside the live tables, the others not yet;
- ``canonical.swap``: inside the swap transaction, some live tables replaced;
- ``publish.batch``: a batch recorded as being sent, its requests not made;
- ``publish.sent``: a batch sent, its answers not recorded;
- ``webhook.answered``: the receiver has answered 2xx.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ARM_ENV = "ECOM_SYNC_CRASH_AT"
TALLY_ENV = "ECOM_SYNC_CRASH_TALLY"

_passes: Counter[str] = Counter()


def _armed(spec: str) -> dict[str, int]:
    points: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, nth = item.rpartition(":")
        points[name] = int(nth)
    return points


def crash_point(name: str) -> None:
    """Pass the point ``name``: die here if this pass is the one armed."""
    spec = os.environ.get(ARM_ENV)
    tally = os.environ.get(TALLY_ENV)
    if not spec and not tally:
        return
    _passes[name] += 1
    if tally:
        with open(tally, "a", encoding="utf-8") as fh:
            fh.write(f"{name}\n")
    if spec and _armed(spec).get(name) == _passes[name]:
        os.kill(os.getpid(), signal.SIGKILL)
