"""Searching generated fact documents for ones that break a pack's declared properties or
leave a complete table undecided (``rulepack verify``), with Hypothesis under a fixed seed.

What each property means is :mod:`rulepack.analysis.properties`; this module draws documents
(:mod:`rulepack.testing.strategies`), shrinks a failure, strips it of every fact it does not
need and prints it as a test case in the ``NAME.test.yaml`` format whose expectation is what the
property demands: pasted beside the pack, ``rulepack test`` fails on it until the pack (or the
property) is fixed.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rulepack.analysis.properties import (
    CODES,
    exclusive_holding,
    monotone_violation,
    pack_reads,
    problems_of,
    shown,
    single_document_violation,
)
from rulepack.core.errors import Problem
from rulepack.core.yaml_writer import yaml_dump
from rulepack.facts.schema import CHINA_TZ, parse_instant
from rulepack.library import Library, models_of
from rulepack.model.pack import Pack, Property, TableRule, Where
from rulepack.verdict.data import Verdict, to_jsonable

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

DEFAULT_EXAMPLES = 200
# The clock the time budget is measured by.
_clock = time.perf_counter

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


@dataclass(frozen=True)
class Unverified:
    """A check the time budget left undone (or cut short: its examples so far found nothing)."""

    pack: str
    version: str
    check: str  # a property id, or ``table:ID:gap`` / ``table:ID:overlap``


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    stats: VerifyStats = field(default_factory=VerifyStats)
    seed: int = 0
    budget: int = DEFAULT_EXAMPLES
    # What the time budget left unverified, in the order it would have run; empty when
    # every check ran to its example budget.
    unverified: list[Unverified] = field(default_factory=list)
    time_budget: float | None = None

    @property
    def ok(self) -> bool:
        """No finding among what was verified (see ``complete`` for whether that is all)."""
        return not self.findings

    @property
    def complete(self) -> bool:
        """Every check ran to its example budget."""
        return not self.unverified


# Called before each check with (checks done, checks in all, the check about to run).
Progress = Callable[[int, int, Unverified], None]


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
           packs: Sequence[str] | None = None, time_budget: float | None = None,
           progress: Progress | None = None) -> VerifyReport:
    """Check every declared property and every complete table of the library's packs.

    ``packs`` limits the run to those pack ids (every version of each); an unknown id raises
    :class:`rulepack.EvaluationError`. ``examples`` is the Hypothesis budget of each property
    and table; the same ``seed`` gives the same documents, findings and counterexamples.

    ``time_budget`` (seconds) stops the run cleanly once it is spent: the check under way
    stops at its next example (a counterexample it already found is still shrunk and
    reported), and it and every check not started are listed in ``report.unverified``.
    ``progress`` is told of each check before it runs.
    """
    started = _clock()
    deadline = None if time_budget is None else started + time_budget
    for pack_id in packs or ():
        library.versions(pack_id)
    report = VerifyReport(seed=seed, budget=examples, time_budget=time_budget)
    checks: list[_Check] = []
    for pack in models_of(library).packs:
        if packs and pack.id not in packs:
            continue
        report.stats.packs += 1
        checks.extend(_checks_of(library, pack, report))
    for done, check in enumerate(checks):
        named = Unverified(check.pack.id, check.pack.version, check.name)
        if deadline is not None and _clock() >= deadline:
            report.unverified.extend(Unverified(c.pack.id, c.pack.version, c.name)
                                     for c in checks[done:])
            break
        if progress is not None:
            progress(done, len(checks), named)
        finding, calls, finished = _run(library, check, seed=seed, examples=examples,
                                        deadline=deadline)
        report.stats.examples += calls
        if finding is not None:
            report.findings.append(finding)
        elif not finished:
            report.unverified.append(named)
    report.stats.seconds = _clock() - started
    return report


def _checks_of(library: Library, pack: Pack, report: VerifyReport) -> list[_Check]:
    from rulepack.testing import strategies  # Hypothesis loads here, not when packs load.

    checks: list[_Check] = []
    reads = pack_reads(pack)
    schema = models_of(library).schema
    for prop in pack.properties:
        problems = problems_of(pack, prop, schema.fields, reads)
        report.findings.extend(Finding(p) for p in problems)
        if problems:
            continue
        report.stats.properties += 1
        if prop.kind == "monotone":
            fact = prop.spec["fact"]
            checks.append(_Check(
                pack, CODES["monotone"], prop.id, prop.where, None,
                strategies.pairs_of((pack,), fact, schema, complete=True),
                functools.partial(_monotone_failure, library, pack, prop), _keeper(fact)))
        else:
            checks.append(_Check(
                pack, CODES[prop.kind], prop.id, prop.where, None,
                strategies.facts_of((pack,), schema, complete=True),
                functools.partial(_single_failure, library, pack, prop)))
    for rule in pack.rules:
        if isinstance(rule, TableRule) and rule.complete and rule.hit_policy != "collect":
            report.stats.tables += 1
            complete = strategies.facts_of((pack,), schema, complete=True)
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
        return f"within {shown(low)}..{shown(high)}"
    return f"at least {shown(low)}" if low is not None else f"at most {shown(high)}"


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
        for index, (a, b) in enumerate(zip(lower, higher, strict=True)):
            if a != b:
                return _moved(a, b, fact, f"{path}[{index}]")
    return f"{path} = {shown(lower)}", f"{path} = {shown(higher)}"


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


def _run(library: Library, check: _Check, *, seed: int, examples: int,
         deadline: float | None = None) -> tuple[Finding | None, int, bool]:
    """Search for a counterexample; shrink it, prune it, and turn it into a finding. Also
    says whether the search ran to its budget (False: the deadline stopped it first)."""
    # Each check has a seed of its own, so adding a property leaves the others' examples be.
    own_seed = zlib.crc32(f"{seed}:{check.pack.id}:{check.pack.version}:{check.name}".encode())
    example, calls, finished = _search(check, seed=own_seed, examples=examples,
                                       deadline=deadline)
    if example is None:
        return None, calls, finished
    example = _prune(example, check)
    failure = check.test(example)
    assert failure is not None, "a pruned counterexample must still fail"
    problem = Problem(
        file=check.pack.file, line=check.where.line, column=check.where.column, code=check.code,
        message=failure.message, pack=check.pack.id, rule=check.rule,
        hint="the test case below shows it: paste it beside the pack, then fix the rules "
        "(or the property)")
    return Finding(problem, _case_file(check.pack, failure.cases)), calls, True


class _OutOfTime(Exception):
    """The time budget ran out while a check was searching."""


def _search(check: _Check, *, seed: int, examples: int,
            deadline: float | None = None) -> tuple[Any, int, bool]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded
    from hypothesis.errors import Unsatisfiable

    calls = 0
    failing: list[Any] = []  # the latest failing example: the smallest so far, once shrinking

    def body(example: Any) -> None:
        nonlocal calls
        late = deadline is not None and _clock() >= deadline
        if late and not failing:
            raise _OutOfTime
        if not late:
            calls += 1
            if check.test(example) is not None:
                failing[:] = [example]
        # Once late, shrinking is cut short: every example "fails" as the smallest so far,
        # raised here, at one place, as Hypothesis demands of one failure.
        if failing and (late or failing[-1] is example):
            raise _Counterexample(failing[-1])

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
    except _Counterexample as counterexample:
        return counterexample.example, calls, True
    except _OutOfTime:
        return None, calls, False
    except Unsatisfiable:
        pass  # every draw was rejected: nothing to report about the pack
    return None, calls, True


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
