"""``rulepack verify``: declared properties and table completeness, checked on generated facts.

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

import argparse
import ast
import dataclasses
import datetime as dt
import functools
import sys
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import yaml

from rulepack import _yaml
from rulepack._errors import EvaluationError, PackError, Problem, did_you_mean
from rulepack._expr import CompiledExpr, FieldInfo
from rulepack._facts import CHINA_TZ, FactSchema, parse_instant
from rulepack._library import Library, bundled, load
from rulepack._model import Pack, Property, TableRule, Where
from rulepack._verdict import Verdict, to_jsonable

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT = 0, 1, 2
DEFAULT_EXAMPLES = 200

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
        out.extend(_problems_of(pack, prop, fields, reads))
    return out


def _problems_of(pack: Pack, prop: Property, fields: Mapping[str, FieldInfo],
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


def _shown(value: Any) -> str:
    return yaml_scalar(to_jsonable(value))


def bounds_violation(verdict: Verdict, name: str, low: float | None,
                     high: float | None) -> str | None:
    """Why result ``name`` breaks ``[low, high]``, or None when it holds (null always holds)."""
    value = verdict.result.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"result.{name} is {_shown(value)}, not a number"
    if low is not None and not value >= low:
        return f"result.{name} is {_shown(value)}, below the minimum {_shown(low)}"
    if high is not None and not value <= high:
        return f"result.{name} is {_shown(value)}, above the maximum {_shown(high)}"
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
        return f"result.{name} is {_shown(x)} and then {_shown(y)}, which have no order: a " \
            "monotone result is a number, a date or an instant"
    if ((y > x) - (y < x)) * sign < 0:
        return f"result.{name} goes from {_shown(x)} {'down' if sign > 0 else 'up'} to " \
            f"{_shown(y)}, but {demand}"
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


# -- the report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A property or table that does not hold, and a test case that shows it (YAML text)."""

    problem: Problem
    counterexample: str | None = None


@dataclass
class VerifyStats:
    packs: int = 0
    properties: int = 0
    tables: int = 0
    examples: int = 0
    seconds: float = 0.0


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    stats: VerifyStats = field(default_factory=VerifyStats)
    seed: int = 0
    budget: int = DEFAULT_EXAMPLES

    @property
    def ok(self) -> bool:
        return not self.findings


# -- checks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    """What one example shows: why it breaks the check, and the cases that make it a test."""

    message: str
    cases: tuple[dict[str, Any], ...]


@dataclass
class _Check:
    """One thing to verify on one pack version, over one kind of generated example."""

    pack: Pack
    code: str
    name: str
    where: Where
    rule: str | None
    strategy: SearchStrategy[Any]
    test: Callable[[Any], _Failure | None]
    # Document paths (``account.violations``) the pruning after shrinking must keep.
    keep: Callable[[str], bool] = lambda path: False


class _Counterexample(Exception):
    def __init__(self, example: Any) -> None:
        super().__init__("counterexample")
        self.example = example


def verify(library: Library, *, seed: int = 0, examples: int = DEFAULT_EXAMPLES,
           packs: Sequence[str] | None = None) -> VerifyReport:
    """Check every declared property and every complete table of the library's packs.

    ``packs`` limits the run to those pack ids (every version of each); an unknown id raises
    :class:`rulepack.EvaluationError`. ``examples`` is the Hypothesis budget of each property
    and table; the same ``seed`` gives the same documents, findings and counterexamples.
    """
    started = time.perf_counter()
    for pack_id in packs or ():
        library.versions(pack_id)
    report = VerifyReport(seed=seed, budget=examples)
    for pack in library.packs:
        if packs and pack.id not in packs:
            continue
        report.stats.packs += 1
        for check in _checks_of(library, pack, report):
            finding, calls = _run(library, check, seed=seed, examples=examples)
            report.stats.examples += calls
            if finding is not None:
                report.findings.append(finding)
    report.stats.seconds = time.perf_counter() - started
    return report


def _checks_of(library: Library, pack: Pack, report: VerifyReport) -> list[_Check]:
    from rulepack import testing  # Hypothesis loads here, not when packs load.

    checks: list[_Check] = []
    reads = pack_reads(pack)
    for prop in pack.properties:
        problems = _problems_of(pack, prop, library.schema.fields, reads)
        report.findings.extend(Finding(p) for p in problems)
        if problems:
            continue
        report.stats.properties += 1
        if prop.kind == "monotone":
            fact = prop.spec["fact"]
            checks.append(_Check(
                pack, CODES["monotone"], prop.id, prop.where, None,
                testing.pairs_for(pack, fact, library, complete=True),
                functools.partial(_monotone_failure, library, pack, prop), _keeper(fact)))
        else:
            checks.append(_Check(
                pack, CODES[prop.kind], prop.id, prop.where, None,
                testing.facts_for(pack, library, complete=True),
                functools.partial(_single_failure, library, pack, prop)))
    for rule in pack.rules:
        if isinstance(rule, TableRule) and rule.complete and rule.hit_policy != "collect":
            report.stats.tables += 1
            complete = testing.facts_for(pack, library, complete=True)
            checks.append(_Check(pack, "RP602", f"table:{rule.id}:gap", rule.where, rule.id,
                                 complete, functools.partial(_gap_failure, library, pack, rule)))
            if rule.hit_policy == "unique":
                checks.append(_Check(
                    pack, "RP601", f"table:{rule.id}:overlap", rule.where, rule.id, complete,
                    functools.partial(_overlap_failure, library, pack, rule)))
    return checks


def _keeper(fact: str) -> Callable[[str], bool]:
    """Paths pruning must keep in a pair: the moved fact, what holds it, and its list."""
    holder = fact.split("[]", 1)[0]

    def keep(path: str) -> bool:
        return fact.startswith(path) or path.startswith(holder)

    return keep


def _evaluate(library: Library, pack: Pack, doc: Mapping[str, Any]) -> Verdict:
    return library.evaluate(pack.id, doc, version=pack.version)


def _single_failure(library: Library, pack: Pack, prop: Property,
                    doc: Mapping[str, Any]) -> _Failure | None:
    verdict = _evaluate(library, pack, doc)
    message = single_document_violation(prop, verdict)
    if message is None:
        return None
    if prop.kind == "bounds":
        expect = _bounds_expectation(verdict, prop)
        name = f"{prop.id} ({prop.spec['field']} {_range_words(prop.spec)})"
    else:
        expect = _exclusive_expectation(pack, verdict, exclusive_holding(
            verdict, prop.spec["outcomes"]))
        name = f"{prop.id} (at most one of {', '.join(prop.spec['outcomes'])})"
    return _Failure(f"property `{prop.id}` does not hold: {message}",
                    (_case(library, pack, name, doc, expect),))


def _range_words(spec: Mapping[str, Any]) -> str:
    low, high = spec.get("min"), spec.get("max")
    if low is not None and high is not None:
        return f"within {_shown(low)}..{_shown(high)}"
    return f"at least {_shown(low)}" if low is not None else f"at most {_shown(high)}"


def _bounds_expectation(verdict: Verdict, prop: Property) -> dict[str, Any]:
    name = prop.spec["field"]
    low, high = prop.spec.get("min"), prop.spec.get("max")
    value = verdict.result.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        demanded = max(low, value) if low is not None else value
        demanded = min(high, demanded) if high is not None else demanded
    else:
        demanded = low if low is not None else high
    return {"result": {name: demanded}}


def _exclusive_expectation(pack: Pack, verdict: Verdict, holding: list[str]) -> dict[str, Any]:
    """The expectation that one entry that holds, after the first, does not: preferably a rule
    (it fails), else a result field (it is false), else a row: a collect row's values are left
    out of the lists; a row of any other table, where a case cannot say "not this row", leaves
    the table's outputs null.
    """
    def preference(entry: str) -> int:
        if entry.startswith("result."):
            return 1
        return 0 if "." not in entry else 2

    entry = min(holding[1:], key=preference)
    if entry.startswith("result."):
        return {"result": {entry[len("result."):]: False}}
    rule_id, _, row_id = entry.partition(".")
    if not row_id:
        return {"rules": {rule_id: "fail"}}
    table = pack.rule(rule_id)
    assert isinstance(table, TableRule)
    row = next(r for r in table.rows if r.id == row_id)
    result = to_jsonable(verdict.result)
    if table.hit_policy != "collect":
        return {"result": {name: None for name in table.outputs}}
    expected: dict[str, Any] = {}
    for name, value in row.then:
        dropped = value if isinstance(value, list) else [value]
        expected[name] = [v for v in result.get(name) or [] if v not in dropped]
    return {"result": expected}


def _monotone_failure(library: Library, pack: Pack, prop: Property,
                      pair: tuple[dict[str, Any], dict[str, Any]]) -> _Failure | None:
    lower_doc, higher_doc = pair
    lower, higher = _evaluate(library, pack, lower_doc), _evaluate(library, pack, higher_doc)
    spec = prop.spec
    message = monotone_violation(lower, higher, direction=spec["direction"], of=spec["of"],
                                 field=spec.get("field"))
    if message is None:
        return None
    fact = spec["fact"]
    before, after = _moved(lower_doc, higher_doc, fact)
    if spec["of"] == "outcome":
        expect: dict[str, Any] = {"outcome": lower.outcome}
        seen: dict[str, Any] = {"outcome": lower.outcome}
    else:
        kept = to_jsonable(lower.result.get(spec["field"]))
        expect = seen = {"result": {spec["field"]: kept}}
    return _Failure(
        f"property `{prop.id}` does not hold: {before} → {after}: {message}",
        (_case(library, pack, f"{prop.id} with {before}", lower_doc, seen),
         _case(library, pack, f"{prop.id} with {after}", higher_doc, expect)))




def _moved(lower: Any, higher: Any, fact: str, path: str = "") -> tuple[str, str]:
    """How the pair differs, in words: ``account.fans = 99999`` → ``account.fans = 100000``."""
    if isinstance(lower, list) and isinstance(higher, list) and len(lower) != len(higher):
        return f"{len(lower)} item(s) in {fact}", f"{len(higher)} item(s) in {fact}"
    if isinstance(lower, dict) and isinstance(higher, dict):
        for key in lower:
            if key in higher and lower[key] != higher[key]:
                return _moved(lower[key], higher[key], fact, f"{path}.{key}" if path else key)
    if isinstance(lower, list) and isinstance(higher, list):
        for index, (a, b) in enumerate(zip(lower, higher)):
            if a != b:
                return _moved(a, b, fact, f"{path}[{index}]")
    return f"{path} = {_shown(lower)}", f"{path} = {_shown(higher)}"


def _gap_failure(library: Library, pack: Pack, rule: TableRule,
                 doc: Mapping[str, Any]) -> _Failure | None:
    reason = _evaluate(library, pack, doc).reason(rule.id)
    if reason.status != "fail" or reason.details.get("matched") or reason.error:
        return None
    return _Failure(f"no row of table `{rule.id}` matches this document, but the table must "
                    "always decide (complete)",
                    (_case(library, pack, f"table {rule.id} always decides", doc,
                           {"rules": {rule.id: "pass"}}),))


def _overlap_failure(library: Library, pack: Pack, rule: TableRule,
                     doc: Mapping[str, Any]) -> _Failure | None:
    reason = _evaluate(library, pack, doc).reason(rule.id)
    if "RP506" not in (reason.error or ""):
        return None
    return _Failure(f"under the unique hit policy, more than one row of table `{rule.id}` "
                    f"matches this document ({reason.error})",
                    (_case(library, pack, f"table {rule.id} has one matching row", doc,
                           {"rules": {rule.id: "pass"}}),))


# -- running one check --------------------------------------------------------------------------


def _run(library: Library, check: _Check, *, seed: int,
         examples: int) -> tuple[Finding | None, int]:
    """Search for a counterexample; shrink it, prune it, and turn it into a finding."""
    # Each check has a seed of its own, so adding a property leaves the others' examples be.
    own_seed = zlib.crc32(f"{seed}:{check.pack.id}:{check.pack.version}:{check.name}".encode())
    example, calls = _search(check, seed=own_seed, examples=examples)
    if example is None:
        return None, calls
    example = _prune(example, check)
    failure = check.test(example)
    assert failure is not None, "a pruned counterexample must still fail"
    problem = Problem(
        file=check.pack.file, line=check.where.line, column=check.where.column, code=check.code,
        message=failure.message, pack=check.pack.id, rule=check.rule,
        hint="the test case below shows it: paste it beside the pack, then fix the rules "
        "(or the property)")
    return Finding(problem, _case_file(check.pack, failure.cases)), calls


def _search(check: _Check, *, seed: int, examples: int) -> tuple[Any, int]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded
    from hypothesis.errors import Unsatisfiable

    calls = 0

    def body(example: Any) -> None:
        nonlocal calls
        calls += 1
        if check.test(example) is not None:
            raise _Counterexample(example)

    # The documents are large by design and the budget is the user's: no health checks, no
    # deadline, no example database (a run depends on its seed alone), and quiet.
    runner = seeded(seed)(settings(
        database=None, max_examples=examples, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.shrink), report_multiple_bugs=False,
        print_blob=False,
    )(given(check.strategy)(body)))
    try:
        runner()
    except _Counterexample as found:
        return found.example, calls
    except Unsatisfiable:
        pass  # every draw was rejected: nothing to report about the pack
    return None, calls


def _prune(example: Any, check: _Check) -> Any:
    """Drop every key the failure does not need, largest first, so the case shows only what
    matters (Hypothesis shrinks values; it keeps keys, since a present fact is its simplest)."""
    changed = True
    while changed:
        changed = False
        first = example[0] if isinstance(example, tuple) else example
        for path in _paths(first):
            if path == ("as_of",) or check.keep(_schema_path(path)):
                continue
            smaller = tuple(_without(doc, path) for doc in example) \
                if isinstance(example, tuple) else _without(example, path)
            if check.test(smaller) is not None:
                example, changed = smaller, True
                break
    return example


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            out.append(prefix + (key,))
            out.extend(_paths(value, prefix + (key,)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            out.extend(_paths(value, prefix + (index,)))
    return out


def _without(document: Any, path: tuple[Any, ...]) -> Any:
    if not path:
        return document
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        if head not in document:
            return document
        if not rest:
            return {k: v for k, v in document.items() if k != head}
        return {**document, head: _without(document[head], rest)}
    if isinstance(document, list) and isinstance(head, int) and head < len(document):
        return [*document[:head], _without(document[head], rest), *document[head + 1:]]
    return document


def _schema_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out = out + "[]" if isinstance(part, int) else (f"{out}.{part}" if out else str(part))
    return out


# -- counterexamples as test cases --------------------------------------------------------------


def _case(library: Library, pack: Pack, name: str, doc: Mapping[str, Any],
          expect: dict[str, Any]) -> dict[str, Any]:
    facts = {k: v for k, v in doc.items() if k != "as_of"}
    case: dict[str, Any] = {"name": name}
    if "as_of" in doc:
        case["as_of"] = _as_of_text(doc["as_of"])
    if len(library.versions(pack.id)) > 1:
        case["version"] = pack.version
    case["facts"] = to_jsonable(facts)
    case["expect"] = to_jsonable(expect)
    return case


def _as_of_text(value: Any) -> str:
    """A midnight in China time is written as its date, the way test cases usually say it."""
    instant = parse_instant(value)
    if instant.utcoffset() == CHINA_TZ.utcoffset(None) and instant.time() == dt.time():
        return instant.date().isoformat()
    return instant.isoformat()


def _case_file(pack: Pack, cases: Sequence[dict[str, Any]]) -> str:
    return yaml_dump({"pack": pack.id, "cases": list(cases)})


_FLOW_WIDTH = 72


def _inline(values: Iterable[Any]) -> bool:
    """Whether a mapping or list with these values reads best on one line, ``{on: ..., x: 1}``:
    scalars only, short, and no `:` (which flow style would have to quote)."""
    values = list(values)
    scalars = all(v is None or isinstance(v, (str, int, float, bool)) for v in values)
    colons = any(isinstance(v, str) and ":" in v for v in values)
    return scalars and not colons and sum(len(str(v)) + 4 for v in values) <= _FLOW_WIDTH


def _dumper() -> Any:
    # A string is quoted exactly when the packs' own YAML reader would read it as something
    # else, so dates stay unquoted and `on:` stays a plain key, as in hand-written cases.
    def increase_indent(self: Any, flow: bool = False, indentless: bool = False) -> Any:
        return yaml.SafeDumper.increase_indent(self, flow, False)

    def ignore_aliases(self: Any, data: Any) -> bool:
        return True  # a test case spells every value out; no &anchors

    def represent_dict(self: Any, data: dict[Any, Any]) -> Any:
        return self.represent_mapping("tag:yaml.org,2002:map", data,
                                      flow_style=_inline([*data, *data.values()]))

    def represent_list(self: Any, data: list[Any]) -> Any:
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data))

    dumper: Any = type("CaseDumper", (yaml.SafeDumper,), {
        "increase_indent": increase_indent, "ignore_aliases": ignore_aliases,
        "yaml_implicit_resolvers": _yaml._Resolver.yaml_implicit_resolvers})
    dumper.add_representer(dict, represent_dict)
    dumper.add_representer(list, represent_list)
    return dumper


_DUMPER = _dumper()


def yaml_dump(data: Any) -> str:
    """``data`` as YAML in the style of the test case files (lists of scalars inline)."""
    return str(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100))


def yaml_scalar(value: Any) -> str:
    """One value as it reads in YAML: 12, 0.15, null, true, douyin, [a, b]."""
    text = yaml_dump(value).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text.removesuffix("...").strip()


# -- the command --------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rulepack verify``."""
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the generated documents (default: 0); the same seed "
                        "finds the same counterexamples")
    parser.add_argument("--budget", type=int, default=DEFAULT_EXAMPLES, metavar="N",
                        help=f"examples per property and per table (default: {DEFAULT_EXAMPLES})")
    parser.add_argument("--pack", action="append", default=[], metavar="ID",
                        help="verify this pack only (repeatable; default: every pack)")


def run_verify(args: argparse.Namespace, out: TextIO | None = None,
               err: TextIO | None = None) -> int:
    """Run ``rulepack verify``: 0 when everything holds, 1 when something does not (or the
    packs do not load), 2 for bad arguments or an unknown pack."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    if args.budget < 1:
        print("rulepack: --budget needs a number of examples, 1 or more", file=stderr)
        return EXIT_INPUT
    try:
        library = load(Path(args.rules) if args.rules else bundled("rules"))
    except PackError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_PROBLEMS
    try:
        report = verify(library, seed=args.seed, examples=args.budget,
                        packs=list(args.pack) or None)
    except EvaluationError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_INPUT
    print_report(report, stdout)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def print_report(report: VerifyReport, out: TextIO) -> None:
    """Each finding with its test case, then one summary line."""
    for finding in report.findings:
        print(str(finding.problem), file=out)
        if finding.counterexample:
            print("  counterexample (a test case; paste it into a .test.yaml file):", file=out)
            for line in finding.counterexample.rstrip("\n").splitlines():
                print(f"    {line}", file=out)
        print(file=out)
    print(summary(report), file=out)


def summary(report: VerifyReport) -> str:
    stats = report.stats
    verdict = "all hold" if report.ok else f"{len(report.findings)} finding(s)"
    return (f"verify: {stats.packs} pack version(s), {stats.properties} propert"
            f"{'y' if stats.properties == 1 else 'ies'}, {stats.tables} table(s), "
            f"{stats.examples:,} examples in {stats.seconds:.1f}s (seed {report.seed}, "
            f"budget {report.budget}): {verdict}")
