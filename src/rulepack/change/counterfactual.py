"""The smallest change of facts that would turn a failing verdict into a pass.

Candidates come from what the failing rules' checks already know: a threshold check's gap
(``account.fans >= 100000`` failing at 99,999: set fans to 100,000), a boolean fact to flip, a
value a membership check wants, and for a list a rule reads, the removal of one of its items
(or of all). Candidates are tried alone, then two and three at once (on different facts), and
each try is *evaluated*: only a document the pack passes is an answer, and among those with
the fewest changed facts, the one changing them least. A changed document that breaks the fact
schema (fans below 0, a rate above 1) is never an answer; when only such documents would pass,
the result says so. Where no combination of candidates passes within ``max_changes``, it says
that too, rather than guess.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from rulepack.library import Library, models_of
from rulepack.verdict.data import Check, Reason, to_jsonable

MAX_CHANGES = 3
MAX_TRIES = 3000
MAX_ITEMS = 20
_REMOVED = object()


@dataclass(frozen=True)
class FactChange:
    """One fact to change: from ``old`` to ``new`` (for a list, ``removed`` items taken out),
    and by how much, in words."""

    path: str
    old: Any
    new: Any
    how: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "old": to_jsonable(self.old), "new": to_jsonable(self.new),
                "how": self.how}


@dataclass(frozen=True)
class Counterfactual:
    """The nearest passing document for one pack, where one was found."""

    pack: str
    outcome: str  # the verdict's outcome before any change
    found: bool
    changes: tuple[FactChange, ...] = ()
    document: Mapping[str, Any] | None = None
    note: str = ""
    tried: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "outcome": self.outcome, "found": self.found,
                "changes": [c.to_dict() for c in self.changes], "note": self.note,
                "tried": self.tried}

    def text(self) -> str:
        if not self.found:
            return f"{self.pack}: no passing document found: {self.note}"
        lines = [f"{self.pack}: it would pass with {len(self.changes)} change(s):"]
        lines += [f"  {c.path}: {c.how}" for c in self.changes]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Candidate:
    path: str
    value: Any  # the new value; for a list, the list without some items
    cost: float
    how: str


def counterfactual(library: Library, pack_id: str, facts: Mapping[str, Any], *,
                   as_of: Any = None, version: str | None = None,
                   max_changes: int = MAX_CHANGES) -> Counterfactual:
    """The fewest facts to change in ``facts`` for pack ``pack_id`` to pass, and by how much
    (see the module's docstring); ``found`` is False, with a note, when there is no answer."""
    verdict = library.evaluate(pack_id, facts, as_of=as_of, version=version)
    if verdict.outcome != "fail":
        note = "it passes already" if verdict.outcome == "pass" else \
            "the verdict is unknown, not failing: missing " + ", ".join(verdict.missing)
        return Counterfactual(pack_id, verdict.outcome, False, note=note)
    failing = [r for r in verdict.reasons if r.status in ("fail", "unknown")]
    candidates = _deduplicated(c for reason in failing for c in _candidates(reason, facts))
    if not candidates:
        return Counterfactual(pack_id, "fail", False, note="the failing checks name no fact "
                              "a single value could fix (computed values, dates against today)")
    problems = models_of(library).schema.problems
    tries = 0
    outside = False
    for size in range(1, max_changes + 1):
        passing: list[tuple[float, tuple[_Candidate, ...], dict[str, Any]]] = []
        for combo in itertools.combinations(candidates, size):
            if len({c.path for c in combo}) < size:
                continue  # two values for one fact
            if tries >= MAX_TRIES:
                break
            tries += 1
            changed = _apply(facts, combo)
            if library.evaluate(pack_id, changed, as_of=as_of, version=version,
                                validate=False).outcome != "pass":
                continue
            if problems(changed):
                outside = True
                continue
            passing.append((sum(c.cost for c in combo), combo, changed))
        if passing:
            _, combo, changed = min(passing, key=lambda p: p[0])
            return Counterfactual(pack_id, "fail", True, tuple(
                FactChange(c.path, _get(facts, c.path), c.value, c.how) for c in combo),
                changed, tried=tries)
    note = (f"no change of up to {max_changes} fact(s) among those the failing checks name "
            "passes")
    if outside:
        note += "; some would pass only with values the fact schema does not allow"
    if tries >= MAX_TRIES:
        note += f" (stopped after {MAX_TRIES:,} tries)"
    return Counterfactual(pack_id, "fail", False, note=note, tried=tries)


def _deduplicated(candidates: Iterator[_Candidate]) -> list[_Candidate]:
    seen: dict[tuple[str, str], _Candidate] = {}
    for candidate in candidates:
        seen.setdefault((candidate.path, repr(candidate.value)), candidate)
    return sorted(seen.values(), key=lambda c: c.cost)


def _candidates(reason: Reason, facts: Mapping[str, Any]) -> Iterator[_Candidate]:
    for check in reason.checks:
        if check.path is None:
            continue
        actual = _get(facts, check.path)
        if actual is _REMOVED:
            continue
        yield from _for_check(check, actual)
    for path, value in reason.values.items():
        if isinstance(value, list) and value:
            yield from _removals(path, value)


def _for_check(check: Check, actual: Any) -> Iterator[_Candidate]:
    path = check.path
    assert path is not None
    want_pass = check.status != "pass"  # a passing check in a failing rule sits under a `not`
    if check.op is None:
        if isinstance(actual, bool):
            yield _Candidate(path, not actual, 1.0, f"{_word(actual)} → {_word(not actual)}")
        return
    op = check.op if want_pass else _NEGATED.get(check.op, "")
    threshold = check.threshold
    if op in ("in", "=="):
        options = threshold if isinstance(threshold, (list, tuple)) and op == "in" \
            else (threshold,)
        for option in options:
            if option != actual and not isinstance(option, (list, tuple)):
                yield _Candidate(path, option, 1.0, f"{_word(actual)} → {_word(option)}")
        return
    target = _boundary(op, threshold, actual)
    if target is None:
        return
    yield _Candidate(path, _as_fact(target, actual), _distance(actual, target),
                     _how(actual, target, check.rate))


_NEGATED = {">=": "<", ">": "<=", "<=": ">", "<": ">="}


def _boundary(op: str, threshold: Any, actual: Any) -> Any:
    """The value nearest ``actual`` on the passing side of ``x OP threshold``."""
    if isinstance(threshold, bool):
        return None
    if isinstance(threshold, dt.date) and not isinstance(threshold, dt.datetime):
        one: Any = dt.timedelta(days=1)
    elif isinstance(threshold, int) and isinstance(actual, int):
        one = 1
    elif isinstance(threshold, (int, float)):
        return {">=": threshold, "<=": threshold,
                ">": math.nextafter(threshold, math.inf),
                "<": math.nextafter(threshold, -math.inf)}.get(op)
    else:
        return None
    return {">=": threshold, "<=": threshold, ">": threshold + one,
            "<": threshold - one}.get(op)


def _as_fact(value: Any, actual: Any) -> Any:
    """A value written as the document writes its fact (dates as ISO text)."""
    if isinstance(value, dt.date) and isinstance(actual, str):
        return value.isoformat()
    return value


def _distance(actual: Any, target: Any) -> float:
    if isinstance(actual, (int, float)) and isinstance(target, (int, float)):
        return abs(target - actual) / max(abs(actual), 1)
    return 1.0


def _how(actual: Any, target: Any, rate: bool) -> str:
    if isinstance(actual, (int, float)) and isinstance(target, (int, float)) \
            and not isinstance(actual, bool):
        delta = target - actual
        if rate:
            return (f"{actual * 100:.4g} % → {target * 100:.4g} % "
                    f"({delta * 100:+.4g} percentage points)")
        sign = "more" if delta > 0 else "less"
        amount = f"{abs(delta):,}" if isinstance(delta, int) else f"{abs(delta):.6g}"
        return f"{actual:,} → {target:,} ({amount} {sign})"
    return f"{_word(actual)} → {_word(target)}"


def _removals(path: str, items: list[Any]) -> Iterator[_Candidate]:
    for index, item in enumerate(items[:MAX_ITEMS]):
        rest = items[:index] + items[index + 1:]
        yield _Candidate(path, rest, 1.0 + 1 / (len(items) + 1),
                         f"remove 1 of {len(items)} item(s): {_word(to_jsonable(item))}")
    if len(items) > 1:
        yield _Candidate(path, [], float(len(items)), f"remove all {len(items)} items")


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _get(facts: Mapping[str, Any], path: str) -> Any:
    node: Any = facts
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _REMOVED
        node = node[part]
    return node


def _apply(facts: Mapping[str, Any], combo: tuple[_Candidate, ...]) -> dict[str, Any]:
    changed = copy.deepcopy(dict(facts))
    for candidate in combo:
        node = changed
        *parents, last = candidate.path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = candidate.value
    return changed


def print_counterfactual(library: Library, pack_id: str, facts: Mapping[str, Any],
                         out: TextIO, *, as_of: Any = None, version: str | None = None) -> None:
    """For ``rulepack eval --counterfactual``: the nearest passing document, in words."""
    print(counterfactual(library, pack_id, facts, as_of=as_of, version=version).text(),
          file=out)
