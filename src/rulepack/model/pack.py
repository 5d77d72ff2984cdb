"""The immutable pack model that the loader builds and the evaluator reads.

Nothing here parses or evaluates; every expression arrives compiled
(:mod:`rulepack.lang.expressions`). What statuses mean is :mod:`rulepack.model.logic`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, Literal

from rulepack.lang.expressions import CompiledExpr
from rulepack.model.logic import ALL, ANY, Junction

# The types of statuses and hit policies are the logic's; the model's fields are typed by them.
from rulepack.model.logic import HitPolicy as HitPolicy
from rulepack.model.logic import Status as Status

Lang = Literal["zh", "en"]


@dataclass(frozen=True)
class Text:
    """A text in Chinese and English."""

    zh: str
    en: str

    def get(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Source:
    """The seed document and the exact phrase a rule encodes."""

    seed: str
    quote: str

    def to_dict(self) -> dict[str, str]:
        return {"seed": self.seed, "quote": self.quote}


@dataclass(frozen=True)
class Where:
    """Where a model element stands in its pack file, for findings about it."""

    line: int = 0
    column: int = 0


# -- conditions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """One expression, explained on its own."""

    expr: CompiledExpr
    label: Text | None = None
    where: Where = Where()


@dataclass(frozen=True)
class AllOf:
    children: tuple[Condition, ...]
    junction: ClassVar[Junction] = ALL


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Condition, ...]
    junction: ClassVar[Junction] = ANY


@dataclass(frozen=True)
class NotOf:
    child: Condition


@dataclass(frozen=True)
class Constant:
    value: bool


Condition = Atom | AllOf | AnyOf | NotOf | Constant


def atoms_in(node: Condition | None) -> Iterator[Atom]:
    """Every atom of a condition tree, in evaluation order."""
    if isinstance(node, Atom):
        yield node
    elif isinstance(node, NotOf):
        yield from atoms_in(node.child)
    elif isinstance(node, (AllOf, AnyOf)):
        for child in node.children:
            yield from atoms_in(child)


# -- rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Messages:
    """Message templates by rule status; any may be absent."""

    by_status: dict[str, Text] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleBase:
    """What every kind of rule has. Each kind says which conditions and expressions it holds
    and which result fields it sets, so no reader of rules needs to tell the kinds apart."""

    id: str
    title: Text
    source: Source
    when: Condition | None
    messages: Messages
    decisive: bool
    where: Where

    def conditions(self) -> Iterator[Condition]:
        """The rule's conditions other than its ``when``, in evaluation order."""
        return iter(())

    def expressions(self) -> Iterator[CompiledExpr]:
        """The expressions the rule evaluates outside a condition's atoms."""
        return iter(())

    def fields(self) -> tuple[str, ...]:
        """The result fields the rule sets."""
        return ()

    @property
    def collects(self) -> bool:
        """Whether the fields it sets are lists (empty when the rule does not apply)."""
        return False

    def outcomes(self) -> tuple[str, ...]:
        """What the rule can come to on a document it applies to: statuses, or for a table
        its rows (``row:ID``). A rule that only sets outputs can only pass."""
        return ("pass",)

    @property
    def judges(self) -> bool:
        """Whether the rule's ``pass`` says a requirement holds (a check, a score with a
        ``pass_if``), rather than that its outputs were worked out (an output rule, a table
        that found its row, a score without ``pass_if``)."""
        return False


@dataclass(frozen=True)
class Assignment:
    """``field: expression`` in a ``set`` block."""

    field: str
    expr: CompiledExpr


@dataclass(frozen=True)
class CheckRule(RuleBase):
    require: Condition
    assignments: tuple[Assignment, ...] = ()
    kind: Literal["check"] = "check"

    def conditions(self) -> Iterator[Condition]:
        yield self.require

    def outcomes(self) -> tuple[str, ...]:
        return ("pass", "fail")

    @property
    def judges(self) -> bool:
        return True

    def expressions(self) -> Iterator[CompiledExpr]:
        return (a.expr for a in self.assignments)

    def fields(self) -> tuple[str, ...]:
        return tuple(a.field for a in self.assignments)


@dataclass(frozen=True)
class OutputRule(RuleBase):
    assignments: tuple[Assignment, ...] = ()
    kind: Literal["output"] = "output"

    def expressions(self) -> Iterator[CompiledExpr]:
        return (a.expr for a in self.assignments)

    def fields(self) -> tuple[str, ...]:
        return tuple(a.field for a in self.assignments)


@dataclass(frozen=True)
class Row:
    """A decision table row: a condition (absent: always matches) and its outputs."""

    id: str
    when: Condition | None
    then: tuple[tuple[str, Any], ...]  # values are literals or CompiledExpr
    priority: int = 0
    where: Where = Where()
    source: Source | None = None


@dataclass(frozen=True)
class TableRule(RuleBase):
    hit_policy: HitPolicy = "first"
    outputs: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    complete: bool = True
    kind: Literal["table"] = "table"

    def conditions(self) -> Iterator[Condition]:
        return (row.when for row in self.rows if row.when is not None)

    def expressions(self) -> Iterator[CompiledExpr]:
        return (v for row in self.rows for _, v in row.then if isinstance(v, CompiledExpr))

    def fields(self) -> tuple[str, ...]:
        return self.outputs

    @property
    def collects(self) -> bool:
        return self.hit_policy == "collect"

    def outcomes(self) -> tuple[str, ...]:
        return tuple(f"row:{row.id}" for row in self.rows)

    # What every evaluation of the table reads of its rows, made once (a frozen dataclass's
    # cached_property writes the instance's own dict, not a field).
    @cached_property
    def row_ids(self) -> tuple[str, ...]:
        return tuple(row.id for row in self.rows)

    @cached_property
    def priorities(self) -> tuple[int, ...]:
        return tuple(row.priority for row in self.rows)

    def cited_rows(self, matched: Iterable[str]) -> tuple[Row, ...]:
        """The rows among ``matched`` (ids) that cite a sentence of their own, in row order:
        the sources a reason shows beside its rule's."""
        ids = set(matched)
        return tuple(row for row in self.rows if row.id in ids and row.source)


@dataclass(frozen=True)
class Deduction:
    id: str
    when: Condition | None
    points: CompiledExpr
    label: Text | None = None


@dataclass(frozen=True)
class ScoreRule(RuleBase):
    start: CompiledExpr | None = None
    deductions: tuple[Deduction, ...] = ()
    floor: CompiledExpr | None = None
    ceiling: CompiledExpr | None = None
    into_score: str = "score"
    into_deducted: str | None = None
    pass_if: Condition | None = None
    kind: Literal["score"] = "score"

    def conditions(self) -> Iterator[Condition]:
        yield from (d.when for d in self.deductions if d.when is not None)
        if self.pass_if is not None:
            yield self.pass_if

    def expressions(self) -> Iterator[CompiledExpr]:
        yield from (d.points for d in self.deductions)
        yield from (e for e in (self.start, self.floor, self.ceiling) if e is not None)

    def fields(self) -> tuple[str, ...]:
        return tuple(n for n in (self.into_score, self.into_deducted) if n)

    def outcomes(self) -> tuple[str, ...]:
        return ("pass", "fail") if self.pass_if is not None else ("pass",)

    @property
    def judges(self) -> bool:
        return self.pass_if is not None


Rule = CheckRule | OutputRule | TableRule | ScoreRule


@dataclass(frozen=True)
class Property:
    """A declared property for ``rulepack verify`` (kept as data; the verifier reads it)."""

    id: str
    kind: str
    spec: dict[str, Any]
    where: Where = Where()


@dataclass(frozen=True)
class Pack:
    """One version of one policy, compiled and ready to evaluate."""

    id: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    subject: str
    title: Text
    description: Text
    sources: tuple[Source, ...]
    params: dict[str, Any]
    when: Condition | None
    rules: tuple[Rule, ...]
    properties: tuple[Property, ...]
    result_fields: tuple[str, ...]
    platforms: tuple[str, ...]
    positions: dict[str, Where]
    digest: str
    file: str
    # The first day the policy itself is withdrawn (``retired_from``): this version is the
    # last, in force until the day before, and no later version is missing.
    retired_from: dt.date | None = None
    # The words for the codes result fields hold (``labels:``), by field then by code: see
    # :func:`result_labels`.
    value_labels: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)

    @property
    def version_key(self) -> tuple[int, int, int]:
        major, minor, patch = self.version.split("+")[0].split("-")[0].split(".")
        return (int(major), int(minor), int(patch))

    def in_force(self, day: dt.date) -> bool:
        """Whether this version is in force on ``day`` (both ends inclusive)."""
        if day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def result_labels(raw: Mapping[str, Mapping[str, Mapping[str, str]]] | None) \
        -> dict[str, dict[str, Text]]:
    """A pack's ``labels:`` block (checked by the pack schema) as the model keeps it: for each
    result field, each code it may hold and its words (``manual_review`` → 人工审核)."""
    return {name: {str(code): Text(zh=text["zh"], en=text["en"]) for code, text in codes.items()}
            for name, codes in (raw or {}).items()}


def reads_of(*parts: Any) -> tuple[str, ...]:
    """Every path read by the expressions in ``parts`` (conditions, rules, rows, deductions,
    assignments, expressions, or tuples of them), in order of appearance, each once."""
    out: dict[str, None] = {}

    def visit(node: Any) -> None:
        if isinstance(node, CompiledExpr):
            out.update(dict.fromkeys(node.reads))
        elif isinstance(node, Atom):
            visit(node.expr)
        elif isinstance(node, (AllOf, AnyOf)):
            visit(node.children)
        elif isinstance(node, NotOf):
            visit(node.child)
        elif isinstance(node, (tuple, list)):
            for item in node:
                visit(item)
        elif isinstance(node, Assignment):
            visit(node.expr)
        elif isinstance(node, Row):
            visit(node.when)
            visit([value for _, value in node.then])
        elif isinstance(node, Deduction):
            visit(node.when)
            visit(node.points)
        elif isinstance(node, RuleBase):
            visit(node.when)
            for attribute in ("require", "assignments", "rows", "deductions", "start",
                              "floor", "ceiling", "pass_if"):
                visit(getattr(node, attribute, None))

    visit(parts)
    return tuple(out)
