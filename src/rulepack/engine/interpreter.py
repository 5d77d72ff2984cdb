"""Evaluating one compiled pack against one fact document, into a :class:`Verdict`.

Logic is three-valued (Kleene): a condition whose facts are missing is ``unknown``, an ``all``
group with a failing member fails whatever else is unknown, an ``any`` group with a passing
member passes. Every member of a group is evaluated (no short-circuit between atoms) so that the
explanation lists every failing prerequisite, not just the first.

Rules run in pack order; each may set result fields that later rules read. All state lives in a
:class:`_Run` made for one request and dropped after it. What does not depend on the document
(check sites, and the compiled code of :mod:`rulepack.engine.codegen` when the fast path is on) is made
once per pack in a :class:`Plan`. Explanations are recorded as compact data; the verdict turns
them into :class:`Reason` and :class:`Check` objects only when they are read.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simpleeval import InvalidExpression

from rulepack.engine.sandbox import LimitExceeded, Sandbox
from rulepack.facts.schema import FactSchema, Missing, china_day
from rulepack.lang.expressions import SPECIAL_NAMES, CompiledExpr, Limits
from rulepack.model.pack import (
    NEGATE,
    AllOf,
    Assignment,
    Atom,
    CheckRule,
    Condition,
    Constant,
    Deduction,
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
    group_decision,
    kleene_and,
    reads_of,
)
from rulepack.verdict.data import Check, CheckRecord, CheckSite, Reason, Verdict
from rulepack.verdict.kept import UNREAD, RawCondition

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b, "is": operator.is_, "is not": operator.is_not,
}
# Errors an expression can raise on data it did not expect; they make a check unknown.
RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, IndexError,
                  InvalidExpression)

# A condition's status and the records of the checks that decided it.
Outcome = tuple[Status, tuple[CheckRecord, ...]]
ConditionCode = Callable[["_Run"], Outcome]
ExpressionCode = Callable[["_Run"], Any]
RulesCode = Callable[["_Run"], "tuple[tuple[_RuleRecord, ...], Status]"]

_PASS: Outcome = ("pass", ())


class ExpressionFailed(Exception):
    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


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
        # What renderers of this plan's verdicts make once and keep (verdict.json_writer's
        # writers per language): it lives and dies with the plan, so no cache is keyed by id().
        self.renderings: dict[str, Any] = {}
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
        if isinstance(rule, CheckRule):
            yield rule.require
        elif isinstance(rule, TableRule):
            yield from (row.when for row in rule.rows if row.when is not None)
        elif isinstance(rule, ScoreRule):
            yield from (d.when for d in rule.deductions if d.when is not None)
            if rule.pass_if is not None:
                yield rule.pass_if


def expressions_of(pack: Pack) -> Iterable[CompiledExpr]:
    """Every expression of ``pack`` evaluated outside an atom: assignments, table outputs,
    deduction points and score bounds."""
    for rule in pack.rules:
        if isinstance(rule, (CheckRule, OutputRule)):
            yield from (a.expr for a in rule.assignments)
        elif isinstance(rule, TableRule):
            yield from (v for row in rule.rows for _, v in row.then
                        if isinstance(v, CompiledExpr))
        elif isinstance(rule, ScoreRule):
            yield from (d.points for d in rule.deductions)
            yield from (e for e in (rule.start, rule.floor, rule.ceiling) if e is not None)


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


_CONTAINERS = frozenset({list, tuple, dict})


def _check_size(value: Any, limit: int) -> None:
    """Raise LimitExceeded if ``value`` holds more than ``limit`` items and characters in all.

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
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is dict:
            stack.extend(item.values())
            size += len(item)
        if size > limit:
            raise LimitExceeded(f"a value of more than {limit} items and characters would "
                                "be kept")


# Fact paths, each with its place in `_Run.facts` or -1.
_Facts = tuple[tuple[str, int], ...]

# One rule looked at: the rule, its status, its check records, details. When compiled code
# evaluated the rule, the fourth item is its condition and the third the raw values of every
# atom, which the plan's RawCondition for that condition turns into the deciding records.
_RuleRecord = tuple[Rule, Status, tuple[CheckRecord, ...], Condition | None, dict[str, Any]]


class _Run:
    __slots__ = (
        "_sandbox",
        "as_of",
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
            value = self.cache[path] = self.schema.read(self.document, path)
        return value

    def result_field(self, field: str) -> Any:
        if field in self.unknown_results:
            raise Missing("result." + field)
        return self.result.get(field)

    def missing_of(self, expr: CompiledExpr, first: str) -> tuple[str, ...]:
        """Every missing fact behind ``expr``, not just the first one evaluation hit."""
        out: list[str] = []
        for path in (first, *expr.reads):
            if path.startswith("result."):
                out.extend(self.unknown_results.get(path[7:], ()))
                continue
            if "[]" in path:
                out.append(path)
                continue
            if path in self.cache:
                continue
            try:
                self.cache[path] = self.schema.read(self.document, path)
            except Missing:
                out.append(path)
            except RUNTIME_ERRORS:
                pass  # present but unreadable (an impossible date): not missing
        return tuple(dict.fromkeys(out))

    def run(self, expr: CompiledExpr, tree: ast.Expression | None = None) -> Any:
        """Evaluate ``expr`` (or one part of it); raise :class:`ExpressionFailed` if it cannot."""
        try:
            code = self.plan.expressions.get(id(expr)) if tree is None else None
            value = code(self) if code is not None else \
                self.sandbox.run(expr.tree if tree is None else tree)
            if type(value) in _CONTAINERS:
                _check_size(value, self.plan.limits.max_built)
            return value
        except Missing as exc:
            raise self.missing_failure(expr, exc.path) from None
        except LimitExceeded as exc:
            raise ExpressionFailed(f"RP505: {exc}") from None
        except RUNTIME_ERRORS as exc:
            raise ExpressionFailed(f"RP504: {exc}") from None

    def missing_failure(self, expr: CompiledExpr, first: str) -> ExpressionFailed:
        self.saw_missing = True
        missing = self.missing_of(expr, first)
        if not missing:
            # A result field that failed on an error, not on a missing fact.
            return ExpressionFailed(f"RP504: `{first}` could not be computed")
        return ExpressionFailed("missing", missing)

    def missing_check(self, site: CheckSite, expr: CompiledExpr, first: str) -> CheckRecord:
        """The record of an atom that stopped on a missing fact (used by compiled code too)."""
        failure = self.missing_failure(expr, first)
        return (site, "unknown", None, None, failure.missing,
                None if failure.missing else str(failure))

    # -- conditions -------------------------------------------------------------------------

    def condition(self, node: Condition) -> Outcome:
        code = self.plan.conditions.get(id(node))
        if code is not None:
            return code(self)
        if isinstance(node, Atom):
            record = self.atom(node)
            return record[1], (record,)
        if isinstance(node, Constant):
            return ("pass" if node.value else "fail"), ()
        if isinstance(node, NotOf):
            status, checks = self.condition(node.child)
            return NEGATE[status], checks
        return group_decision(isinstance(node, AllOf),
                              [self.condition(child) for child in node.children])

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
            return (site, "unknown", None, None, exc.missing,
                    None if exc.missing else str(exc))
        except RUNTIME_ERRORS as exc:
            return (site, "unknown", None, None, (), f"RP504: {exc}")
        status: Status = "pass" if passed else "fail"
        if comparison is None:
            if site.path is None:
                actual = None
            elif site.negated:
                actual = self.cache.get(site.path, actual)
        return (site, status, actual, threshold, (), None)

    # -- rules ------------------------------------------------------------------------------

    def verdict(self) -> Verdict:
        pack = self.pack
        pack_when = self.condition(pack.when) if pack.when is not None else None
        code = self.plan.rules_code
        outcome: Status
        if code is not None:
            records, outcome = code(self)
        else:
            records = tuple([self.rule(rule, pack_when) for rule in pack.rules])
            # A skipped rule neither fails nor is unknown: it leaves the outcome to the others.
            decisive = [r[1] for r in records if r[0].decisive]
            outcome = "fail" if "fail" in decisive else \
                "unknown" if "unknown" in decisive else "pass"
        self.records = records
        missing: tuple[str, ...] = ()
        if self.saw_missing:
            found: list[str] = []
            for record in records:
                found.extend(record[4].get("missing", ()))
                for check in self.rule_checks(record):
                    found.extend(check[4])
            missing = tuple(dict.fromkeys(found))
        return Verdict(pack, self.as_of, outcome, self.result, missing,
                       pack_when is None or pack_when[0] != "fail", self)

    def rule(self, rule: Rule, pack_when: Outcome | None) -> _RuleRecord:
        applies = self.applicability(rule, pack_when)
        if applies[0] == "fail":
            for name in _fields_of(rule):
                self.result[name] = [] if _collects(rule) else None
            return rule, "skipped", (), None, {}
        details: dict[str, Any]
        if isinstance(rule, CheckRule):
            status, checks = self.condition(rule.require)
            details = self.assign(rule.assignments) if rule.assignments else {}
        elif isinstance(rule, OutputRule):
            details = self.assign(rule.assignments)
            status = "unknown" if details.get("missing") or details.get("errors") else "pass"
            checks = ()
        elif isinstance(rule, TableRule):
            status, checks, details = self.table(rule)
        else:
            status, checks, details = self.score(rule)
        if applies[0] == "unknown":
            # Whether the rule applies is unknown, so are the fields it sets: had it not
            # applied they would be null. A check may still pass (Kleene: not-when or require).
            fields = _fields_of(rule)
            missing = tuple(m for c in applies[1] for m in c[4])
            for name in fields:
                self.result[name] = None
                self.unknown_results[name] = missing
            if status != "pass" or fields:
                status = "unknown"
                checks = applies[1] + checks
        return rule, status, checks, None, details

    def applicability(self, rule: Rule, pack_when: Outcome | None) -> Outcome:
        if rule.when is None:
            return pack_when if pack_when is not None else _PASS
        own = self.condition(rule.when)
        if pack_when is None:
            return own
        status = kleene_and((pack_when[0], own[0]))
        return status, tuple(c for p in (pack_when, own) if p[0] == status for c in p[1])

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
        # One check read by several rows (or groups) is explained once.
        return tuple({(c[0].text, c[1], c[4]): c for c in checks}.values())

    def rule_values(self, record: _RuleRecord) -> dict[str, Any]:
        """The facts one rule refers to that the document has, by path: those of its `when`
        alone when it was skipped, else those of all its parts (also parts evaluation did not
        need, such as the far side of an `and` or the rows after a first hit)."""
        when_facts, all_facts = self.plan.facts_of[id(record[0])]
        values: dict[str, Any] = {}
        kept = self.facts
        for path, slot in when_facts if record[1] == "skipped" else all_facts:
            if kept and slot >= 0 and kept[slot] is not UNREAD:
                values[path] = kept[slot]
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
        error = "; ".join(details.pop("errors", [])) or None
        row_sources: tuple[Any, ...] = ()
        if isinstance(rule, TableRule) and details.get("matched"):
            matched = set(details["matched"])
            row_sources = tuple(r.source for r in rule.rows if r.id in matched and r.source)
        labels = self.schema.value_labels
        return Reason.make(
            rule.id, rule.kind, status, rule.title, rule.source,
            tuple([Check.from_record(c) for c in self.rule_checks(record)]), values,
            details, error, rule.messages, row_sources,
            {"params": self.pack.params, "result": self.result,
             "today": self.today, "as_of": self.as_of,
             "rates": {p: True for p in values if self.schema.is_rate(p)},
             "labels": {p: labels[p] for p in values if p in labels}},
        )

    def assign(self, assignments: tuple[Assignment, ...]) -> dict[str, Any]:
        missing: list[str] = []
        errors: list[str] = []
        for assignment in assignments:
            self.unknown_results.pop(assignment.field, None)
            try:
                self.result[assignment.field] = self.run(assignment.expr)
            except ExpressionFailed as exc:
                self.result[assignment.field] = None
                self.unknown_results[assignment.field] = exc.missing
                if exc.missing:
                    missing.extend(exc.missing)
                else:
                    errors.append(f"{assignment.field}: {exc}")
        out: dict[str, Any] = {}
        if missing:
            out["missing"] = list(dict.fromkeys(missing))
        if errors:
            out["errors"] = errors
        return out

    def output_value(self, value: Any) -> Any:
        return self.run(value) if isinstance(value, CompiledExpr) else value

    def table(self, rule: TableRule) -> tuple[Status, tuple[CheckRecord, ...], dict[str, Any]]:
        rows = rule.rows
        outcomes: dict[str, Outcome] = {}
        for row in rows:
            outcomes[row.id] = self.condition(row.when) if row.when is not None else _PASS
            if rule.hit_policy == "first" and outcomes[row.id][0] != "fail":
                break  # rows after the first possible hit cannot change a first-hit answer
        passing = [r for r in rows if r.id in outcomes and outcomes[r.id][0] == "pass"]
        unknown = [r for r in rows if r.id in outcomes and outcomes[r.id][0] == "unknown"]
        details: dict[str, Any] = {"rows": {rid: o[0] for rid, o in outcomes.items()}}
        winners, undecided = _winners(rule, rows, passing, unknown, details)
        details["matched"] = [r.id for r in winners]
        checks = tuple(c for r in (unknown if undecided else winners) for c in outcomes[r.id][1])
        missing = [m for c in checks for m in c[4]]
        try:
            if rule.hit_policy == "collect":
                for name in rule.outputs:
                    self.result[name] = self.collected(name, winners)
                    if undecided:
                        self.unknown_results[name] = tuple(missing)
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
            if exc.missing:
                details["missing"] = list(exc.missing)
            else:
                details.setdefault("errors", []).append(str(exc))
            return "unknown", checks, details
        if undecided or details.get("errors"):
            return "unknown", checks, details
        if not winners:
            return ("fail" if rule.complete else "pass"), checks, details
        return "pass", checks, details

    def collected(self, name: str, winners: list[Row]) -> list[Any]:
        out: list[Any] = []
        for row in winners:
            for key, value in row.then:
                if key == name:
                    value = self.output_value(value)
                    for item in value if isinstance(value, list) else [value]:
                        if item not in out:
                            out.append(item)
        return out

    def score(self, rule: ScoreRule) -> tuple[Status, tuple[CheckRecord, ...], dict[str, Any]]:
        for name in (rule.into_score, rule.into_deducted):
            if name:
                self.result[name] = None
        try:
            start = self.run(rule.start) if rule.start else 0
            lines: list[dict[str, Any]] = []
            unknown_checks: list[CheckRecord] = []
            deducted: Any = 0
            for deduction in rule.deductions:
                applies = self.condition(deduction.when) if deduction.when else _PASS
                if applies[0] == "unknown":
                    unknown_checks.extend(applies[1])
                    continue
                points = self.run(deduction.points) if applies[0] == "pass" else 0
                lines.append({"id": deduction.id, "points": points})
                deducted = _add_points(deducted, points, deduction)
            if unknown_checks:
                missing = tuple(m for c in unknown_checks for m in c[4])
                for name in (rule.into_score, rule.into_deducted):
                    if name:
                        self.unknown_results[name] = missing
                return "unknown", tuple(unknown_checks), {"missing": list(missing)}
            floor = self.run(rule.floor) if rule.floor else None
            ceiling = self.run(rule.ceiling) if rule.ceiling else None
            try:
                score = start - deducted
                if floor is not None:
                    score = max(score, floor)
                if ceiling is not None:
                    score = min(score, ceiling)
            except RUNTIME_ERRORS as exc:
                raise ExpressionFailed(f"RP504: the score cannot be computed: {exc}") from None
        except ExpressionFailed as exc:
            for name in (rule.into_score, rule.into_deducted):
                if name:
                    self.unknown_results[name] = exc.missing
            details: dict[str, Any] = {"missing": list(exc.missing)} if exc.missing else {"errors": [str(exc)]}
            return "unknown", (), details
        self.result[rule.into_score] = score
        if rule.into_deducted:
            self.result[rule.into_deducted] = deducted
        details = {"start": start, "deductions": lines, "floor": floor, "ceiling": ceiling,
                   "score": score}
        if rule.pass_if is None:
            return "pass", (), details
        status, checks = self.condition(rule.pass_if)
        return status, checks, details


def _winners(rule: TableRule, rows: tuple[Row, ...], passing: list[Row], unknown: list[Row],
             details: dict[str, Any]) -> tuple[list[Row], bool]:
    """The rows that decide under the hit policy, and whether unknown rows leave it open."""
    if rule.hit_policy == "first":
        blocked = unknown and passing and rows.index(unknown[0]) < rows.index(passing[0])
        winners = passing[:1] if passing and not blocked else []
        return winners, not winners and bool(unknown)
    if rule.hit_policy == "unique":
        if len(passing) > 1:
            rows_text = ", ".join(r.id for r in passing)
            details["errors"] = [f"RP506: rows {rows_text} all match under the unique hit policy"]
            return [], True
        # An unknown row might match too, which would break uniqueness: undecided.
        return ([], True) if unknown else (passing, False)
    if rule.hit_policy == "priority":
        best = max(passing, key=lambda r: r.priority, default=None)
        blocked = best is not None and any(r.priority > best.priority for r in unknown)
        winners = [best] if best is not None and not blocked else []
        return winners, not winners and bool(unknown)
    return passing, bool(unknown)


def _add_points(deducted: Any, points: Any, deduction: Deduction) -> Any:
    try:
        return deducted + points
    except RUNTIME_ERRORS as exc:
        raise ExpressionFailed(
            f"RP504: deduction `{deduction.id}` is not a number: {exc}") from None


def _fields_of(rule: Rule) -> list[str]:
    if isinstance(rule, TableRule):
        return list(rule.outputs)
    if isinstance(rule, ScoreRule):
        return [n for n in (rule.into_score, rule.into_deducted) if n]
    return [a.field for a in rule.assignments]


def _collects(rule: Rule) -> bool:
    return isinstance(rule, TableRule) and rule.hit_policy == "collect"
