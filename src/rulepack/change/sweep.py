"""What-if sweeps: one pack's outcomes over a corpus at each value of one param.

The corpus is read and validated once; each document is then judged by one compiled copy of
the pack per value (params are inlined as constants, so each value is its own compilation).
States are those of :mod:`rulepack.change.impact`: a document the pack does not apply to is
``not_applicable`` at every value.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from rulepack.batch.jsonl import chunks
from rulepack.change import chart
from rulepack.change.impact import STATES, Side, State, Unreadable, invalid, judge, read_line
from rulepack.change.sources import PackSet, check_param, from_path, with_params

MAX_VALUES = 1000


@dataclass(frozen=True)
class SweepPoint:
    """The documents in each state at one value of the param."""

    value: Any
    counts: Mapping[State, int]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, **{s: self.counts.get(s, 0) for s in STATES}}


@dataclass(frozen=True)
class Sweep:
    """A pack's outcomes at each value of one param over a corpus."""

    pack: str
    param: str
    current: Any  # the value the pack declares (of its newest version that has the param)
    lines: int
    points: tuple[SweepPoint, ...]
    unreadable: tuple[Unreadable, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "param": self.param, "current": self.current,
                "lines": self.lines, "points": [p.to_dict() for p in self.points],
                "unreadable": [u.to_dict() for u in self.unreadable]}

    def text(self) -> str:
        """A table: one row per value, a column per state."""
        states = [s for s in STATES if any(p.counts.get(s) for p in self.points)] or ["pass"]
        head = f"{self.param:>16}" + "".join(f"{s:>16}" for s in states)
        rows = [f"{self.pack}: {self.param} (declared {self.current!r}), {self.lines:,} lines"
                + (f", {sum(u.count for u in self.unreadable):,} could not be read"
                   if self.unreadable else ""), head]
        for point in self.points:
            mark = " *" if point.value == self.current else "  "
            rows.append(f"{_shown(point.value):>14}{mark}"
                        + "".join(f"{point.counts.get(s, 0):>16,}" for s in states))
        rows.append("(* the declared value)")
        return "\n".join(rows) + "\n"

    def svg(self) -> str:
        """The threshold curve: documents passing, failing and unknown at each value."""
        series = {s: [p.counts.get(s, 0) for p in self.points]
                  for s in ("pass", "fail", "unknown")}
        numeric = isinstance(self.current, (int, float)) and not isinstance(self.current, bool)
        return chart.lines(f"{self.pack}: {self.param}", [float(p.value) for p in self.points],
                           series, marker=float(self.current) if numeric else None)


def _shown(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}" \
        if isinstance(value, float) else str(value)


def grid(start: float, stop: float, step: float) -> list[int | float]:
    """``start``, ``start + step``, ... up to ``stop`` inclusive; ints when all three are,
    decimals added exactly (0.1 steps do not drift)."""
    if step == 0 or (stop - start) * step < 0:
        raise ValueError("the step must be non-zero and go from --from towards --to")
    exact = all(isinstance(v, int) for v in (start, stop, step))
    first, last, by = (Decimal(str(v)) for v in (start, stop, step))
    count = int((last - first) / by) + 1
    if count > MAX_VALUES:
        raise ValueError(f"{count:,} values: a sweep takes at most {MAX_VALUES:,}")
    values = [first + by * i for i in range(count)]
    return [int(v) if exact else float(v) for v in values]


def sweep(rules: PackSet | str | os.PathLike[str] | None, pack_id: str, param: str,
          values: Sequence[Any], documents: Iterable[Mapping[str, Any]] | Sequence[str], *,
          as_of: Any = None) -> Sweep:
    """Judge ``documents`` (mappings, or paths of JSON Lines files) with pack ``pack_id`` at
    each of ``values`` of its param ``param``, reading the corpus once."""
    packs = rules if isinstance(rules, PackSet) else \
        from_path(Path(rules) if rules is not None else None)
    check_param(packs, pack_id, param)
    mine = PackSet(packs.label, tuple(p for p in packs.packs if p.pack.id == pack_id))
    declared = [p.pack.params[param] for p in mine.packs if param in p.pack.params]
    sides = [Side(with_params(mine, [(pack_id, param, v)]).library(), f"{param}={v!r}")
             for v in values]
    counts: list[Counter[State]] = [Counter() for _ in values]
    lines = 0
    unreadable: Counter[str] = Counter()
    firsts: dict[str, list[tuple[str, int, str]]] = {}

    def judged(doc: dict[str, Any]) -> None:
        for side, tally in zip(sides, counts, strict=True):
            tally[judge(side, pack_id, doc, as_of)[0]] += 1

    def refused(name: str, number: int, code: str, message: str) -> None:
        unreadable[code] += 1
        kept = firsts.setdefault(code, [])
        if len(kept) < 5:
            kept.append((name, number, message[:300]))

    library = mine.library()
    if _are_paths(documents):
        for chunk in chunks([str(d) for d in documents]):
            for number, raw in enumerate(chunk.lines, start=chunk.first):
                lines += 1
                doc, refusal = read_line(raw, library)
                if refusal is not None:
                    refused(chunk.input, number, *refusal)
                else:
                    judged(doc)
    else:
        for number, doc in enumerate(documents, start=1):
            lines += 1
            refusal = invalid(doc, library)
            if refusal is not None:
                refused("<documents>", number, *refusal)
            else:
                judged(cast(dict[str, Any], doc))  # invalid() let only a dict by
    points = tuple(SweepPoint(v, dict(c)) for v, c in zip(values, counts, strict=True))
    return Sweep(pack_id, param, declared[-1], lines, points,
                 tuple(Unreadable(code, n, tuple(firsts[code]))
                       for code, n in sorted(unreadable.items())))


def _are_paths(documents: Any) -> bool:
    return isinstance(documents, (list, tuple)) and bool(documents) and all(
        isinstance(d, (str, os.PathLike)) for d in documents)
