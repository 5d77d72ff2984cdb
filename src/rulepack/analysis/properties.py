"""Declared properties of packs: what each means, checked at load, and judged on verdicts.

``rulepack verify`` (:mod:`rulepack.testing.verify`) searches for documents that break them.

A pack may declare ``properties:``; each is checked by drawing fact documents from the fact
schema (:mod:`rulepack.testing`) with Hypothesis, under a fixed seed:

- ``bounds``: result ``field``, whenever it is known (not null), lies within ``[min, max]``
  (either end may be left out). A value that is not a number breaks it too.
- ``monotone``: raising ``fact`` (a number, date or instant fact; an item field of a list,
  ``account.violations[].points``, one item at a time; or a list, by adding one item) with
  every other fact unchanged moves the pack only in ``direction``. ``of: outcome`` with
  ``increasing``: a passing document never fails once the fact is higher; with
  ``decreasing``: a failing one never passes. ``unknown`` on either side proves nothing.
  ``of: result``: result ``field`` never goes down (``increasing``) or up (``decreasing``)
  where it is known on both sides.
- ``exclusive``: at most one of ``outcomes`` holds for any document. An entry is a rule id
  (holds when the rule passes), ``RULE.ROW`` (holds when that row of table ``RULE`` matched)
  or ``result.FIELD`` (holds when the field is ``true``).

Every table that must always decide (``complete``, any hit policy but ``collect``) is checked
too: on documents where every fact it reads is present, some row matches (else RP602), and
under the ``unique`` hit policy no two rows match (else RP601).

Documents hold every fact the pack reads: a missing fact only ever turns pass or fail into
unknown, so whatever breaks with facts missing breaks with them filled in too, and complete
documents find it sooner.

A failure is shrunk by Hypothesis, then stripped of every fact it does not need, and printed
as a test case in the ``NAME.test.yaml`` format whose expectation is what the property demands:
pasted beside the pack, ``rulepack test`` fails on it until the pack (or the property) is fixed.

Loading packs checks their properties with :func:`property_problems` from here, so Hypothesis
itself is imported only once verifying starts.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from rulepack.core.errors import Problem, did_you_mean
from rulepack.core.yaml_writer import yaml_scalar
from rulepack.facts.schema import FactSchema
from rulepack.lang.expressions import CompiledExpr, FieldInfo
from rulepack.model.pack import Pack, Property, TableRule
from rulepack.verdict.data import Verdict, to_jsonable

CODES = {"bounds": "RP604", "monotone": "RP605", "exclusive": "RP606"}
_MONOTONE_KINDS = ("integer", "number", "date", "instant", "array")
# Only pass and fail are verdicts; unknown says the facts did not suffice to tell.
_RANK = {"fail": 0, "pass": 1}


# -- what a pack reads --------------------------------------------------------------------------


def _walk(value: Any, visit: Callable[[CompiledExpr], None], seen: set[int]) -> None:
    if id(value) in seen or isinstance(value, (str, int, float, bool, type(None))):
        return
    seen.add(id(value))
    if isinstance(value, CompiledExpr):
        visit(value)
    elif dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            _walk(getattr(value, item.name), visit, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk(item, visit, seen)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, visit, seen)


def expressions_of(pack: Pack) -> list[CompiledExpr]:
    """Every compiled expression of a pack: conditions, assignments, rows, scores."""
    out: list[CompiledExpr] = []
    _walk(pack, out.append, set())
    return out


def pack_reads(pack: Pack) -> frozenset[str]:
    """The fact paths a pack reads, with item fields as ``account.violations[].points``."""
    out: set[str] = set()
    for expr in expressions_of(pack):
        out.update(r for r in expr.reads if not r.startswith("result."))
        # Item fields read inside comprehensions are marked on the tree by the compiler.
        out.update(path for node in ast.walk(expr.tree)
                   if isinstance(path := getattr(node, "rp_path", None), str))
    return frozenset(out)


def _reads_fact(reads: frozenset[str], fact: str) -> bool:
    """Whether a pack reading ``reads`` can see ``fact`` (or the list holding it)."""
    holder = fact.split("[]", 1)[0]
    return any(r in (fact, holder) or r.startswith((fact + ".", fact + "[]")) for r in reads)


# -- RP213: properties that name nothing the pack has -------------------------------------------


def property_problems(pack: Pack, schema: FactSchema | Mapping[str, FieldInfo]) -> list[Problem]:
    """Every property of ``pack`` that names an unknown result field, fact, rule or row, or a
    fact of a kind its property cannot move (RP213), and every property id used twice (RP106).
    """
    fields = schema.fields if isinstance(schema, FactSchema) else schema
    out: list[Problem] = []
    seen: set[str] = set()
    reads = pack_reads(pack)
    for prop in pack.properties:
        if prop.id in seen:
            out.append(_problem(pack, prop, "RP106", f"the property id `{prop.id}` is used twice",
                                prop.id, "give each property its own id"))
        seen.add(prop.id)
        out.extend(problems_of(pack, prop, fields, reads))
    return out


def problems_of(pack: Pack, prop: Property, fields: Mapping[str, FieldInfo],
                 reads: frozenset[str]) -> list[Problem]:
    spec = prop.spec
    out: list[Problem] = []
    if prop.kind == "bounds" or spec.get("of") == "result":
        out.extend(_field_problems(pack, prop))
    if prop.kind == "bounds":
        low, high = spec.get("min"), spec.get("max")
        if low is not None and high is not None and low > high:
            out.append(_problem(pack, prop, "RP213", f"min {low} is above max {high}",
                                str(low), "swap them"))
    elif prop.kind == "monotone":
        out.extend(_fact_problems(pack, prop, fields, reads))
        if spec.get("of") == "outcome" and "field" in spec:
            out.append(_problem(pack, prop, "RP213", "`field` goes with `of: result`; a "
                                "property of the outcome names no field", spec["field"],
                                "write `of: result`, or leave `field` out"))
    elif prop.kind == "exclusive":
        for entry in spec.get("outcomes") or ():
            message, hint = _entry_problem(pack, entry)
            if message:
                out.append(_problem(pack, prop, "RP213", message, entry, hint))
    return out


def _field_problems(pack: Pack, prop: Property) -> list[Problem]:
    name = prop.spec.get("field")
    if name in pack.result_fields:
        return []
    if name is None:
        return [_problem(pack, prop, "RP213", "a property of a result needs `field`", prop.id,
                         "name the result field, e.g. field: remaining")]
    return [_problem(pack, prop, "RP213", f"`{name}` is not a result field of the pack", name,
                     did_you_mean(name, pack.result_fields)
                     or "result fields: " + (", ".join(pack.result_fields) or "none"))]


def _fact_problems(pack: Pack, prop: Property, fields: Mapping[str, FieldInfo],
                   reads: frozenset[str]) -> list[Problem]:
    fact = str(prop.spec.get("fact", ""))
    info = fields.get(fact)
    if info is None:
        return [_problem(pack, prop, "RP213", f"`{fact}` is not a fact path of the fact schema",
                         fact, did_you_mean(fact, fields)
                         or "fact paths are listed in schemas/facts.schema.json")]
    if info.kind not in _MONOTONE_KINDS or fact.count("[]") > 1 or (
            info.kind == "array" and "[]" in fact):
        return [_problem(pack, prop, "RP213", f"`{fact}` is a {info.kind} fact; a monotone "
                         "property raises a number, a date, an instant, an item field of a list "
                         "or the length of a list", fact, None)]
    if not _reads_fact(reads, fact):
        return [_problem(pack, prop, "RP213", f"the pack never reads `{fact}`, so raising it "
                         "can change nothing", fact, "name a fact the rules read")]
    return []


def _entry_problem(pack: Pack, entry: str) -> tuple[str | None, str | None]:
    if entry.startswith("result."):
        name = entry[len("result."):]
        if name in pack.result_fields:
            return None, None
        return (f"`{name}` is not a result field of the pack",
                did_you_mean(name, pack.result_fields))
    rule_id, _, row_id = entry.partition(".")
    rules = {rule.id: rule for rule in pack.rules}
    if rule_id not in rules:
        return f"`{rule_id}` is not a rule of the pack", did_you_mean(rule_id, rules)
    rule = rules[rule_id]
    if not row_id:
        return None, None
    if not isinstance(rule, TableRule):
        return f"`{rule_id}` is a {rule.kind} rule, so it has no row `{row_id}`", \
            f"write `{rule_id}` alone: it holds when the rule passes"
    rows = [row.id for row in rule.rows]
    if row_id not in rows:
        return f"table `{rule_id}` has no row `{row_id}`", did_you_mean(row_id, rows)
    return None, None


def _problem(pack: Pack, prop: Property, code: str, message: str, value: str | None,
             hint: str | None) -> Problem:
    return Problem(file=pack.file, line=prop.where.line, column=prop.where.column, code=code,
                   message=f"property `{prop.id}`: {message}", pack=pack.id, value=value,
                   hint=hint)


# -- what the properties mean, on verdicts ------------------------------------------------------


def shown(value: Any) -> str:
    return yaml_scalar(to_jsonable(value))


def bounds_violation(verdict: Verdict, name: str, low: float | None,
                     high: float | None) -> str | None:
    """Why result ``name`` breaks ``[low, high]``, or None when it holds (null always holds)."""
    value = verdict.result.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"result.{name} is {shown(value)}, not a number"
    if low is not None and not value >= low:
        return f"result.{name} is {shown(value)}, below the minimum {shown(low)}"
    if high is not None and not value <= high:
        return f"result.{name} is {shown(value)}, above the maximum {shown(high)}"
    return None


def _comparable(a: Any, b: Any) -> bool:
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
    instants = all(isinstance(v, dt.datetime) for v in (a, b))
    dates = all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in (a, b))
    return numbers or instants or dates


def monotone_violation(lower: Verdict, higher: Verdict, *, direction: str, of: str,
                       field: str | None = None) -> str | None:
    """Why going from ``lower``'s document to ``higher``'s (the fact raised) breaks the
    property, or None when it holds."""
    sign = 1 if direction == "increasing" else -1
    demand = _MONOTONE_DEMAND[(of, direction)]
    if of == "outcome":
        a, b = lower.outcome, higher.outcome
        if a in _RANK and b in _RANK and (_RANK[b] - _RANK[a]) * sign < 0:
            return f"the outcome goes from {a} to {b}, but {demand}"
        return None
    name = field or ""
    x, y = lower.result.get(name), higher.result.get(name)
    if x is None or y is None:
        return None
    if not _comparable(x, y):
        return f"result.{name} is {shown(x)} and then {shown(y)}, which have no order: a " \
            "monotone result is a number, a date or an instant"
    if ((y > x) - (y < x)) * sign < 0:
        return f"result.{name} goes from {shown(x)} {'down' if sign > 0 else 'up'} to " \
            f"{shown(y)}, but {demand}"
    return None


_MONOTONE_DEMAND = {
    ("outcome", "increasing"): "raising the fact may never turn pass into fail",
    ("outcome", "decreasing"): "raising the fact may never turn fail into pass",
    ("result", "increasing"): "raising the fact may never lower the field",
    ("result", "decreasing"): "raising the fact may never raise the field",
}


def exclusive_holding(verdict: Verdict, entries: Iterable[str]) -> list[str]:
    """The entries that hold in ``verdict`` (see the module docstring for what each means)."""
    reasons = {reason.rule: reason for reason in verdict.reasons}
    holding: list[str] = []
    for entry in entries:
        if entry.startswith("result."):
            holds = verdict.result.get(entry[len("result."):]) is True
        else:
            rule_id, _, row_id = entry.partition(".")
            reason = reasons.get(rule_id)
            if reason is None:
                holds = False
            elif row_id:
                holds = row_id in (reason.details.get("matched") or ())
            else:
                holds = reason.status == "pass"
        if holds:
            holding.append(entry)
    return holding


def single_document_violation(prop: Property, verdict: Verdict) -> str | None:
    """Why one verdict breaks a bounds or exclusive property; None for monotone properties."""
    spec = prop.spec
    if prop.kind == "bounds":
        return bounds_violation(verdict, spec["field"], spec.get("min"), spec.get("max"))
    if prop.kind == "exclusive":
        return exclusive_message(exclusive_holding(verdict, spec["outcomes"]), spec["outcomes"])
    return None


def exclusive_message(holding: Sequence[str], entries: Sequence[str]) -> str | None:
    """Why ``holding`` breaks exclusivity of ``entries``, or None when at most one holds."""
    if len(holding) < 2:
        return None
    both = "both" if len(holding) == 2 else "all"
    return f"{', '.join(holding[:-1])} and {holding[-1]} {both} hold, but at most one of " \
        f"{', '.join(entries)} may"


