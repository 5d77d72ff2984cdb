"""Static verification of decision tables: overlaps, gaps, and rows that can never win.

A row's condition is read as constraints over the fact paths it compares with constants:
numeric comparisons cut a number line into intervals, equality and ``in`` pick values of an
enum, a boolean or a string, ``is None`` tells null from set. The constants partition each
path's values into classes that every comparison treats alike; one representative per class
(each constant, a point strictly between two neighbours, one below the lowest and one above the
highest, within the schema's bounds; every enum value; one string no row names) stands for the
whole class, so checking the rows on the product of representatives is exact.

Atoms of any other shape (library calls, arithmetic, result fields, dates against ``today``,
comprehensions) are free booleans: a finding is kept only if it holds whatever they are. An
overlap or a gap is looked for with them unknown (Kleene logic answers for every value at once);
a masked row is proved by trying both values of each free atom. Last, every witness is replayed
through the real evaluator on a fact document made from it, and a finding whose witness does not
reproduce there is dropped.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeGuard

from rulepack.core.errors import Problem
from rulepack.engine.interpreter import evaluate_pack
from rulepack.facts.schema import CHINA_TZ, FactSchema
from rulepack.lang.expressions import DEFAULT_LIMITS, FieldInfo
from rulepack.model.logic import HIT_POLICIES, NEGATE, HitPolicy
from rulepack.model.pack import (
    AllOf,
    AnyOf,
    Atom,
    Condition,
    Constant,
    NotOf,
    Pack,
    Row,
    Status,
    TableRule,
    atoms_in,
)

_MAX_POINTS = 20_000  # candidate inputs of one table; a larger table is left unverified
_MAX_FREE = 10  # free atoms whose values are enumerated at one input (2 ** 10 combinations)
_MAX_GAPS = 5  # gap findings reported per table; more would repeat the same lesson
_MAX_OVERLAPS = 10  # overlapping pairs reported per table, for the same reason
_MAX_REPLAY_FAILURES = 20  # witnesses the evaluator did not reproduce before a table is given up
_AS_OF = dt.datetime(2026, 1, 1, tzinfo=CHINA_TZ)  # witnesses read no date, any instant will do
_SAMPLE = {"date": "2026-01-01", "instant": "2026-01-01T00:00:00+08:00"}  # a set date or instant
_CONTEXT = " when"  # the id of the probe row holding the table's context; no row id has a space
_BOTH: tuple[Status, Status] = ("pass", "fail")

Point = tuple[Any, ...]  # one candidate input: a value per analysed path, in domain order
Sigma = Mapping[str, Status]  # values given to free atoms, by expression text
_ALL_UNKNOWN: Sigma = {}  # free atoms left unknown: Kleene logic then answers for every value


def table_problems(pack: Pack, schema: FactSchema) -> list[Problem]:
    """Overlaps (RP601), gaps (RP602) and rows that can never win (RP603) in ``pack``'s tables."""
    out: list[Problem] = []
    for index, rule in enumerate(pack.rules):
        if isinstance(rule, TableRule) and rule.hit_policy != "collect":
            table = _Table.make(pack, index, rule, schema)
            if table is not None:
                out.extend(table.problems())
    return out


# -- which atoms can be analysed --------------------------------------------------------------


class _Shape(Exception):
    """An atom outside the shapes whose truth depends on the cells of a partition alone."""


class _Mark:
    """A placeholder among a path's constants: a null test, or a check made unknown."""


_NULL = _Mark()
_ANALYSED_KINDS = ("integer", "number", "string", "boolean", "date", "instant")
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not,
}
# What Python raises on values an expression did not expect; the evaluator makes them unknown.
_RUNTIME = (TypeError, ValueError, ArithmeticError)


@dataclass(frozen=True)
class _Test:
    """One comparison of a path with a constant inside an analysable atom; with no ``op``, the
    path's own truth (a bare boolean)."""

    path: str
    op: type[ast.cmpop] | None
    constant: Any = None  # a tuple for `in` and `not in`
    path_left: bool = True

    def constants(self) -> list[Any]:
        if self.op is None:
            return []
        values = self.constant if isinstance(self.constant, tuple) else (self.constant,)
        return [_NULL if v is None else v for v in values]

    def outcome(self, value: Any) -> object:
        if self.op is None:
            return value
        compare = _COMPARE[self.op]
        try:
            return compare(value, self.constant) if self.path_left \
                else compare(self.constant, value)
        except _RUNTIME:
            return _NULL


def _atom_tests(body: ast.expr, fields: Mapping[str, FieldInfo]) -> list[_Test] | None:
    """The comparisons an analysable atom makes, or None for a free atom."""
    out: list[_Test] = []
    try:
        _truth(body, fields, out)
    except _Shape:
        return None
    return out


def _truth(node: ast.expr, fields: Mapping[str, FieldInfo], out: list[_Test]) -> None:
    """Check a node read for its truth value."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _truth(node.operand, fields, out)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            _truth(value, fields, out)
    elif isinstance(node, ast.Compare):
        _compare(node, fields, out)
    else:
        path = _path(node, fields)
        # The truth of a number or a string has no boundary among the constants: free.
        if path is None or fields[path].kind != "boolean":
            raise _Shape
        out.append(_Test(path, None))


def _path(node: ast.expr, fields: Mapping[str, FieldInfo]) -> str | None:
    """The fact path ``node`` reads, None if it reads none, :class:`_Shape` if unanalysable."""
    if isinstance(node, ast.Name):
        info = fields.get(node.id)
        if info is None or info.kind not in _ANALYSED_KINDS:
            raise _Shape  # result fields, as_of, today, loop variables, lists and objects
        return node.id
    if isinstance(node, (ast.Constant, ast.Tuple, ast.List, ast.UnaryOp)):
        return None
    raise _Shape


def _compare(node: ast.Compare, fields: Mapping[str, FieldInfo], out: list[_Test]) -> None:
    operands = [node.left, *node.comparators]
    for op, (left, right) in zip(node.ops, itertools.pairwise(operands), strict=True):
        left_path, right_path = _path(left, fields), _path(right, fields)
        if (left_path is None) == (right_path is None):
            raise _Shape  # two facts (a relation, not a partition) or two constants
        if left_path is not None:
            path, other = left_path, right
        elif isinstance(op, (ast.In, ast.NotIn)):
            raise _Shape  # `'x' in account.list` tests a list, not a value
        else:
            path, other = str(right_path), left
        constant = _constants(op, other, fields[path])
        out.append(_Test(path, type(op), constant, left_path is not None))


def _constants(op: ast.cmpop, node: ast.expr, info: FieldInfo) -> Any:
    """The constant (a tuple for `in`) a comparison sets against a path, checked to fit."""
    if isinstance(op, (ast.In, ast.NotIn)):
        if not isinstance(node, (ast.Tuple, ast.List)):
            raise _Shape  # `in 'text'` is a substring test
        values = tuple(_constant(e) for e in node.elts)
    else:
        values = (_constant(node),)
    for value in values:
        if value is None and not isinstance(op, _ORDER):
            continue
        if isinstance(op, (ast.Is, ast.IsNot)) or not _fits(info, value, op):
            raise _Shape
    return values if isinstance(op, (ast.In, ast.NotIn)) else values[0]


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    # `-1` parses as a minus applied to 1.
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
            and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        if _numeric(value):
            return -value if isinstance(node.op, ast.USub) else value
    raise _Shape


def _numeric(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fits(info: FieldInfo, value: Any, op: ast.cmpop) -> bool:
    if info.kind in ("integer", "number"):
        return _numeric(value) and math.isfinite(value)
    if isinstance(op, _ORDER):
        return False  # strings and booleans are not ordered here; dates only tested for null
    if info.kind == "string":
        return isinstance(value, str)
    return info.kind == "boolean" and isinstance(value, bool)


# -- candidate inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Domain:
    """The candidate values of one path: one per class of values that every comparison the
    table makes on the path treats alike."""

    path: str
    kind: str
    values: tuple[Any, ...]
    members: tuple[tuple[Any, ...], ...]  # each value's class, among the values tried
    named: tuple[str, ...] = ()  # for a free-text string: the constants the rows name
    other: str | None = None  # the value standing for "any string the rows do not name"

    def show(self, value: Any) -> str:
        if value is None:
            return f"{self.path} is null"
        if self.kind in _SAMPLE:
            return f"{self.path} is set"
        if value == self.other and isinstance(value, str):
            if len(self.named) == 1:
                return f"{self.path} != {self.named[0]!r}"
            return f"{self.path} not in ({', '.join(repr(n) for n in self.named)})"
        members = self.members[self.values.index(value)]
        if len(members) > 1 and self.kind not in ("integer", "number"):
            return f"{self.path} in ({', '.join(_show_value(m) for m in members)})"
        return f"{self.path} = {_show_value(value)}"


def _show_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return repr(value)


def _domain(info: FieldInfo, tests: Sequence[_Test]) -> _Domain:
    marks = [c for t in tests for c in t.constants()]
    named = [m for m in marks if m is not _NULL]
    values: list[Any]
    other = None
    if info.kind == "boolean":
        values = [False, True]
    elif info.enum:
        values = [v for v in info.enum if v is not None]
    elif info.kind in ("integer", "number"):
        values = _numbers(info, named)
    elif info.kind == "string":
        values = list(dict.fromkeys(named))
        other = _unnamed(values)
        named, values = list(values), [*values, other]
    else:
        values = [_SAMPLE[info.kind]]
    # Null is a value only where the rows ask about it; elsewhere it makes them unknown.
    if _NULL in marks and (info.nullable or (info.enum is not None and None in info.enum)):
        values.append(None)
    classes: dict[tuple[object, ...], list[Any]] = {}
    for value in values:
        classes.setdefault(tuple(t.outcome(value) for t in tests), []).append(value)
    # A class is shown by a constant the rows name where it holds one: a boundary says most.
    reps = [next((m for m in c if m in named), c[0]) if info.kind in ("integer", "number")
            else c[0] for c in classes.values()]
    return _Domain(info.path, info.kind, tuple(reps), tuple(tuple(c) for c in classes.values()),
                   tuple(named) if other is not None else (), other)


def _unnamed(named: Sequence[str]) -> str:
    text = "other"
    while text in named:
        text += "_"
    return text


def _numbers(info: FieldInfo, constants: Sequence[float]) -> list[Any]:
    """Each constant inside the schema's bounds, a point inside each open interval between
    them, and one point below and one above, within the bounds."""
    integral = info.kind == "integer"
    low, high = info.minimum, info.maximum
    if integral:
        low = None if low is None else math.ceil(low)
        high = None if high is None else math.floor(high)
        constants = [f(c) for c in constants for f in (math.floor, math.ceil)]
    marks = sorted({c for c in constants if (low is None or c >= low)
                    and (high is None or c <= high)})
    if not marks:
        return [low if low is not None else high if high is not None else 0]
    points: list[Any] = []
    if low is None or low < marks[0]:
        points.append(marks[0] - 1 if low is None else low)
    for a, b in itertools.pairwise(marks):
        points.append(a)
        inner = a + 1 if a + 1 < b else None if integral else (a + b) / 2
        if inner is not None:
            points.append(inner)
    points.append(marks[-1])
    if high is None or high > marks[-1]:
        points.append(marks[-1] + 1 if high is None else high)
    return points


# -- evaluating rows at candidate inputs ------------------------------------------------------

def _value(node: ast.expr, env: Mapping[str, Any]) -> Any:
    """Python's value of an analysable atom's node (the shapes :func:`_truth` admits)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_value(e, env) for e in node.elts)
    if isinstance(node, ast.UnaryOp):
        operand = _value(node.operand, env)
        return not operand if isinstance(node.op, ast.Not) else \
            -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BoolOp):
        # `and` / `or` answer with the operand that decides, as Python does.
        value: Any = None
        for part in node.values:
            value = _value(part, env)
            if bool(value) != isinstance(node.op, ast.And):
                return value
        return value
    assert isinstance(node, ast.Compare)
    left = _value(node.left, env)
    for op, comparator in zip(node.ops, node.comparators, strict=True):
        right = _value(comparator, env)
        if not _COMPARE[type(op)](left, right):
            return False
        left = right
    return True


# A compiled condition: its status at a candidate input, given the free atoms' values.
Evaluation = Callable[[Point, Sigma], Status]


class _Logic:
    """Kleene evaluation of a table's conditions at candidate inputs, as the evaluator does.
    Each condition is compiled once into a function; each analysed atom into a lookup table
    over the values it reads."""

    def __init__(self, domains: Sequence[_Domain], analysed: Mapping[int, tuple[str, ...]]) \
            -> None:
        self.domains = domains
        self.index = {d.path: i for i, d in enumerate(domains)}
        self.analysed = analysed  # id(atom) -> the paths it reads; other atoms are free

    def compile(self, node: Condition | None) -> Evaluation:
        if node is None:
            return _fixed("pass")
        if isinstance(node, Atom):
            return self.atom(node)
        if isinstance(node, Constant):
            return _fixed("pass" if node.value else "fail")
        if isinstance(node, NotOf):
            inner = self.compile(node.child)
            return lambda point, sigma: NEGATE[inner(point, sigma)]
        assert isinstance(node, (AllOf, AnyOf))
        combine = node.junction.combine
        parts = [self.compile(child) for child in node.children]
        # combine stops at the first deciding member: the members after it are not run.
        return lambda point, sigma: combine(part(point, sigma) for part in parts)

    def atom(self, atom: Atom) -> Evaluation:
        paths = self.analysed.get(id(atom))
        if paths is None:
            text = atom.expr.text
            return lambda point, sigma: sigma.get(text, "unknown")
        positions = [self.index[p] for p in paths]
        table = {values: _atom_status(atom, dict(zip(paths, values, strict=True)))
                 for values in itertools.product(*(self.domains[k].values for k in positions))}
        if len(positions) == 1:
            (k,) = positions
            return lambda point, sigma: table[(point[k],)]
        return lambda point, sigma: table[tuple(point[k] for k in positions)]


def _fixed(status: Status) -> Evaluation:
    return lambda point, sigma: status


def _atom_status(atom: Atom, env: Mapping[str, Any]) -> Status:
    try:
        return "pass" if _value(atom.expr.tree.body, env) else "fail"
    except _RUNTIME:
        return "unknown"  # `None < 3`: the evaluator makes the check unknown too


def _winner(policy: HitPolicy, rows: Sequence[Row], statuses: Sequence[Status]) -> int | None:
    """The index of the row that decides under a first or priority hit policy, if one does."""
    winners = HIT_POLICIES[policy]([r.priority for r in rows], statuses).winners
    return winners[0] if winners else None


def _context(pack: Pack, rule: TableRule) -> Condition | None:
    """Where the table is consulted: the pack's and the rule's ``when``."""
    parts = tuple(c for c in (pack.when, rule.when) if c is not None)
    return parts[0] if len(parts) == 1 else AllOf(parts) if parts else None


# -- findings ---------------------------------------------------------------------------------

# A finding's test at one input where the table is consulted: given the rows' statuses, does
# the finding hold there?
Holds = Callable[[Sequence[Status]], bool]


@dataclass
class _Table:
    """One table made ready to verify: its context, the candidate values of each path its rows
    and context compare, and which atoms are analysed."""

    pack: Pack
    index: int
    rule: TableRule
    schema: FactSchema
    context: Condition | None
    domains: tuple[_Domain, ...]
    row_paths: tuple[frozenset[str], ...]
    logic: _Logic
    context_status: Evaluation
    row_status: tuple[Evaluation, ...]
    replay_failures: int = 0

    @classmethod
    def make(cls, pack: Pack, index: int, rule: TableRule, schema: FactSchema) -> _Table | None:
        context = _context(pack, rule)
        tests: dict[str, list[_Test]] = {}
        analysed: dict[int, tuple[str, ...]] = {}
        row_paths: list[frozenset[str]] = []
        for node in (*(row.when for row in rule.rows), context):
            paths: set[str] = set()
            for atom in atoms_in(node):
                found = _atom_tests(atom.expr.tree.body, schema.fields)
                if found is None:
                    continue
                analysed[id(atom)] = tuple(dict.fromkeys(t.path for t in found))
                for test in found:
                    tests.setdefault(test.path, []).append(test)
                    paths.add(test.path)
            row_paths.append(frozenset(paths))
        domains = tuple(_domain(schema.fields[p], t) for p, t in tests.items())
        if math.prod(len(d.values) for d in domains) > _MAX_POINTS:
            return None
        logic = _Logic(domains, analysed)
        return cls(pack, index, rule, schema, context, domains, tuple(row_paths[:-1]), logic,
                   logic.compile(context), tuple(logic.compile(r.when) for r in rule.rows))

    # -- evaluation -----------------------------------------------------------------------

    def points(self) -> Iterator[Point]:
        return itertools.product(*(d.values for d in self.domains))

    @cached_property
    def cells(self) -> list[tuple[Point, Status, list[Status]]]:
        """Every candidate input with the context's and the rows' statuses, free atoms unknown."""
        return [(point, *self.statuses(point)) for point in self.points()]

    def statuses(self, point: Point, sigma: Sigma = _ALL_UNKNOWN) -> tuple[Status, list[Status]]:
        return self.context_status(point, sigma), [row(point, sigma) for row in self.row_status]

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if self.rule.hit_policy == "unique":
            out.extend(self.overlaps())
        if self.rule.complete:
            out.extend(self.gaps())
        if self.rule.hit_policy in ("first", "priority"):
            for i in range(len(self.rule.rows)):
                found = self.masked(i)
                if found is not None:
                    out.append(found)
        return out

    # -- overlaps and gaps ----------------------------------------------------------------

    def overlaps(self) -> Iterator[Problem]:
        tried: set[tuple[int, int]] = set()  # one witness per pair of rows
        reported = 0
        for point, context, rows in self.cells:
            if context != "pass":
                continue
            passing = [i for i, s in enumerate(rows) if s == "pass"]
            for pair in itertools.combinations(passing, 2):
                if pair in tried or reported == _MAX_OVERLAPS:
                    continue
                tried.add(pair)
                found = self.overlap(point, *pair)
                if found is not None:
                    reported += 1
                    yield found

    def overlap(self, point: Point, a: int, b: int) -> Problem | None:
        def test(rows: Sequence[Status]) -> bool:
            return rows[a] == rows[b] == "pass"

        witness = self.witness(point, test, {a, b})
        if witness is None:
            return None
        first, second = self.rule.rows[a], self.rule.rows[b]
        return self.problem(
            "RP601", second, f"{witness} matches rows {first.id} and {second.id}, but the "
            "unique hit policy allows one", witness, self.boundary_hint(point, (first, second)))

    def gaps(self) -> Iterator[Problem]:
        def test(rows: Sequence[Status]) -> bool:
            return all(s == "fail" for s in rows)

        reported: list[dict[str, Any]] = []
        everything = set(range(len(self.rule.rows)))
        for point, context, rows in self.cells:
            if len(reported) == _MAX_GAPS:
                return
            if context != "pass" or not test(rows) or self.covered(point, reported):
                continue
            fixed = self.minimal(point, test, everything)
            witness = self.witness(point, test, everything, fixed)
            if witness is None:
                continue
            reported.append(fixed)
            yield self.problem(
                "RP602", None, f"{witness} matches no row, but the table must always decide",
                witness, "add a row for these inputs, or a last row without `when` that catches "
                "the rest; if the table may leave them undecided, set `complete: false`")

    def covered(self, point: Point, reported: Sequence[Mapping[str, Any]]) -> bool:
        values = dict(zip((d.path for d in self.domains), point, strict=True))
        return any(all(values[p] == v for p, v in fixed.items()) for fixed in reported)

    # -- masked rows ----------------------------------------------------------------------

    def masked(self, i: int) -> Problem | None:
        """Row ``i`` if no input lets it win; with a witness where it matches and loses."""
        row = self.rule.rows[i]
        live = False
        witness: tuple[Point, int] | None = None
        maskers: set[int] = set()
        free = self.freeatoms_in(i)
        for point, context, rows in self.cells:
            if context == "fail" or rows[i] == "fail":
                continue
            live = True
            if self.can_win(i, free, point, (context, rows)):
                return None
            winner = _winner(self.rule.hit_policy, self.rule.rows, rows)
            if context == rows[i] == "pass" and winner is not None:
                maskers.add(winner)
                witness = witness or (point, winner)
        if not live:
            return self.dead(row)
        if witness is None:
            return None  # hidden only through free atoms: no input to show, so no finding
        return self.masked_problem(i, witness, sorted(maskers))

    def freeatoms_in(self, i: int) -> list[str]:
        """The free atoms that can decide whether row ``i`` wins: those of the context, of the
        row, and of the rows that can beat it."""
        rows = self.rule.rows[: i + 1] if self.rule.hit_policy == "first" else self.rule.rows
        return sorted({a.expr.text for node in (self.context, *(r.when for r in rows))
                       for a in atoms_in(node) if id(a) not in self.logic.analysed})

    def can_win(self, i: int, free: Sequence[str], point: Point,
                cell: tuple[Status, Sequence[Status]]) -> bool:
        """Whether some values of the free atoms let row ``i`` win at ``point``."""
        policy, table = self.rule.hit_policy, self.rule.rows
        context, rows = cell
        if not free or "unknown" not in (context, *rows):
            # No free atom decides anything here (an unknown left is a check no value changes).
            return context == "pass" and _winner(policy, table, rows) == i
        if len(free) > _MAX_FREE:
            return True  # too many combinations to try: claim nothing
        for values in itertools.product(_BOTH, repeat=len(free)):
            context, rows = self.statuses(point, dict(zip(free, values, strict=True)))
            if context == "pass" and _winner(policy, table, rows) == i:
                return True
        return False

    def masked_problem(self, i: int, found: tuple[Point, int], maskers: list[int]) -> \
            Problem | None:
        point, winner = found
        rows = self.rule.rows

        def test(statuses: Sequence[Status]) -> bool:
            return statuses[i] == "pass" and \
                _winner(self.rule.hit_policy, rows, statuses) == winner

        witness = self.witness(point, test, {i, winner})
        if witness is None:
            return None
        names = _names([rows[m].id for m in maskers])
        example = f"{witness} matches rows {rows[winner].id} and {rows[i].id}, and " \
            f"{rows[winner].id} wins"
        verb = "matches" if len(maskers) == 1 else "match"
        if self.rule.hit_policy == "first":
            return self.problem(
                "RP603", rows[i], f"row {rows[i].id} can never be the first match: {names} "
                f"above it already {verb} every input it matches ({example})", witness,
                f"move row {rows[i].id} above {names}, narrow them, or remove it")
        higher = all(rows[m].priority > rows[i].priority for m in maskers)
        whom = f"higher-priority {names}" if higher else \
            f"{names}, of higher priority or listed before it at equal priority,"
        return self.problem(
            "RP603", rows[i], f"row {rows[i].id} can never win under the priority hit policy: "
            f"{whom} already {verb} every input it matches ({example})", witness,
            f"raise the priority of row {rows[i].id}, narrow {names}, or remove it")

    def dead(self, row: Row) -> Problem:
        return self.problem(
            "RP603", row, f"row {row.id} matches no input where the table is consulted, so it "
            "can never win", None, "its conditions contradict each other or the `when` of the "
            "rule or pack; fix them or remove the row")

    # -- witnesses ------------------------------------------------------------------------

    def witness(self, point: Point, test: Holds, involved: set[int],
                fixed: Mapping[str, Any] | None = None) -> str | None:
        """The finding's witness as text, or None if the evaluator does not reproduce it."""
        if not self.replays(point, test):
            return None
        if fixed is None:
            fixed = self.minimal(point, test, involved)
        shown = [d.show(fixed[d.path]) for d in self.domains if d.path in fixed]
        return ", ".join(shown) if shown else "any input"

    def minimal(self, point: Point, test: Holds, involved: set[int]) -> dict[str, Any]:
        """The values of ``point`` the finding needs: a path is left out when the finding holds
        for each of its values (together with the paths already left out), wherever the table is
        consulted. Paths only the context reads are left out first: the witness speaks of inputs
        the table is consulted on."""
        read = set().union(*(self.row_paths[r] for r in involved))
        order = sorted(range(len(self.domains)), key=lambda k: self.domains[k].path in read)
        loose: list[int] = []
        for k in order:
            if self.holds_for_all(point, test, [*loose, k]):
                loose.append(k)
        return {d.path: point[k] for k, d in enumerate(self.domains) if k not in loose}

    def holds_for_all(self, point: Point, test: Holds, loose: Sequence[int]) -> bool:
        choices = [self.domains[k].values for k in loose]
        if math.prod(len(c) for c in choices) > _MAX_POINTS:
            return False
        for values in itertools.product(*choices):
            moved = list(point)
            for k, value in zip(loose, values, strict=True):
                moved[k] = value
            context, rows = self.statuses(tuple(moved))
            if context == "pass" and not test(rows):
                return False
        return True

    def replays(self, point: Point, test: Holds) -> bool:
        """Run the real evaluator on a fact document made from ``point``, and test its answer."""
        if self.replay_failures >= _MAX_REPLAY_FAILURES:
            return False  # the analysis and the evaluator disagree on this table: claim nothing
        document = _document(zip((d.path for d in self.domains), point, strict=True))
        verdict = evaluate_pack(self.probe, document, as_of=_AS_OF, schema=self.schema,
                                limits=DEFAULT_LIMITS)
        statuses: Mapping[str, Status] = verdict.reasons[self.index].details.get("rows", {})
        context = statuses.get(_CONTEXT, "unknown")
        rows = [statuses.get(r.id, "unknown") for r in self.rule.rows]
        if context == "pass" and test(rows):
            return True
        self.replay_failures += 1
        return False

    @cached_property
    def probe(self) -> Pack:
        """The pack cut after this table, the table made to evaluate every row and its context
        (as one more row) whether or not it applies, with no outputs to compute."""
        rows = tuple(replace(r, then=()) for r in self.rule.rows)
        table = replace(self.rule, when=None, hit_policy="collect", outputs=(), complete=False,
                        rows=(*rows, Row(id=_CONTEXT, when=self.context, then=())))
        return replace(self.pack, when=None, rules=(*self.pack.rules[: self.index], table))

    # -- problems -------------------------------------------------------------------------

    def problem(self, code: str, row: Row | None, message: str, witness: str | None,
                hint: str) -> Problem:
        where = row.where if row is not None else self.rule.where
        return Problem(file=self.pack.file, line=where.line, column=where.column, code=code,
                       message=message, pack=self.pack.id, rule=self.rule.id, value=witness,
                       hint=hint)

    def boundary_hint(self, point: Point, rows: Sequence[Row]) -> str:
        """Where two ranges share an end point, say which bound to make exclusive."""
        values = dict(zip((d.path for d in self.domains), point, strict=True))
        bounds: list[tuple[bool, str, Row]] = []
        for row in rows:
            for atom in atoms_in(row.when):
                comparison = atom.expr.comparison
                if comparison is None or comparison.op not in ("<=", ">=") \
                        or comparison.actual_path not in values:
                    continue
                threshold = comparison.threshold.body
                if isinstance(threshold, ast.Constant) \
                        and threshold.value == values[comparison.actual_path]:
                    shown = f"params.{comparison.threshold_param}" \
                        if comparison.threshold_param else repr(threshold.value)
                    text = f"`{comparison.actual_path} {comparison.op[0]} {shown}`"
                    bounds.append((comparison.op != "<=", text, row))
        if not bounds:
            return "make the rows' conditions exclusive, or use hit_policy first or priority " \
                "if an order decides"
        _, text, row = min(bounds, key=lambda b: b[0])  # an upper bound first: `<=` to `<`
        return f"make one bound exclusive: {text} in row {row.id}"


def _names(ids: Sequence[str]) -> str:
    if len(ids) == 1:
        return f"row {ids[0]}"
    return f"rows {', '.join(ids[:-1])} and {ids[-1]}"


def _document(values: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A fact document holding each path's value; a null parent leaves its children null."""
    document: dict[str, Any] = {}
    for path, value in values:
        node = document
        *parents, last = path.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node[last] = value
    return document
