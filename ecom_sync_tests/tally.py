"""Issue 13's closing figures, gathered while the tests run and printed in the terminal
summary: faults injected (by kind), crashes survived (by step) and the bad-input corpus's
records normalised and skipped (by reason)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

INJECTED: Counter[str] = Counter()
SURVIVED: dict[str, list[int]] = {}  # step → seeds
CORPUS: Counter[str] = Counter()  # "normalised" / "skipped:<reason>"


def tally_faults(injected: Mapping[str, int]) -> None:
    INJECTED.update(injected)


def tally_crash(step: str, seed: int) -> None:
    SURVIVED.setdefault(step, []).append(seed)


def tally_corpus(outcomes: Mapping[str, int]) -> None:
    CORPUS.update(outcomes)


def summary() -> list[str]:
    lines = []
    if INJECTED:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(INJECTED.items()))
        lines.append(f"faults injected: {sum(INJECTED.values())} ({kinds})")
    if SURVIVED:
        steps = ", ".join(f"{s} {len(v)} (seeds {','.join(map(str, sorted(v)))})"
                          for s, v in sorted(SURVIVED.items()))
        lines.append(f"crashes survived: {sum(map(len, SURVIVED.values()))} ({steps})")
    if CORPUS:
        skipped = {k: n for k, n in CORPUS.items() if k.startswith("skipped:")}
        reasons = ", ".join(f"{k.removeprefix('skipped:')} {n}"
                            for k, n in sorted(skipped.items()))
        lines.append(f"corpus: {CORPUS['normalised']} normalised, {sum(skipped.values())} "
                     f"skipped ({reasons})")
    return lines
