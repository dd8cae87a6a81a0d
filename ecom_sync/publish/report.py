"""What a publish did (or, in a dry run, would do): the counts merchants and analysts see."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

STANDARD_OUTCOMES = ("created", "updated", "failed")


@dataclass
class PublishReport:
    destination: str
    dry_run: bool
    plan: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped: dict[str, dict[str, int]] = field(default_factory=dict)
    outcome: dict[str, Counter[str]] = field(default_factory=dict)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    requests: int = 0
    throttled: int = 0
    fired_automations: int = 0
    seconds: float = 0.0

    def count(self, kind: str, what: str, n: int = 1) -> None:
        self.outcome.setdefault(kind, Counter())[what] += n

    def totals(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for kind, states in self.plan.items():
            done = self.outcome.get(kind, Counter())
            out[kind] = {
                "created": done["created"],
                "updated": done["updated"],
                "unchanged": states.get("unchanged", 0),
                "skipped": states.get("skipped", 0),
                "failed": done["failed"],
                "to_send": states.get("new", 0) + states.get("changed", 0)
                + states.get("retry", 0),
                # a destination's own outcomes (e.g. withdrawn, not_sent_historical)
                **{what: n for what, n in sorted(done.items())
                   if what not in STANDARD_OUTCOMES},
            }
        return out

    @property
    def failed(self) -> int:
        return sum(c["failed"] for c in self.outcome.values())

    def text(self) -> str:
        head = "would send (dry run)" if self.dry_run else "published"
        lines = [f"{self.destination}: {head}; {self.requests} requests, "
                 f"{self.throttled} throttled, {self.seconds:.1f}s"]
        for kind, t in self.totals().items():
            lines.append(
                f"  {kind}: to send {t['to_send']}, created {t['created']}, updated "
                f"{t['updated']}, unchanged {t['unchanged']}, skipped {t['skipped']}, "
                f"failed {t['failed']}"
                + "".join(f", {what.replace('_', ' ')} {n}" for what, n in t.items()
                          if what not in (*STANDARD_OUTCOMES, "unchanged", "skipped",
                                          "to_send"))
            )
            for reason, n in self.skipped.get(kind, {}).items():
                lines.append(f"    skipped {n}: {reason}")
        if self.fired_automations:
            lines.append(f"  real-time orders (fire automations): {self.fired_automations}")
        for kind, key, error in self.errors[:10]:
            lines.append(f"  failed {kind} {key}: {error}")
        if self.dry_run:
            for kind, sample in self.samples.items():
                if sample:
                    lines.append(f"  sample {kind}: {json.dumps(sample[0])[:300]}")
        return "\n".join(lines)
