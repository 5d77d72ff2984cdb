"""Searching generated fact documents for ones that break a pack's declared properties or
leave a complete table undecided (``rulepack verify``), with Hypothesis under a fixed seed.

What each property means is :mod:`rulepack.analysis.properties`; this module draws documents
(:mod:`rulepack.testing.strategies`), shrinks a failure, strips it of every fact it does not
need and prints it as a test case in the ``NAME.test.yaml`` format whose expectation is what the
property demands: pasted beside the pack, ``rulepack test`` fails on it until the pack (or the
property) is fixed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from rulepack.core.processes import can_fork, stopped_by_signals, worker_pool
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


# Told of how far the run is: (checks done, checks in all, the check that is running or, with
# several jobs, the one just done).
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
    # A check of one document at a time judges that document's verdict, so that the pack's
    # other single-document checks judge the same verdict of the same draw (see _Unit).
    judge: Callable[[Verdict, Mapping[str, Any]], _Failure | None] | None = None


@dataclass(frozen=True)
class _Unit:
    """What one search runs: a check over pairs of documents alone, or every check of a pack
    version that judges one document at a time, over the same documents. A draw is most of
    the cost of an example, and those checks draw from the same strategy: drawn once, each
    document is evaluated once and judged by each of them."""

    checks: tuple[_Check, ...]

    @property
    def shared(self) -> bool:
        return self.checks[0].judge is not None


@dataclass(frozen=True)
class _Outcome:
    """What a unit's search gave each of its checks: a finding or none, the examples it
    judged, and whether it ran to its budget (False: the deadline or a stop came first)."""

    finding: Finding | None
    examples: int
    finished: bool


class _Counterexample(Exception):
    def __init__(self, example: Any) -> None:
        super().__init__("counterexample")
        self.example = example


def verify(library: Library, *, seed: int = 0, examples: int = DEFAULT_EXAMPLES,
           packs: Sequence[str] | None = None, time_budget: float | None = None,
           progress: Progress | None = None, jobs: int = 1) -> VerifyReport:
    """Check every declared property and every complete table of the library's packs.

    ``packs`` limits the run to those pack ids (every version of each); an unknown id raises
    :class:`rulepack.EvaluationError`. ``examples`` is the Hypothesis budget of each property
    and table; the same ``seed`` gives the same documents, findings and counterexamples,
    whatever ``jobs`` is. (Hypothesis now and then draws a constant it finds in the source of
    modules imported from outside installed packages: run from a source tree, the documents
    also depend on which of its modules the process has imported.)

    ``time_budget`` (seconds) stops the run cleanly once it is spent: the check under way
    stops at its next example (a counterexample it already found is still shrunk and
    reported), and it and every check not started are listed in ``report.unverified``.
    ``progress`` is told how far the run is (see :data:`Progress`).

    ``jobs`` above 1 runs the searches in that many worker processes where the platform can
    fork (else in this one); TERM and INT then raise
    :class:`rulepack.core.processes.Stopped` once the workers have stopped.
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
    units = _units(checks)
    search = _Search(library, units, seed, examples, deadline)
    outcomes: dict[int, _Outcome] = {}
    for unit, found in zip(units, _searched(search, len(checks), jobs, progress), strict=True):
        outcomes.update(zip(map(id, unit.checks), found, strict=True))
    # In the order of the checks, whatever order their units ran in.
    for check in checks:
        outcome = outcomes[id(check)]
        report.stats.examples += outcome.examples
        if outcome.finding is not None:
            report.findings.append(outcome.finding)
        elif not outcome.finished:
            report.unverified.append(_named(check))
    report.stats.seconds = _clock() - started
    return report


def _named(check: _Check) -> Unverified:
    return Unverified(check.pack.id, check.pack.version, check.name)


def _units(checks: Sequence[_Check]) -> list[_Unit]:
    """The searches to run: each pair check alone, and a pack version's single-document
    checks together, where the first of them stands."""
    groups: dict[object, list[_Check]] = {}  # in the order each group first appears
    for index, check in enumerate(checks):
        key = index if check.judge is None else (check.pack.id, check.pack.version)
        groups.setdefault(key, []).append(check)
    return [_Unit(tuple(group)) for group in groups.values()]


def _checks_of(library: Library, pack: Pack, report: VerifyReport) -> list[_Check]:
    from rulepack.testing import strategies  # Hypothesis loads here, not when packs load.

    checks: list[_Check] = []
    reads = pack_reads(pack)
    schema = models_of(library).schema
    # One strategy for every single-document check of the pack: they search together.
    documents = strategies.facts_of((pack,), schema, complete=True)

    def single(code: str, name: str, where: Where, rule: str | None,
               judge: Callable[[Verdict, Mapping[str, Any]], _Failure | None]) -> _Check:
        test = functools.partial(_judged, library, pack, judge)
        return _Check(pack, code, name, where, rule, documents, test, judge=judge)

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
            checks.append(single(CODES[prop.kind], prop.id, prop.where, None,
                                 functools.partial(_single_failure, library, pack, prop)))
    for rule in pack.rules:
        if isinstance(rule, TableRule) and rule.complete and rule.hit_policy != "collect":
            report.stats.tables += 1
            checks.append(single("RP602", f"table:{rule.id}:gap", rule.where, rule.id,
                                 functools.partial(_gap_failure, library, pack, rule)))
            if rule.hit_policy == "unique":
                checks.append(single("RP601", f"table:{rule.id}:overlap", rule.where, rule.id,
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


def _judged(library: Library, pack: Pack,
            judge: Callable[[Verdict, Mapping[str, Any]], _Failure | None],
            doc: Mapping[str, Any]) -> _Failure | None:
    return judge(_evaluate(library, pack, doc), doc)


def _single_failure(library: Library, pack: Pack, prop: Property, verdict: Verdict,
                    doc: Mapping[str, Any]) -> _Failure | None:
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


def _gap_failure(library: Library, pack: Pack, rule: TableRule, verdict: Verdict,
                 doc: Mapping[str, Any]) -> _Failure | None:
    reason = verdict.reason(rule.id)
    if reason.status != "fail" or reason.details.get("matched") or reason.error:
        return None
    return _Failure(f"no row of table `{rule.id}` matches this document, but the table must "
                    "always decide (complete)",
                    (_case(library, pack, f"table {rule.id} always decides", doc,
                           {"rules": {rule.id: "pass"}}),))


def _overlap_failure(library: Library, pack: Pack, rule: TableRule, verdict: Verdict,
                     doc: Mapping[str, Any]) -> _Failure | None:
    reason = verdict.reason(rule.id)
    if "RP506" not in (reason.error or ""):
        return None
    return _Failure(f"under the unique hit policy, more than one row of table `{rule.id}` "
                    f"matches this document ({reason.error})",
                    (_case(library, pack, f"table {rule.id} has one matching row", doc,
                           {"rules": {rule.id: "pass"}}),))


# -- running the searches ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Search:
    """What every search of a run shares; a worker process inherits it whole when forked."""

    library: Library
    units: Sequence[_Unit]
    seed: int
    examples: int
    deadline: float | None
    # Set by the parent of worker processes to stop every search at its next example.
    stop: Any = None

    def late(self) -> bool:
        return (self.deadline is not None and _clock() >= self.deadline) or (
            self.stop is not None and self.stop.is_set())


def _searched(search: _Search, total: int, jobs: int,
              progress: Progress | None) -> Iterator[list[_Outcome]]:
    """Each unit's outcomes, in the order of the units."""
    units = search.units
    if jobs <= 1 or len(units) <= 1 or not can_fork():
        done = 0
        for unit in units:
            if progress is not None:
                progress(done, total, _named(unit.checks[0]))
            yield _run_unit(search, unit)
            done += len(unit.checks)
        return
    yield from _in_workers(search, total, min(jobs, len(units)), progress)


def _in_workers(search: _Search, total: int, jobs: int,
                progress: Progress | None) -> Iterator[list[_Outcome]]:
    import multiprocessing

    stop = multiprocessing.get_context("fork").Event()
    search = dataclasses.replace(search, stop=stop)
    found: dict[int, list[_Outcome]] = {}
    with stopped_by_signals(), worker_pool(jobs, _start_worker, (search,)) as pool:
        try:
            if progress is not None:
                progress(0, total, _named(search.units[0].checks[0]))
            done = 0
            for index, outcomes in pool.imap_unordered(_run_unit_in_worker,
                                                       range(len(search.units))):
                found[index] = outcomes
                done += len(outcomes)
                if progress is not None:
                    progress(done, total, _named(search.units[index].checks[-1]))
        except BaseException:
            # Stopped, interrupted or failed: the searches still queued or under way stop at
            # their next example, so that the pool's join does not wait for them.
            stop.set()
            raise
    for index in range(len(search.units)):
        yield found[index]


# In a worker process, the run's searches: inherited when the pool forked it.
_WORKER: dict[str, _Search] = {}


def _start_worker(search: _Search) -> None:
    _WORKER["search"] = search


def _run_unit_in_worker(index: int) -> tuple[int, list[_Outcome]]:
    search = _WORKER["search"]
    return index, _run_unit(search, search.units[index])


def _run_unit(search: _Search, unit: _Unit) -> list[_Outcome]:
    if search.late():
        return [_Outcome(None, 0, False) for _ in unit.checks]
    if unit.shared:
        return _run_shared(search, unit.checks)
    return [_run(search, unit.checks[0])]


def _seed_of(seed: int, pack: Pack, name: str) -> int:
    # Each search has a seed of its own, so adding a property leaves the others' examples be.
    return zlib.crc32(f"{seed}:{pack.id}:{pack.version}:{name}".encode())


def _run(search: _Search, check: _Check) -> _Outcome:
    """Search one check for a counterexample; shrink it, prune it, and turn it into a
    finding."""
    example, calls, finished = _search(check, search, _seed_of(search.seed, check.pack,
                                                               check.name))
    if example is None:
        return _Outcome(None, calls, finished)
    return _Outcome(_finding(check, example), calls, True)


def _run_shared(search: _Search, checks: Sequence[_Check]) -> list[_Outcome]:
    """Judge each document drawn for a pack by every single-document check of it. A check
    that fails on one is then searched alone, with its own seed, so that Hypothesis shrinks
    a counterexample of that check; should that search find none, the failing document found
    here is pruned and reported as it is."""
    from hypothesis.errors import Unsatisfiable

    pack = checks[0].pack
    judges = [check.judge for check in checks if check.judge is not None]
    assert len(judges) == len(checks), "a shared search holds single-document checks only"
    failing: dict[int, Any] = {}  # a check's index: the first document it failed on
    calls = 0

    def body(doc: Any) -> None:
        nonlocal calls
        if search.late():
            raise _OutOfTime
        calls += 1
        verdict = _evaluate(search.library, pack, doc)
        for index, judge in enumerate(judges):
            if index not in failing and judge(verdict, doc) is not None:
                failing[index] = doc
        if len(failing) == len(checks):
            raise _AllFailed

    finished = True
    try:
        _runner(checks[0].strategy, body, _seed_of(search.seed, pack, "documents"),
                search.examples)()
    except _OutOfTime:
        finished = False
    except (_AllFailed, Unsatisfiable):
        pass
    outcomes = []
    for index, check in enumerate(checks):
        if index not in failing:
            outcomes.append(_Outcome(None, calls, finished))
            continue
        alone = _run(search, check)
        finding = alone.finding or _finding(check, failing[index])
        outcomes.append(_Outcome(finding, calls + alone.examples, True))
    return outcomes


def _finding(check: _Check, example: Any) -> Finding:
    example = _prune(example, check)
    failure = check.test(example)
    assert failure is not None, "a pruned counterexample must still fail"
    problem = Problem(
        file=check.pack.file, line=check.where.line, column=check.where.column, code=check.code,
        message=failure.message, pack=check.pack.id, rule=check.rule,
        hint="the test case below shows it: paste it beside the pack, then fix the rules "
        "(or the property)")
    return Finding(problem, _case_file(check.pack, failure.cases))


class _OutOfTime(Exception):
    """The time budget ran out (or the run was stopped) while a check was searching."""


class _AllFailed(Exception):
    """Every check of a shared search has failed: there is nothing left to look for."""


def _runner(strategy: SearchStrategy[Any], body: Callable[[Any], None], seed: int,
            examples: int) -> Callable[[], None]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as seeded

    # The documents are large by design and the budget is the user's: no health checks, no
    # deadline, no example database (a run depends on its seed alone), and quiet.
    return seeded(seed)(settings(
        database=None, max_examples=examples, deadline=None, derandomize=False,
        suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet,
        phases=(Phase.explicit, Phase.generate, Phase.shrink), report_multiple_bugs=False,
        print_blob=False,
    )(given(strategy)(body)))


def _search(check: _Check, search: _Search, seed: int) -> tuple[Any, int, bool]:
    """The smallest counterexample Hypothesis finds (or None), the examples tried, and
    whether the search ran to its budget."""
    from hypothesis.errors import Unsatisfiable

    calls = 0
    failing: list[Any] = []  # the latest failing example: the smallest so far, once shrinking

    def body(example: Any) -> None:
        nonlocal calls
        late = search.late()
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

    try:
        _runner(check.strategy, body, seed, search.examples)()
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
