"""How many faults the session injected, by kind (issue 13's closing figures): fault tests
add what their stand-in counted, and the terminal summary prints the totals."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

INJECTED: Counter[str] = Counter()


def tally_faults(injected: Mapping[str, int]) -> None:
    INJECTED.update(injected)


def summary() -> str | None:
    if not INJECTED:
        return None
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(INJECTED.items()))
    return f"faults injected: {sum(INJECTED.values())} ({kinds})"
