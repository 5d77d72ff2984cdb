"""Evaluating one compiled pack against one fact document, into a :class:`Verdict`.

Logic is three-valued (Kleene): a condition whose facts are missing is ``unknown``, an ``all``
group with a failing member fails whatever else is unknown, an ``any`` group with a passing
member passes. Every member of a group is evaluated (no short-circuit between atoms) so that the
explanation lists every failing prerequisite, not just the first.

Rules run in pack order; each may set result fields that later rules read. All state lives in a
:class:`_Run` made for one request, which then keeps only what its verdict's explanation reads.
What does not depend on the document (check sites, and the compiled code of
:mod:`rulepack.engine.codegen` when the fast path is on) is made once per pack in a
:class:`Plan`. What statuses mean (Kleene logic, hit policies) is :mod:`rulepack.model.logic`;
why an expression fails is :mod:`rulepack.engine.failures`. Explanations are recorded as
compact data; the verdict turns them into :class:`Reason` and :class:`Check` objects only when
they are read.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import math
import operator
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from rulepack.core.errors import RuntimeFailure
from rulepack.engine.failures import (
    FAILURES,
    RUNTIME_ERRORS,
    NotFinite,
    deduction_failure,
    error_text,
    failure_of,
    finite,
    not_computed,
    score_failure,
    unique_clash,
)
from rulepack.engine.partial import LoopCode, Partial, lists_looked_into
from rulepack.engine.sandbox import LimitExceeded, Sandbox
from rulepack.facts.schema import FactSchema, Missing, china_day
from rulepack.lang.expressions import SPECIAL_NAMES, CompiledExpr, Limits
from rulepack.model.bounds import (
    Bound,
    add,
    at_least,
    at_most,
    compare,
    partial_list,
    subtract,
    truth,
)
from rulepack.model.logic import ALL, HIT_POLICIES, NEGATE, pack_outcome
from rulepack.model.pack import (
    AllOf,
    AnyOf,
    Assignment,
    Atom,
    CheckRule,
    Condition,
    Constant,
    NotOf,
    OutputRule,
    Pack,
    Row,
    Rule,
    ScoreRule,
    Status,
    TableRule,
    Text,
    atoms_in,
    reads_of,
)
from rulepack.verdict.data import Check, CheckRecord, CheckSite, Reason, Verdict
from rulepack.verdict.kept import UNREAD, RawCondition

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b, "is": operator.is_, "is not": operator.is_not,
}

# A condition's status and the records of the checks that decided it.
Outcome = tuple[Status, tuple[CheckRecord, ...]]
ConditionCode = Callable[["_Run"], Outcome]
ExpressionCode = Callable[["_Run"], Any]
RulesCode = Callable[["_Run"], "tuple[tuple[_RuleRecord, ...], Status]"]

# The outcome of a condition that holds with no check to show (a row or rule with no `when`).
PASSED: Outcome = ("pass", ())


class ExpressionFailed(Exception):
    """An expression gave no value: facts were missing, or it failed (``failure``)."""

    def __init__(self, failure: RuntimeFailure | None, missing: tuple[str, ...] = ()) -> None:
        super().__init__(str(failure) if failure else "missing")
        self.failure = failure
        self.missing = missing

    def error(self) -> str | None:
        """The error text of the check the expression served (none for missing facts)."""
        return None if self.failure is None else str(self.failure)


class Plan:
    """One pack made ready to evaluate against one fact schema.

    Holds the check site of every atom and, when the fast path compiled them, Python code for
    conditions and expressions (keyed by the id of the model object, which the plan keeps
    alive through ``pack``). Anything without code runs in the simpleeval sandbox.
    """

    def __init__(self, pack: Pack, schema: FactSchema, limits: Limits) -> None:
        self.pack = pack
        self.schema = schema
        self.limits = limits
        self.sites: dict[int, CheckSite] = {}
        self.conditions: dict[int, ConditionCode] = {}
        self.expressions: dict[int, ExpressionCode] = {}
        # Every rule at once, for a pack without `when`: see rulepack.engine.codegen.
        self.rules_code: RulesCode | None = None
        # The conditions that code evaluates raw, by id: see RawCondition.
        self.raw_conditions: dict[int, RawCondition] = {}
        # The expressions the fast path could not compile, which run in the sandbox (by id,
        # in the order met): what `rulepack check --sandboxed` lists.
        self.sandboxed: dict[int, CompiledExpr] = {}
        # What renderers of this plan's verdicts make once and keep (verdict.json_writer's
        # writers per language): it lives and dies with the plan, so no cache is keyed by id().
        self.renderings: dict[str, Any] = {}
        # How an expression looks into lists, by id (see partial.lists_looked_into and
        # _Run.may_know); filled in as asked, with a value that does not depend on who asks
        # first.
        self.looks_into_lists: dict[int, str | bool] = {}
        # Each expression's reads as _Run.missing_of looks them up, by id (see _read_kinds);
        # filled in as asked, like looks_into_lists.
        self.read_kinds: dict[int, tuple[tuple[str, int, str], ...]] = {}
        # How the compiled engine compiles a comprehension alone, for looks that read a
        # list's records whole (see partial.Partial.alone_reader), and what it made of each,
        # by the id of its node; None in the sandbox engine.
        self.compile_loop: Callable[[ast.Expression], LoopCode | None] | None = None
        self.loops: dict[int, LoopCode | None] = {}
        # What each table's hit policy made of its rows' statuses, by (id of the rule, the
        # statuses): see hits_of.
        self.hits: dict[tuple[int, tuple[Status, ...]], _TableHits] = {}
        # Per table (by the id of its rule), the statuses of its rows that decide it alone
        # and what they decide (False for those that do not): see table_shortcut.
        self.table_shortcuts: dict[int, dict[tuple[Status, ...], _Shortcut | bool]] = {}
        for atom in atoms_of(pack):
            self.sites[id(atom)] = _site(atom, schema)
        # The facts each rule refers to, for its reason's values: those of its `when` alone
        # (when it was skipped) and those of the whole rule; each with its place in
        # `_Run.facts` (-1: none), filled in by compiled code (`slot_facts`).
        self.facts_of: dict[int, tuple[_Facts, _Facts]] = {
            id(rule): (tuple((p, -1) for p in _facts_only(reads_of(rule.when))),
                       tuple((p, -1) for p in _facts_only(reads_of(rule))))
            for rule in pack.rules
        }

    def loop_code(self, loop: ast.AST) -> LoopCode | None:
        """The compiled code of the comprehension ``loop`` alone, made when first asked for;
        None when it stays in the sandbox."""
        key = id(loop)
        if key not in self.loops:
            assert self.compile_loop is not None and isinstance(loop, ast.expr)
            # Compiling builds ASTs, which CPython does not allow from two threads at once.
            with _COMPILING:
                if key not in self.loops:
                    self.loops[key] = self.compile_loop(ast.Expression(body=loop))
        return self.loops[key]

    def hits_of(self, rule: TableRule, statuses: tuple[Status, ...]) -> _TableHits:
        """What the hit policy of ``rule`` makes of its rows' statuses (a first-hit table's up
        to the row it stopped at), made once and then found in ``hits``: the rows that decide
        (their indexes), whether unknown rows leave the table open, each row's status by id,
        the error of a clash, the winning rows and their ids. A table has few rows and its
        documents fall in few of their combinations."""
        known = self.hits.get((id(rule), statuses))
        if known is not None:
            return known
        rows = rule.rows
        won, undecided, clash = HIT_POLICIES[rule.hit_policy](rule.priorities, statuses)
        winners = tuple([rows[i] for i in won])
        hits: _TableHits = (
            won, undecided,
            # (A first-hit table may have stopped before its last row: zip stops there too.)
            dict(zip(rule.row_ids, statuses, strict=False)),
            unique_clash([rows[i].id for i in clash]) if clash else None,
            winners, tuple([r.id for r in winners]))
        if len(self.hits) >= _HITS_REMEMBERED:
            self.hits.clear()
        self.hits[(id(rule), statuses)] = hits
        return hits

    def table_shortcut(self, rule: TableRule, statuses: tuple[Status, ...], run: _Run) \
            -> _Shortcut | None:
        """What a table that applies makes of its rows' ``statuses`` when they say it alone,
        made once: the same status, fields, checks and details as ``_Run.table_of`` gives.
        They do when there is no clash and either no row is unknown and the winning rows'
        outputs are constants (a literal, or an expression of literals and params with a
        plain value, evaluated once by ``run``), or unknown rows leave the table open: a
        table other than collect then has every output null, waiting for the facts those
        rows lack; a collect table the lists of its passing rows, known in part (what the
        passing and unknown rows may give), when those rows' outputs are constants. None
        when they do not (``_Run.table_of`` then decides). Kept in ``table_shortcuts``
        (False for None), where compiled code looks first."""
        won, undecided, rows, clash, winners, matched = self.hits_of(rule, statuses)
        shortcut: _Shortcut | None = None
        collects = rule.hit_policy == "collect"
        # The rows whose outputs a collect table's lists are made of (what they may hold,
        # when open), or the winner's.
        giving = [row for row in rule.rows if rows.get(row.id) in ("pass", "unknown")] \
            if collects and undecided else winners
        values = _constant_outputs(giving, run)
        # Indexes of the rows whose checks decide; None when open (the unknown rows' do).
        picked = None if undecided else won
        if clash is not None or (collects and values is None):
            pass
        elif collects:
            known_values = cast(dict[int, Any], values)

            def value_of(expr: CompiledExpr) -> Any:
                return known_values[id(expr)]
            # Per output: its certain items, what it may hold when open, its bound's key.
            fields: tuple[tuple[Any, ...], ...] = tuple(
                (name, tuple(_gathered(name, winners, value_of)),
                 tuple(_gathered(name, giving, value_of)) if undecided else None,
                 "result." + name) for name in rule.outputs)
            status: Status = "unknown" if undecided else \
                "fail" if rule.complete and not winners else "pass"
            shortcut = (status, rows, matched, fields, picked, ())
        elif undecided:
            # No row wins: every output null, waiting for the facts the unknown rows lack.
            shortcut = ("unknown", rows, matched, tuple((name, None) for name in rule.outputs),
                        picked, ())
        elif values is not None:
            # As _Run.table_of sets them: every output null, then the winning row's.
            set_fields = (
                *((name, None) for name in rule.outputs),
                *((key, values[id(value)] if isinstance(value, CompiledExpr) else value)
                  for key, value in (winners[0].then if winners else ())))
            shortcut = ("fail" if rule.complete and not winners else "pass", rows, matched,
                        set_fields, picked, tuple(dict.fromkeys(
                            name for name, value in set_fields if type(value) in _CONTAINERS)))
        known = self.table_shortcuts.setdefault(id(rule), {})
        if len(known) >= _SHORTCUTS_REMEMBERED:
            known.clear()
        known[statuses] = shortcut or False
        return shortcut

    def slot_facts(self, slots: Mapping[str, int]) -> None:
        """Record where compiled code keeps each fact it reads (see `_Run.facts`)."""
        def placed(facts: _Facts) -> _Facts:
            return tuple((path, slots.get(path, -1)) for path, _ in facts)

        self.facts_of = {key: (placed(when), placed(whole))
                         for key, (when, whole) in self.facts_of.items()}

    def evaluate(self, document: Any, as_of: dt.datetime, today: dt.date | None = None) \
            -> Verdict:
        """The verdict on ``document`` at ``as_of``; ``today`` is as_of's day in China, when
        the caller knows it already."""
        return _Run(self, document, as_of, today).verdict()


def _facts_only(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The fact paths among ``paths``: not result fields, not the items of a list."""
    return tuple(p for p in paths if not p.startswith("result.") and "[]" not in p
                 and p not in SPECIAL_NAMES)


def _site(atom: Atom, schema: FactSchema) -> CheckSite:
    expr = atom.expr
    comparison = expr.comparison
    path = comparison.actual_path if comparison else expr.subject_path
    label = atom.label or (schema.labels.get(path) if path else None)
    if label is None and path is not None and path.startswith("result."):
        label = Text(path[7:], path[7:])
    return CheckSite(
        text=expr.text, label=label, path=path,
        op=comparison.op if comparison else None,
        param=comparison.threshold_param if comparison else None,
        rate=schema.is_rate(path), value_labels=schema.value_labels.get(path or ""),
        negated=expr.negated,
    )


def atoms_of(pack: Pack) -> Iterable[Atom]:
    """Every atom of every condition of ``pack``."""
    for condition in conditions_of(pack):
        yield from atoms_in(condition)


def conditions_of(pack: Pack) -> Iterable[Condition]:
    """Every top-level condition of ``pack``: the pack's and rules' ``when``, requirements,
    table rows, deductions and score pass conditions."""
    if pack.when is not None:
        yield pack.when
    for rule in pack.rules:
        if rule.when is not None:
            yield rule.when
        yield from rule.conditions()


def expressions_of(pack: Pack) -> Iterable[CompiledExpr]:
    """Every expression of ``pack`` evaluated outside an atom: assignments, table outputs,
    deduction points and score bounds."""
    for rule in pack.rules:
        yield from rule.expressions()


def evaluate_pack(
    pack: Pack,
    document: Any,
    *,
    as_of: dt.datetime,
    schema: FactSchema,
    limits: Limits,
) -> Verdict:
    """Evaluate ``pack`` on a validated fact document, in the sandbox only (the reference)."""
    return Plan(pack, schema, limits).evaluate(document, as_of)


# The types of value an expression gives that `keepable` looks into.
CHECKED = frozenset({float, list, tuple, dict})


def keepable(value: Any, limit: int) -> None:
    """Raise if a verdict could not keep ``value``: :class:`NotFinite` if it is or holds NaN or
    an infinity (JSON has neither), LimitExceeded if it holds more than ``limit`` items and
    characters in all. Only values of a type in :data:`CHECKED` need the look.

    A value may hold one list many times over (``[result.x, result.x]``): small to build, and
    as large as every copy wherever it is written out. Result fields feed one another, so the
    copies could double field after field. Walked without recursion, and only as far as the
    limit.
    """
    size = 0
    stack = [value]
    while stack:
        item = stack.pop()
        size += 1
        kind = type(item)
        if kind is str:
            size += len(item)
        elif kind is float:
            if not math.isfinite(item):
                raise NotFinite(item)
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is dict:
            stack.extend(item.values())
            size += len(item)
        if size > limit:
            raise LimitExceeded(f"a value of more than {limit} items and characters would "
                                "be kept")


# In `_Run.cache`, a fact the document does not have.
_ABSENT = object()

# What `_Run.missing_of` makes of a read: a result field's, a list item's, a fact's.
_RESULT_READ, _ITEM_READ, _FACT_READ = 0, 1, 2


def _read_kinds(reads: tuple[str, ...]) -> tuple[tuple[str, int, str], ...]:
    """Each read with its kind and, for a result field, its name."""
    return tuple(
        (path, _RESULT_READ, path[7:]) if path.startswith("result.")
        else (path, _ITEM_READ, "") if "[]" in path else (path, _FACT_READ, "")
        for path in reads)


# Fact paths, each with its place in `_Run.facts` or -1.
_Facts = tuple[tuple[str, int], ...]

# One rule looked at: the rule, its status, its check records, details. When compiled code
# evaluated the rule, the fourth item is its condition and the third the raw values of every
# atom, which the plan's RawCondition for that condition turns into the deciding records.
_RuleRecord = tuple[Rule, Status, tuple[CheckRecord, ...], Condition | None, Mapping[str, Any]]
# What evaluating one rule that applies gives: its status, check records and details.
_RuleOutcome = tuple[Status, tuple[CheckRecord, ...], dict[str, Any]]
# What a table's hit policy made of its rows' statuses (Plan.hits_of): the indexes of the rows
# that decide, whether the table is open, each row's status by id, a clash's error, the
# winning rows and their ids. At most so many are remembered per plan.
_TableHits = tuple[tuple[int, ...], bool, dict[str, Status], RuntimeFailure | None,
                   tuple[Row, ...], tuple[str, ...]]
_HITS_REMEMBERED = 4096
# Held while a plan compiles a comprehension for a look (Plan.loop_code).
_COMPILING = threading.Lock()
# A table its rows' statuses decide alone (Plan.table_shortcut): its status, each row's
# status by id, the ids of the rows that matched, the result fields it sets in order (name
# and value; a collect table's as name, certain items, the items it may hold when open and
# the key of its bound, the lists made anew for each verdict), and the indexes of the rows
# whose checks decided (None for a table left open, whose unknown rows' checks decide), and
# the fields it sets to a list or mapping written in the pack (each verdict gets a copy: see
# fresh). At most so many per table.
_Shortcut = tuple[Status, dict[str, Status], tuple[str, ...], tuple[tuple[Any, ...], ...],
                  tuple[int, ...] | None, tuple[str, ...]]
_SHORTCUTS_REMEMBERED = 1024


def _gathered(name: str, winners: Sequence[Row], run: Callable[[CompiledExpr], Any]) \
        -> list[Any]:
    """A collect table's output ``name`` from its winning rows, each item once, in order;
    ``run`` evaluates an output that is an expression."""
    out: list[Any] = []
    for row in winners:
        for key, value in row.then:
            if key != name:
                continue
            if isinstance(value, CompiledExpr):
                value = run(value)
            if not isinstance(value, list):
                if value not in out:
                    out.append(value)
                continue
            for item in value:
                if item not in out:
                    out.append(item)
    return out


def _constant_outputs(winners: Sequence[Row], run: _Run) -> dict[int, Any] | None:
    """The values of the winning rows' outputs that are expressions, when every one of them
    is a constant: its tree reads no name (params are literals by now) and it evaluates
    without failing to a value of a plain kind, which no verdict can change; else None."""
    values: dict[int, Any] = {}  # by the id of the expression
    for row in winners:
        for _, value in row.then:
            if not isinstance(value, CompiledExpr):
                continue
            if any(isinstance(node, ast.Name) for node in ast.walk(value.tree)):
                return None
            try:
                values[id(value)] = found = run.run(value)
            except ExpressionFailed:
                return None
            if type(found) not in _PLAIN:
                return None
    return values


_PLAIN = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({list, dict})


def fresh(value: Any) -> Any:
    """``value``, a literal of the pack, as a verdict's own: lists and mappings copied (at
    every depth), so that a caller changing one verdict's result changes neither the pack
    nor any other verdict."""
    kind = type(value)
    if kind is list:
        # (A list of plain values, the commonest, copied in one step.)
        return value.copy() if _PLAIN.issuperset(map(type, value)) else \
            [fresh(item) for item in value]
    if kind is dict:
        return {key: fresh(item) for key, item in value.items()}
    return value


class _Run:
    """One evaluation of a plan on one document; afterwards, the verdict's explanation."""

    __slots__ = (
        "_sandbox",
        "as_of",
        "bounds",
        "cache",
        "document",
        "facts",
        "pack",
        "plan",
        "records",
        "result",
        "saw_missing",
        "schema",
        "today",
        "unknown_results",
    )

    def __init__(self, plan: Plan, document: Any, as_of: dt.datetime,
                 today: dt.date | None = None) -> None:
        self.plan = plan
        self.pack = plan.pack
        self.as_of = as_of
        # Dates of the policy calendar (today, calendar windows) are China's, whatever offset
        # the instant was written with.
        self.today = china_day(as_of) if today is None else today
        self.schema = plan.schema
        self.document: Mapping[str, Any] = document \
            if type(document) is dict or isinstance(document, Mapping) else {}
        self.cache: dict[str, Any] = {}
        self.result: dict[str, Any] = {}
        # Result fields that could not be computed, with the fact paths that were missing.
        self.unknown_results: dict[str, tuple[str, ...]] = {}
        # What is known of those of them known in part (an interval, the items certain), by
        # the name expressions read them with (``result.NAME``).
        self.bounds: dict[str, Bound] = {}
        # Every missing fact is found through missing_failure; most documents have none, and
        # then the verdict need not look for them.
        self.saw_missing = False
        self._sandbox: Sandbox | None = None
        self.records: tuple[_RuleRecord, ...] = ()
        # The facts compiled code read, in the places Plan.facts_of names (UNREAD if not).
        self.facts: tuple[Any, ...] = ()

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox(self.name, self.schema.convert_item, self.plan.limits)
        return self._sandbox

    # -- names ------------------------------------------------------------------------------

    def name(self, name: str) -> Any:
        if name == "as_of":
            return self.as_of
        if name == "today":
            return self.today
        if name.startswith("result."):
            return self.result_field(name[7:])
        return self.fact(name)

    def fact(self, path: str) -> Any:
        value = self.cache.get(path, UNREAD)
        if value is UNREAD:
            try:
                value = self.cache[path] = self.schema.read(self.document, path)
            except Missing:
                # Remembered: the atoms that read it, and the search for every missing fact
                # behind each of them (missing_of), ask again.
                self.cache[path] = _ABSENT
                raise
        elif value is _ABSENT:
            raise Missing(path)
        return value

    def result_field(self, field: str) -> Any:
        if field in self.unknown_results:
            raise Missing("result." + field)
        return self.result.get(field)

    def missing_of(self, expr: CompiledExpr, first: str) -> tuple[str, ...]:
        """Every missing fact behind ``expr``, not just the first one evaluation hit."""
        reads = self.plan.read_kinds.get(id(expr))
        if reads is None:
            reads = self.plan.read_kinds[id(expr)] = _read_kinds(expr.reads)
        if not reads or reads[0][0] != first:  # (most often the first read is the one hit)
            reads = (*_read_kinds((first,)), *reads)
        out: list[str] = []
        unknown, cache = self.unknown_results, self.cache
        for path, kind, field in reads:
            if kind == _RESULT_READ:
                out.extend(unknown.get(field, ()))
                continue
            if kind == _ITEM_READ:
                out.append(path)
                continue
            value = cache.get(path, UNREAD)
            if value is _ABSENT:
                out.append(path)
            elif value is UNREAD:
                try:
                    self.fact(path)
                except Missing:
                    out.append(path)
                except RUNTIME_ERRORS:
                    pass  # present but unreadable (an impossible date): not missing
        return tuple(dict.fromkeys(out))

    def run(self, expr: CompiledExpr, tree: ast.Expression | None = None) -> Any:
        """Evaluate ``expr`` (or one part of it); raise :class:`ExpressionFailed` if it cannot,
        or if its value could not be kept (see :func:`keepable`)."""
        try:
            code = self.plan.expressions.get(id(expr)) if tree is None else None
            value = code(self) if code is not None else \
                self.sandbox.run(expr.tree if tree is None else tree)
            if type(value) in CHECKED:
                keepable(value, self.plan.limits.max_built)
            return value
        except Missing as exc:
            raise self.missing_failure(expr, exc.path) from None
        except FAILURES as exc:
            raise ExpressionFailed(failure_of(exc)) from None

    def missing_failure(self, expr: CompiledExpr, first: str) -> ExpressionFailed:
        missing = self.missed(expr, first)
        if not missing:
            return ExpressionFailed(not_computed(first))
        return ExpressionFailed(None, missing)

    def missed(self, expr: CompiledExpr, first: str) -> tuple[str, ...]:
        """:meth:`missing_of` for an expression that stopped on ``first``, noted for the
        verdict's missing facts; empty when ``first`` is a result field that failed on an
        error (its failure is then :func:`not_computed`)."""
        self.saw_missing = True
        return self.missing_of(expr, first)

    def missing_check(self, site: CheckSite, expr: CompiledExpr, first: str) -> CheckRecord:
        """The record of an atom that stopped on a missing fact (used by compiled code too):
        what :meth:`missing_failure` and :meth:`known_check` make of it, without the failure
        object (most atoms of a document without the facts a pack reads come here)."""
        missing = self.missed(expr, first)
        if not missing:
            return (site, "unknown", None, None, (), str(not_computed(first)))
        known = self.known_check(site, expr, missing)
        if known is not None:
            return known
        return (site, "unknown", None, None, missing, None)

    # -- what is known of an expression that stopped on a missing fact ----------------------

    def may_know(self, expr: CompiledExpr) -> bool:
        """Whether part of ``expr``'s value may be known though a fact it reads is missing: it
        looks into a list, or reads a result field known in part."""
        into = self.plan.looks_into_lists.get(id(expr))
        if into is None:
            into = self.plan.looks_into_lists[id(expr)] = lists_looked_into(expr.tree)
        bounds = self.bounds
        if into is False:
            return bool(bounds) and any(read in bounds for read in expr.reads)
        if into is True or bounds:
            return True
        # Its value is one look into one list: with that list missing (a result field not
        # computed, an absent fact) nothing of it is known, which a look would only confirm.
        if into.startswith("result."):
            return into[7:] not in self.unknown_results
        return self.cache.get(into, UNREAD) is not _ABSENT

    def known_value(self, expr: CompiledExpr) -> Any:
        """What is known of ``expr``'s value (a value, or a :class:`Bound`), looked at node by
        node (:mod:`rulepack.engine.partial`); :data:`UNREAD` when nothing more can be known
        than that it stopped, or the look itself fails."""
        if not self.may_know(expr):
            return UNREAD
        try:
            value = self.partial(expr.tree)
            if type(value) in CHECKED:
                keepable(value, self.plan.limits.max_built)
        except FAILURES:
            return UNREAD
        return value

    def partial(self, tree: ast.Expression) -> Any:
        plan = self.plan
        return Partial(self.sandbox, self.schema, self.bounds, self.unknown_results,
                       plan.loop_code if plan.compile_loop is not None else None).value(tree)

    def known_side(self, tree: ast.Expression) -> Any:
        """:meth:`partial` of one side of a comparison, without a look for the two sides most
        checks of a result field known in part have: the field itself (its interval) and a
        literal (a threshold)."""
        body = tree.body
        if type(body) is ast.Constant and type(body.value) in (int, float):
            return body.value  # (the sandbox's own check of a literal looks at lengths only)
        if type(body) is ast.Name and body.id in self.bounds:
            return self.bounds[body.id]
        return self.partial(tree)

    def known_check(self, site: CheckSite, expr: CompiledExpr, missing: tuple[str, ...]) \
            -> CheckRecord | None:
        """The record of an atom that stopped on ``missing`` facts, from what is known of it;
        None when no more is known than that it stopped."""
        if not self.may_know(expr):
            return None
        comparison = expr.comparison
        try:
            if comparison is not None:
                actual = self.known_side(comparison.actual)
                threshold = self.known_side(comparison.threshold)
                for value in (actual, threshold):
                    if type(value) in CHECKED:
                        keepable(value, self.plan.limits.max_built)
                if type(actual) is not Bound and type(threshold) is not Bound:
                    passed: Any = _COMPARE[comparison.op](actual, threshold)
                else:
                    passed = compare(comparison.op, actual, threshold)
            else:
                actual = passed = self.partial(expr.tree)
                threshold = None
        except FAILURES:
            return None
        except RUNTIME_ERRORS as exc:  # the comparison itself
            return (site, "unknown", None, None, (), error_text(exc))
        known = truth(passed)
        if known is None:
            exact = passed.missing if type(passed) is Bound else ()
            return (site, "unknown", None, None, exact_paths(missing, exact), None)
        if comparison is None and (site.path is None or type(actual) is Bound):
            actual = None
        return (site, "pass" if known else "fail", actual, threshold, (), None)

    # -- conditions -------------------------------------------------------------------------

    def condition(self, node: Condition) -> Outcome:
        code = self.plan.conditions.get(id(node))
        if code is not None:
            return code(self)
        return _CONDITION_KINDS[type(node)](self, node)

    def atom_outcome(self, node: Atom) -> Outcome:
        record = self.atom(node)
        return record[1], (record,)

    def constant_outcome(self, node: Constant) -> Outcome:
        return ("pass" if node.value else "fail"), ()

    def not_outcome(self, node: NotOf) -> Outcome:
        status, checks = self.condition(node.child)
        return NEGATE[status], checks

    def group_outcome(self, node: AllOf | AnyOf) -> Outcome:
        # Every member is evaluated: the explanation lists every failing prerequisite.
        return node.junction.decision([self.condition(child) for child in node.children])

    def atom(self, atom: Atom) -> CheckRecord:
        """Evaluate one atom in the sandbox."""
        site = self.plan.sites[id(atom)]
        expr = atom.expr
        comparison = expr.comparison
        try:
            if comparison is not None:
                actual = self.run(expr, comparison.actual)
                threshold = self.run(expr, comparison.threshold)
                passed = _COMPARE[comparison.op](actual, threshold)
            else:
                actual = self.run(expr, expr.tree)
                threshold = None
                passed = actual
        except ExpressionFailed as exc:
            if exc.failure is None:
                known = self.known_check(site, expr, exc.missing)
                if known is not None:
                    return known
            return (site, "unknown", None, None, exc.missing, exc.error())
        except RUNTIME_ERRORS as exc:  # the comparison itself: `None < 3`
            return (site, "unknown", None, None, (), error_text(exc))
        status: Status = "pass" if passed else "fail"
        if comparison is None:
            if site.path is None:
                actual = None
            elif site.negated:
                known = self.cache.get(site.path, actual)
                actual = actual if known is _ABSENT else known
        return (site, status, actual, threshold, (), None)

    # -- rules ------------------------------------------------------------------------------

    def verdict(self) -> Verdict:
        pack = self.pack
        pack_when = self.condition(pack.when) if pack.when is not None else None
        code = self.plan.rules_code
        outcome: Status
        if code is not None and (pack_when is None or pack_when[0] == "pass"):
            # The pack's `when` holds: each rule applies as its own `when` says (an `all` of a
            # pass and X is X, and a rule shows the checks of its applicability only when it is
            # unknown), which is what the whole-pack function evaluates.
            records, outcome = code(self)
        else:
            records = tuple([self.rule(rule, pack_when) for rule in pack.rules])
            outcome = pack_outcome([r[1] for r in records if r[0].decisive])
        self.records = records
        missing: tuple[str, ...] = ()
        if self.saw_missing:
            found: list[str] = []
            raw_conditions = self.plan.raw_conditions
            for record in records:
                if record[4]:
                    found.extend(record[4].get("missing", ()))
                # A check that lacks facts is unknown, and decides only a rule that is unknown
                # (the deciding checks of a condition have its status; a rule decided though
                # its `when` or a row is unknown does not show their checks). Those of
                # rule_checks, without its merging of checks of one text: the facts are the
                # same, and the order of their first mention too.
                if record[1] == "unknown":
                    if record[3] is None:
                        for check in record[2]:
                            found.extend(check[4])
                    else:
                        raw = raw_conditions[id(record[3])]
                        values = record[2]
                        for index in raw.deciding(values):
                            found.extend(raw.record(values, index)[4])
            missing = tuple(dict.fromkeys(found))
        # The verdict keeps this run as its explanation: from here on it holds only what
        # explanations and the JSON writer read (the records, results, facts compiled code
        # kept, and the document with the facts read from it, for the reasons' values). The
        # sandbox (which refers back to the run: a cycle only the garbage collector would
        # break) and the bookkeeping of results that failed are dropped.
        if self._sandbox is not None:
            self._sandbox = None
        del self.unknown_results, self.bounds
        return Verdict(pack, self.as_of, outcome, self.result, missing,
                       pack_when is None or pack_when[0] != "fail", self)

    def rule(self, rule: Rule, pack_when: Outcome | None) -> _RuleRecord:
        applies = self.applicability(rule, pack_when)
        if applies[0] == "fail":
            for name in rule.fields():
                self.result[name] = [] if rule.collects else None
            return rule, "skipped", (), None, {}
        status, checks, details = _RULE_KINDS[type(rule)](self, rule)
        if applies[0] == "unknown":
            # Whether the rule applies is unknown, so are the fields it sets: had it not
            # applied they would be null. A check may still pass (Kleene: not-when or require).
            fields = rule.fields()
            missing = tuple(m for c in applies[1] for m in c[4])
            for name in fields:
                self.result[name] = None
                self.unknown_results[name] = missing
                self.bounds.pop("result." + name, None)
            if status != "pass" or fields:
                status = "unknown"
                checks = applies[1] + checks
        return rule, status, checks, None, details

    def applicability(self, rule: Rule, pack_when: Outcome | None) -> Outcome:
        if rule.when is None:
            return pack_when if pack_when is not None else PASSED
        own = self.condition(rule.when)
        if pack_when is None:
            return own
        return ALL.decision((pack_when, own))

    # -- explanations (read when a verdict's reasons are asked for) -----------------------

    def reasons(self) -> tuple[Reason, ...]:
        return tuple(self.reason(record) for record in self.records)

    def rule_checks(self, record: _RuleRecord) -> tuple[CheckRecord, ...]:
        """The records of the checks that decided one rule, each check explained once."""
        checks = record[2]
        if record[3] is not None:  # kept raw by compiled code: the records are made here
            raw = self.plan.raw_conditions[id(record[3])]
            checks = raw.records(checks)
            if raw.distinct:  # no two atoms of the condition have the same text
                return checks
        if len(checks) < 2:  # nothing to merge (a table's one deciding row, most often)
            return tuple(checks)
        # One check read by several rows (or groups) is explained once.
        return tuple({(c[0].text, c[1], c[4]): c for c in checks}.values())

    def rule_values(self, record: _RuleRecord) -> dict[str, Any]:
        """The facts one rule refers to that the document has, by path: those of its `when`
        alone when it was skipped, else those of all its parts (also parts evaluation did not
        need, such as the far side of an `and` or the rows after a first hit)."""
        when_facts, all_facts = self.plan.facts_of[id(record[0])]
        values: dict[str, Any] = {}
        kept = self.facts
        cache = self.cache
        for path, slot in when_facts if record[1] == "skipped" else all_facts:
            if kept and slot >= 0 and kept[slot] is not UNREAD:
                values[path] = kept[slot]
                continue
            cached = cache.get(path, UNREAD)
            if cached is not UNREAD:  # read before: its value, or absent (no need to raise)
                if cached is not _ABSENT:
                    values[path] = cached
                continue
            if self.saw_missing and self.schema.lacks(self.document, path):
                # A dict on the way lacks its key, where the read would raise: noted as the
                # read notes it. (Compiled code does not read the facts of an object that is
                # absent; explaining is where they are first looked for. A document that
                # lacked no fact is not looked at twice.)
                cache[path] = _ABSENT
                continue
            try:
                values[path] = self.fact(path)
            except (Missing, *RUNTIME_ERRORS):
                pass  # absent, or present but unreadable (an impossible date)
        return values

    def reason(self, record: _RuleRecord) -> Reason:
        rule, status, _, _, details = record
        values = self.rule_values(record)
        details = dict(details)
        # The failures become text here, where the reason takes them.
        error = "; ".join(str(f) for f in details.pop("errors", [])) or None
        row_sources: tuple[Any, ...] = ()
        if isinstance(rule, TableRule) and details.get("matched"):
            row_sources = tuple(row.source for row in rule.cited_rows(details["matched"])
                                if row.source is not None)
        labels = self.schema.value_labels
        return Reason.make(
            rule.id, rule.kind, status, rule.title, rule.source,
            tuple([Check.from_record(c) for c in self.rule_checks(record)]), values,
            details, error, rule.messages, row_sources,
            {"params": self.pack.params, "result": self.result,
             "today": self.today, "as_of": self.as_of,
             "rates": {p: True for p in values if self.schema.is_rate(p)},
             "labels": {p: labels[p] for p in values if p in labels},
             "result_labels": self.pack.value_labels},
        )

    def check(self, rule: CheckRule) -> _RuleOutcome:
        status, checks = self.condition(rule.require)
        return status, checks, self.assign(rule.assignments) if rule.assignments else {}

    def restore(self, fields: tuple[str, ...], values: tuple[Any, ...]) -> None:
        """Put back the values of result fields as expressions read them (a field not set
        reads null), for compiled code that set some of a rule's fields before handing the
        rule over. The fields stay where they are in the result: the interpreter sets every
        one of them again, in the order it first set them."""
        for field, value in zip(fields, values, strict=True):
            self.result[field] = value

    def output(self, rule: OutputRule) -> _RuleOutcome:
        details = self.assign(rule.assignments)
        return ("unknown" if details.get("missing") or details.get("errors") else "pass"), \
            (), details

    def output_from(self, rule: OutputRule, start: int, first: str | None = None) \
            -> _RuleRecord:
        """The record of an output rule without a `when` (``rule(rule, None)``), for compiled
        code that set its fields before the ``start``-th as :meth:`assign` sets them and then
        stopped: the rest are set here. Nothing those fields were computed from differs
        from what the interpreter would have found, so only the rest can have missed facts
        or failed. ``first``: the fact compiled code found missing in the ``start``-th, which
        evaluating it again would only find again."""
        details = self.assign(rule.assignments[start:] if start else rule.assignments, first)
        return rule, ("unknown" if details.get("missing") or details.get("errors") else "pass"), \
            (), None, details

    def assign(self, assignments: tuple[Assignment, ...], first: str | None = None) \
            -> dict[str, Any]:
        """Set each field, as its expression gives it, or what is known of it; ``first``: the
        fact the first one is known to stop on (see :meth:`output_from`)."""
        missing: list[str] = []
        errors: list[RuntimeFailure] = []
        for assignment in assignments:
            field = assignment.field
            self.unknown_results.pop(field, None)
            self.bounds.pop("result." + field, None)
            try:
                if first is not None:
                    stopped, first = first, None
                    raise self.missing_failure(assignment.expr, stopped)
                self.result[field] = self.run(assignment.expr)
            except ExpressionFailed as exc:
                known = UNREAD if exc.failure is not None else self.known_value(assignment.expr)
                if known is not UNREAD and type(known) is not Bound:
                    self.result[field] = known  # the missing facts did not matter
                    continue
                self.result[field] = None
                if type(known) is Bound:
                    exc = ExpressionFailed(None, exact_paths(exc.missing, known.missing))
                    if known.low is not None or known.high is not None:
                        # A field computed from an undecided sum stays null; what is known of
                        # it (an interval) is kept for the checks that read it.
                        self.bounds["result." + field] = dataclasses.replace(
                            known, missing=exc.missing)
                self.unknown_results[field] = exc.missing
                if exc.failure is None:
                    missing.extend(exc.missing)
                else:
                    errors.append(dataclasses.replace(exc.failure, subject=assignment.field))
        out: dict[str, Any] = {}
        if missing:
            out["missing"] = list(dict.fromkeys(missing))
        if errors:
            out["errors"] = errors
        return out

    def output_value(self, value: Any) -> Any:
        return self.run(value) if isinstance(value, CompiledExpr) else fresh(value)

    def table_rows(self, rule: TableRule) -> list[Outcome]:
        """The outcome of each row's `when`, in order; a first-hit table's up to its first row
        that may hit (the rows after it cannot change a first-hit answer). Compiled code
        evaluates the rows itself, the same way, and hands their outcomes to
        :meth:`table_of`."""
        condition = self.condition
        first = rule.hit_policy == "first"
        outcomes: list[Outcome] = []
        for row in rule.rows:
            outcome = condition(row.when) if row.when is not None else PASSED
            outcomes.append(outcome)
            if first and outcome[0] != "fail":
                break
        return outcomes

    def table_hits(self, rule: TableRule, outcomes: list[Outcome]) \
            -> tuple[tuple[Row, ...], bool, tuple[CheckRecord, ...], dict[str, Any]]:
        """The rows that decide under the table's hit policy, whether unknown rows leave it
        open, the records of the checks that decided, and the details (each row's status)."""
        won, undecided, rows, clash, winners, matched = \
            self.plan.hits_of(rule, tuple([o[0] for o in outcomes]))
        # The details are the verdict's own: their containers are copied, never shared.
        details: dict[str, Any] = {"rows": dict(rows)}
        if clash is not None:
            details["errors"] = [clash]
        details["matched"] = list(matched)
        if undecided:
            checks = tuple([c for o in outcomes if o[0] == "unknown" for c in o[1]])
        elif len(won) == 1:  # the usual answer: one row decides
            checks = outcomes[won[0]][1]
        else:
            checks = tuple([c for i in won for c in outcomes[i][1]])
        return winners, undecided, checks, details

    def table(self, rule: TableRule) -> _RuleOutcome:
        return self.table_of(rule, self.table_rows(rule))

    def table_of(self, rule: TableRule, outcomes: list[Outcome]) -> _RuleOutcome:
        """A table rule that applies, from the outcomes of its rows (:meth:`table_rows`)."""
        winners, undecided, checks, details = self.table_hits(rule, outcomes)
        # The facts the unknown rows lack: what an open table's outputs wait for.
        missing = [m for c in checks for m in c[4]] if undecided else []
        if self.bounds:
            for name in rule.outputs:
                self.bounds.pop("result." + name, None)
        try:
            if rule.hit_policy == "collect":
                self.collect(rule, winners, details["rows"] if undecided else None, missing)
                if undecided:
                    return "unknown", checks, details
                return ("fail" if rule.complete and not winners else "pass"), checks, details
            for name in rule.outputs:
                self.result[name] = None
                if undecided:
                    self.unknown_results[name] = tuple(missing)
            if winners:
                for key, value in winners[0].then:
                    self.result[key] = self.output_value(value)
        except ExpressionFailed as exc:
            for name in rule.outputs:
                self.result[name] = None
                self.unknown_results[name] = exc.missing
            if exc.failure is None:
                details["missing"] = list(exc.missing)
            else:
                details.setdefault("errors", []).append(exc.failure)
            return "unknown", checks, details
        if undecided or details.get("errors"):
            return "unknown", checks, details
        if not winners:
            return ("fail" if rule.complete else "pass"), checks, details
        return "pass", checks, details

    def deductions(self, rule: ScoreRule) -> tuple[list[dict[str, Any]], Any, list[CheckRecord]]:
        """The lines of the deductions, their sum, and the records of the checks of those whose
        `when` is unknown. Such a deduction counts as nothing or its points, an interval (see
        :meth:`may_deduct`); the sum is None when one of them cannot be bounded so."""
        lines: list[dict[str, Any]] = []
        unknown_checks: list[CheckRecord] = []
        deducted: Any = 0
        for deduction in rule.deductions:
            applies = self.condition(deduction.when) if deduction.when else PASSED
            if applies[0] == "unknown":
                unknown_checks.extend(applies[1])
                known = self.may_deduct(deduction.points, applies[1])
                if known is None:
                    return lines, None, unknown_checks  # the score stays unknown
                points: Any = known
            else:
                points = self.points(deduction.points) if applies[0] == "pass" else 0
            lines.append({"id": deduction.id, "points": points})
            try:
                deducted = add(deducted, points) \
                    if type(points) is Bound or type(deducted) is Bound else deducted + points
            except RUNTIME_ERRORS as exc:
                raise ExpressionFailed(deduction_failure(deduction.id, exc)) from None
        return lines, deducted, unknown_checks

    def may_deduct(self, expr: CompiledExpr, checks: tuple[CheckRecord, ...]) -> Bound | None:
        """What a deduction whose `when` (decided by ``checks``) is unknown deducts: nothing or
        its points, an interval from the one to the other. None when its points are not a
        number or an interval of numbers (nothing known, or a failure, which would be the
        score's should the deduction apply)."""
        try:
            points = self.points(expr)
        except ExpressionFailed:
            return None
        if type(points) is Bound:
            if points.members is not None or points.low is False:
                return None  # a list or a boolean known in part
            low, high, missing = points.low, points.high, points.missing
        elif type(points) in (int, float) or (
                type(points) is not bool and isinstance(points, (int, float))):
            low = high = points
            missing = ()
        else:
            return None
        return Bound(None if low is None else min(low, 0), None if high is None else max(high, 0),
                     tuple(dict.fromkeys((*(m for c in checks for m in c[4]), *missing))))

    def points(self, expr: CompiledExpr) -> Any:
        """A deduction's points: its value, or what is known of it (an interval)."""
        try:
            return self.run(expr)
        except ExpressionFailed as exc:
            known = UNREAD if exc.failure is not None else self.known_value(expr)
            if known is UNREAD or (type(known) is Bound and known.low is None
                                   and known.high is None):
                raise  # nothing known of the points: the score is not looked at further
            if type(known) is Bound:
                return dataclasses.replace(known, missing=exact_paths(exc.missing, known.missing))
            return known

    def collected(self, name: str, winners: Sequence[Row]) -> list[Any]:
        return _gathered(name, winners, self.run)

    def collect(self, rule: TableRule, winners: Sequence[Row],
                statuses: Mapping[str, Status] | None, missing: list[str]) -> None:
        """Set a collect table's outputs from the winning rows; ``statuses`` are the rows'
        when unknown rows leave the table open (None when not), and ``missing`` the facts
        they lack. An open output is a list known in part, for the rules that read it."""
        for name in rule.outputs:
            self.result[name] = self.collected(name, winners)
            if statuses is not None:
                self.unknown_results[name] = tuple(missing)
                self.bounds["result." + name] = partial_list(
                    self.result[name], self.may_collect(rule, name, statuses), missing)

    def may_collect(self, rule: TableRule, name: str, statuses: Mapping[str, Status]) \
            -> list[Any] | None:
        """Every item a collect table left open may give its output ``name``: those of the
        rows that passed and of those that are unknown; None when an unknown row's output
        cannot be computed."""
        rows = [row for row in rule.rows if statuses.get(row.id) in ("pass", "unknown")]
        try:
            return self.collected(name, rows)
        except ExpressionFailed:
            return None

    def keep_score(self, rule: ScoreRule, score: Any, deducted: Any) -> None:
        """Set a score rule's fields. A score the floor or the ceiling makes certain is known
        though the deductions are not; what is not known exactly stays null, its interval kept
        for the checks that read it."""
        for name, value in ((rule.into_score, score), (rule.into_deducted, deducted)):
            if not name:
                continue
            if type(value) is Bound:
                self.result[name] = None
                self.unknown_results[name] = value.missing
                self.bounds["result." + name] = value
            else:
                self.result[name] = value
                self.bounds.pop("result." + name, None)

    def score(self, rule: ScoreRule) -> _RuleOutcome:
        for name in (rule.into_score, rule.into_deducted):
            if name:
                self.result[name] = None
        try:
            start = self.run(rule.start) if rule.start else 0
            lines, deducted, unknown_checks = self.deductions(rule)
            if deducted is None:
                missing = tuple(m for c in unknown_checks for m in c[4])
                for name in (rule.into_score, rule.into_deducted):
                    if name:
                        self.unknown_results[name] = missing
                return "unknown", tuple(unknown_checks), {"missing": list(missing)}
            floor = self.run(rule.floor) if rule.floor else None
            ceiling = self.run(rule.ceiling) if rule.ceiling else None
            score = bounded_score(start, deducted, floor, ceiling)
        except ExpressionFailed as exc:
            self.bounds.pop("result." + rule.into_score, None)
            for name in (rule.into_score, rule.into_deducted):
                if name:
                    self.unknown_results[name] = exc.missing
            details: dict[str, Any] = {"missing": list(exc.missing)} if exc.failure is None \
                else {"errors": [exc.failure]}
            return "unknown", (), details
        return self.scored(rule, start, lines, deducted, unknown_checks, floor, ceiling, score)

    def scored(self, rule: ScoreRule, start: Any, lines: list[dict[str, Any]], deducted: Any,
               unknown_checks: list[CheckRecord], floor: Any, ceiling: Any, score: Any) \
            -> _RuleOutcome:
        """A score rule whose score was computed (by :meth:`score`, or by compiled code for
        a score of deductions all decided): its fields set, and its pass condition."""
        self.keep_score(rule, score, deducted)
        details = {"start": start, "deductions": lines, "floor": floor, "ceiling": ceiling,
                   "score": score}
        open_fields = [v for v in (score, deducted) if type(v) is Bound]
        if open_fields:  # a field left null names the facts it lacks, decided or not
            details["missing"] = list(dict.fromkeys(m for v in open_fields for m in v.missing))
        if rule.pass_if is None:
            if type(score) is Bound:
                return "unknown", tuple(unknown_checks), details
            return "pass", (), details
        status, checks = self.condition(rule.pass_if)
        if status == "unknown" and unknown_checks:
            # The deductions left open say why, before the pass condition they left open.
            checks = (*unknown_checks, *checks)
        return status, checks, details


def exact_paths(general: tuple[str, ...], exact: tuple[str, ...]) -> tuple[str, ...]:
    """The missing facts, each item path of ``general`` (``a.v[].x``, as a tree's reads name
    it) replaced, where it stands, by the exact paths found for it (``a.v[2].x``)."""
    if not exact:
        return general
    out: list[str] = []
    for path in general:
        if "[]" in path:
            found = [e for e in exact if _ITEM_INDEX.sub("[]", e) == path]
            if found:
                out.extend(found)
                continue
        out.append(path)
    out.extend(exact)  # those of no general path: kept, after the others
    return tuple(dict.fromkeys(out))


_ITEM_INDEX = re.compile(r"\[\d+\]")


def bounded_score(start: Any, deducted: Any, floor: Any, ceiling: Any) -> Any:
    """The score: ``start - deducted`` within the floor and the ceiling; an interval when
    the deductions are one and the floor and ceiling do not close it."""
    if type(deducted) is Bound:
        try:
            score = subtract(start, deducted)
            if floor is not None:
                score = at_least(score, floor)
            if ceiling is not None:
                score = at_most(score, ceiling)
        except RUNTIME_ERRORS as exc:
            raise ExpressionFailed(score_failure(exc)) from None
        if type(score) is float:
            finite(score)
        return score
    try:
        score = start - deducted
        if floor is not None:
            score = max(score, floor)
        if ceiling is not None:
            score = min(score, ceiling)
        # Finite points may still add up to an infinity.
        for number in (deducted, score):
            if type(number) is float:
                finite(number)
    except RUNTIME_ERRORS as exc:
        raise ExpressionFailed(score_failure(exc)) from None
    except NotFinite as exc:
        raise ExpressionFailed(failure_of(exc)) from None
    return score


# How each kind of condition and of rule is evaluated (the compiled path has its own code).
_CONDITION_KINDS: dict[type, Callable[[_Run, Any], Outcome]] = {
    Atom: _Run.atom_outcome, Constant: _Run.constant_outcome, NotOf: _Run.not_outcome,
    AllOf: _Run.group_outcome, AnyOf: _Run.group_outcome,
}
_RULE_KINDS: dict[type, Callable[[_Run, Any], _RuleOutcome]] = {
    CheckRule: _Run.check, OutputRule: _Run.output, TableRule: _Run.table,
    ScoreRule: _Run.score,
}
