"""Evaluating one compiled pack against one fact document, into a :class:`Verdict`.

Logic is three-valued (Kleene): a condition whose facts are missing is ``unknown``, an ``all``
group with a failing member fails whatever else is unknown, an ``any`` group with a passing
member passes. Every member of a group is evaluated (no short-circuit between atoms) so that the
explanation lists every failing prerequisite, not just the first.

Rules run in pack order; each may set result fields that later rules read. All state lives in a
:class:`_Run` made for one request and dropped after it.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
from collections.abc import Callable, Iterable
from typing import Any

from simpleeval import InvalidExpression

from rulepack._expr import CompiledExpr, Limits
from rulepack._facts import CHINA_TZ, FactSchema, Missing
from rulepack._model import (
    AllOf,
    Assignment,
    Atom,
    CheckRule,
    Condition,
    Constant,
    NotOf,
    OutputRule,
    Pack,
    Rule,
    ScoreRule,
    Status,
    TableRule,
    Text,
)
from rulepack._sandbox import LimitExceeded, Sandbox
from rulepack._verdict import Check, Reason, Verdict

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b, "is": operator.is_, "is not": operator.is_not,
}
# Errors an expression can raise on data it did not expect; they make a check unknown.
_RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, IndexError,
                   InvalidExpression)


def kleene_and(statuses: Iterable[Status]) -> Status:
    seen = set(statuses)
    if "fail" in seen:
        return "fail"
    return "unknown" if "unknown" in seen else "pass"


def kleene_or(statuses: Iterable[Status]) -> Status:
    seen = set(statuses)
    if "pass" in seen:
        return "pass"
    return "unknown" if "unknown" in seen else "fail"


_NEGATE: dict[Status, Status] = {"pass": "fail", "fail": "pass", "unknown": "unknown",
                                 "skipped": "skipped"}


class _Outcome:
    """A condition's status and the checks that decided it."""

    __slots__ = ("checks", "status")

    def __init__(self, status: Status, checks: list[Check]) -> None:
        self.status = status
        self.checks = checks


class ExpressionFailed(Exception):
    def __init__(self, message: str, missing: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.missing = missing


def evaluate_pack(
    pack: Pack,
    document: Any,
    *,
    as_of: dt.datetime,
    schema: FactSchema,
    limits: Limits,
) -> Verdict:
    """Evaluate ``pack`` on a validated fact document."""
    return _Run(pack, document, as_of, schema, limits).verdict()


class _Run:
    def __init__(
        self, pack: Pack, document: Any, as_of: dt.datetime, schema: FactSchema, limits: Limits,
    ) -> None:
        self.pack = pack
        self.as_of = as_of
        # Dates of the policy calendar (today, calendar windows) are China's, whatever offset
        # the instant was written with.
        self.today = as_of.astimezone(CHINA_TZ).date()
        self.schema = schema
        self.facts = schema.lookup(document if isinstance(document, dict) else {})
        self.result: dict[str, Any] = {}
        # Result fields that could not be computed, with the fact paths that were missing.
        self.unknown_results: dict[str, tuple[str, ...]] = {}
        self.reads: dict[str, Any] = {}
        self.sandbox = Sandbox(self.name, schema.convert_item, limits)

    # -- names ------------------------------------------------------------------------------

    def name(self, name: str) -> Any:
        if name == "as_of":
            return self.as_of
        if name == "today":
            return self.today
        if name.startswith("result."):
            field = name[7:]
            if field in self.unknown_results:
                raise Missing(name)
            return self.result.get(field)
        value = self.facts(name)
        self.reads[name] = value
        return value

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
            try:
                self.facts(path)
            except Missing:
                out.append(path)
        return tuple(dict.fromkeys(out))

    def run(self, expr: CompiledExpr, tree: ast.Expression | None = None) -> Any:
        """Evaluate ``expr`` (or one part of it); raise :class:`ExpressionFailed` if it cannot."""
        try:
            return self.sandbox.run(expr.tree if tree is None else tree)
        except Missing as exc:
            missing = self.missing_of(expr, exc.path)
            if not missing:
                # A result field that failed on an error, not on a missing fact.
                raise ExpressionFailed(f"RP504: `{exc.path}` could not be computed") from None
            raise ExpressionFailed("missing", missing) from None
        except LimitExceeded as exc:
            raise ExpressionFailed(f"RP505: {exc}") from None
        except _RUNTIME_ERRORS as exc:
            raise ExpressionFailed(f"RP504: {exc}") from None

    # -- conditions -------------------------------------------------------------------------

    def condition(self, node: Condition) -> _Outcome:
        if isinstance(node, Atom):
            check = self.atom(node)
            return _Outcome(check.status, [check])
        if isinstance(node, Constant):
            return _Outcome("pass" if node.value else "fail", [])
        if isinstance(node, NotOf):
            inner = self.condition(node.child)
            return _Outcome(_NEGATE[inner.status], inner.checks)
        parts = [self.condition(child) for child in node.children]
        status = kleene_and(p.status for p in parts) if isinstance(node, AllOf) \
            else kleene_or(p.status for p in parts)
        # The deciding members: those with the group's own status (for a passing `all` or a
        # failing `any`, that is every member).
        checks = [c for p in parts if p.status == status for c in p.checks]
        return _Outcome(status, checks)

    def atom(self, atom: Atom) -> Check:
        expr = atom.expr
        comparison = expr.comparison
        path = comparison.actual_path if comparison else expr.subject_path
        label = atom.label or (self.schema.labels.get(path) if path else None)
        if label is None and path is not None and path.startswith("result."):
            label = Text(path[7:], path[7:])
        rate = self.schema.is_rate(path)
        labels = self.schema.value_labels.get(path or "")
        try:
            if comparison is not None:
                actual = self.run(expr, comparison.actual)
                threshold = self.run(expr, comparison.threshold)
                passed = _COMPARE[comparison.op](actual, threshold)
            else:
                actual = self.run(expr)
                threshold = None
                passed = actual
        except ExpressionFailed as exc:
            return Check(expr=expr.text, status="unknown", label=label, path=path,
                         missing=exc.missing, rate=rate,
                         error=None if exc.missing else str(exc), value_labels=labels)
        except _RUNTIME_ERRORS as exc:
            return Check(expr=expr.text, status="unknown", label=label, path=path, rate=rate,
                         error=f"RP504: {exc}", value_labels=labels)
        status: Status = "pass" if passed else "fail"
        if comparison is None:
            if expr.negated and path is not None:
                actual = self.reads.get(path, actual)
            return Check(expr=expr.text, status=status, label=label, path=path,
                         actual=actual if path else None, rate=rate, value_labels=labels)
        return Check(
            expr=expr.text, status=status, label=label, path=path, actual=actual,
            op=comparison.op, threshold=threshold, param=comparison.threshold_param,
            gap=_gap(comparison.op, actual, threshold) if status == "fail" else None, rate=rate,
            value_labels=labels,
        )

    # -- rules ------------------------------------------------------------------------------

    def verdict(self) -> Verdict:
        pack_when = self.condition(self.pack.when) if self.pack.when is not None else None
        reasons = [self.rule(rule, pack_when) for rule in self.pack.rules]
        decisive = [r.status for r, rule in zip(reasons, self.pack.rules)
                    if rule.decisive and r.status != "skipped"]
        missing: list[str] = []
        for reason in reasons:
            missing.extend(reason.details.get("missing", ()))
            for check in reason.checks:
                missing.extend(check.missing)
        return Verdict(
            pack=self.pack.id,
            version=self.pack.version,
            digest=self.pack.digest,
            as_of=self.as_of,
            outcome=kleene_and(decisive),
            result=self.result,
            reasons=tuple(reasons),
            missing=tuple(dict.fromkeys(missing)),
            title=self.pack.title,
            applicable=pack_when is None or pack_when.status != "fail",
        )

    def rule(self, rule: Rule, pack_when: _Outcome | None) -> Reason:
        self.reads = {}
        applies = self.applicability(rule, pack_when)
        if applies.status == "fail":
            for name in _fields_of(rule):
                self.result[name] = [] if _collects(rule) else None
            return self.reason(rule, "skipped", [])
        if isinstance(rule, CheckRule):
            outcome = self.condition(rule.require)
            details = self.assign(rule.assignments)
            status, checks = outcome.status, outcome.checks
        elif isinstance(rule, OutputRule):
            details = self.assign(rule.assignments)
            status = "unknown" if details.get("missing") or details.get("errors") else "pass"
            checks = []
        elif isinstance(rule, TableRule):
            status, checks, details = self.table(rule)
        else:
            status, checks, details = self.score(rule)
        if applies.status == "unknown":
            # Whether the rule applies is unknown, so are the fields it sets: had it not
            # applied they would be null. A check may still pass (Kleene: not-when or require).
            fields = _fields_of(rule)
            missing = tuple(m for c in applies.checks for m in c.missing)
            for name in fields:
                self.result[name] = None
                self.unknown_results[name] = missing
            if status != "pass" or fields:
                status = "unknown"
                checks = applies.checks + checks
        return self.reason(rule, status, checks, details)

    def applicability(self, rule: Rule, pack_when: _Outcome | None) -> _Outcome:
        parts = [p for p in (pack_when, self.condition(rule.when) if rule.when else None) if p]
        if not parts:
            return _Outcome("pass", [])
        status = kleene_and(p.status for p in parts)
        return _Outcome(status, [c for p in parts if p.status == status for c in p.checks])

    def reason(self, rule: Rule, status: Status, checks: list[Check],
               details: dict[str, Any] | None = None) -> Reason:
        details = details or {}
        error = "; ".join(details.pop("errors", [])) or None
        row_sources: tuple[Any, ...] = ()
        if isinstance(rule, TableRule) and details.get("matched"):
            matched = set(details["matched"])
            row_sources = tuple(r.source for r in rule.rows if r.id in matched and r.source)
        # One check read by several rows (or groups) is explained once.
        unique = list({(c.expr, c.status, c.missing): c for c in checks}.values())
        labels = self.schema.value_labels
        return Reason(
            rule=rule.id, kind=rule.kind, status=status, title=rule.title, source=rule.source,
            checks=tuple(unique), values=dict(self.reads), details=details, error=error,
            messages=rule.messages, row_sources=row_sources,
            context={"params": self.pack.params, "result": self.result,
                     "today": self.today, "as_of": self.as_of,
                     "rates": {p: True for p in self.reads if self.schema.is_rate(p)},
                     "labels": {p: labels[p] for p in self.reads if p in labels}},
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

    def table(self, rule: TableRule) -> tuple[Status, list[Check], dict[str, Any]]:
        rows = rule.rows
        outcomes: dict[str, _Outcome] = {}
        for row in rows:
            outcomes[row.id] = self.condition(row.when) if row.when is not None \
                else _Outcome("pass", [])
            if rule.hit_policy == "first" and outcomes[row.id].status != "fail":
                break  # rows after the first possible hit cannot change a first-hit answer
        passing = [r for r in rows if r.id in outcomes and outcomes[r.id].status == "pass"]
        unknown = [r for r in rows if r.id in outcomes and outcomes[r.id].status == "unknown"]
        details: dict[str, Any] = {"rows": {rid: o.status for rid, o in outcomes.items()}}
        winners = passing
        undecided = bool(unknown)
        if rule.hit_policy == "first":
            winners = passing[:1] if passing and not (unknown and rows.index(unknown[0])
                                                      < rows.index(passing[0])) else []
            undecided = not winners and bool(unknown)
        elif rule.hit_policy == "unique":
            if len(passing) > 1:
                details["errors"] = [
                    f"RP506: rows {', '.join(r.id for r in passing)} all match under the unique "
                    "hit policy"]
                winners, undecided = [], True
            else:
                # An unknown row might match too, which would break uniqueness: undecided.
                undecided = bool(unknown)
                winners = [] if undecided else passing
        elif rule.hit_policy == "priority":
            best = max(passing, key=lambda r: r.priority, default=None)
            blocked = best is not None and any(r.priority > best.priority for r in unknown)
            winners = [best] if best is not None and not blocked else []
            undecided = not winners and bool(unknown)
        details["matched"] = [r.id for r in winners]
        checks = [c for r in (unknown if undecided else winners) for c in outcomes[r.id].checks]
        missing = [m for c in checks for m in c.missing]
        try:
            if rule.hit_policy == "collect":
                for name in rule.outputs:
                    collected: list[Any] = []
                    for row in winners:
                        for key, value in row.then:
                            if key == name:
                                value = self.output_value(value)
                                for item in value if isinstance(value, list) else [value]:
                                    if item not in collected:
                                        collected.append(item)
                    self.result[name] = collected
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

    def score(self, rule: ScoreRule) -> tuple[Status, list[Check], dict[str, Any]]:
        details: dict[str, Any] = {}
        for name in (rule.into_score, rule.into_deducted):
            if name:
                self.result[name] = None
        try:
            start = self.run(rule.start) if rule.start else 0
            lines: list[dict[str, Any]] = []
            unknown_checks: list[Check] = []
            deducted: Any = 0
            for deduction in rule.deductions:
                applies = self.condition(deduction.when) if deduction.when else \
                    _Outcome("pass", [])
                if applies.status == "unknown":
                    unknown_checks.extend(applies.checks)
                    continue
                points = self.run(deduction.points) if applies.status == "pass" else 0
                lines.append({"id": deduction.id, "points": points})
                try:
                    deducted += points
                except _RUNTIME_ERRORS as exc:
                    raise ExpressionFailed(
                        f"RP504: deduction `{deduction.id}` is not a number: {exc}") from None
            if unknown_checks:
                missing = tuple(m for c in unknown_checks for m in c.missing)
                for name in (rule.into_score, rule.into_deducted):
                    if name:
                        self.unknown_results[name] = missing
                return "unknown", unknown_checks, {"missing": list(missing)}
            floor = self.run(rule.floor) if rule.floor else None
            ceiling = self.run(rule.ceiling) if rule.ceiling else None
            try:
                score = start - deducted
                if floor is not None:
                    score = max(score, floor)
                if ceiling is not None:
                    score = min(score, ceiling)
            except _RUNTIME_ERRORS as exc:
                raise ExpressionFailed(f"RP504: the score cannot be computed: {exc}") from None
        except ExpressionFailed as exc:
            for name in (rule.into_score, rule.into_deducted):
                if name:
                    self.unknown_results[name] = exc.missing
            details = {"missing": list(exc.missing)} if exc.missing else {"errors": [str(exc)]}
            return "unknown", [], details
        self.result[rule.into_score] = score
        if rule.into_deducted:
            self.result[rule.into_deducted] = deducted
        details = {"start": start, "deductions": lines, "floor": floor, "ceiling": ceiling,
                   "score": score}
        if rule.pass_if is None:
            return "pass", [], details
        outcome = self.condition(rule.pass_if)
        return outcome.status, outcome.checks, details


def _gap(op: str, actual: Any, threshold: Any) -> Any:
    """How far a failed threshold check is from passing, in the threshold's unit."""
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool)
                  for v in (actual, threshold))
    if not numbers:
        return None
    integral = isinstance(actual, int) and isinstance(threshold, int)
    if op == ">=":
        gap = threshold - actual
    elif op == "<=":
        gap = actual - threshold
    elif op == ">" and integral:
        gap = threshold - actual + 1
    elif op == "<" and integral:
        gap = actual - threshold + 1
    else:
        return None
    return gap if integral else round(gap, 10)


def _fields_of(rule: Rule) -> list[str]:
    if isinstance(rule, TableRule):
        return list(rule.outputs)
    if isinstance(rule, ScoreRule):
        return [n for n in (rule.into_score, rule.into_deducted) if n]
    return [a.field for a in rule.assignments]


def _collects(rule: Rule) -> bool:
    return isinstance(rule, TableRule) and rule.hit_policy == "collect"
