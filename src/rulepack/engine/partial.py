"""Evaluating an expression that stopped on a missing fact, for what is known of its value.

An expression is first evaluated whole (in the sandbox or as compiled code); only when that
stops on a missing fact is it evaluated again here, node by node, so a complete document pays
nothing. Here a missing fact is not an exception but a value, a :class:`~rulepack.model.bounds.
Bound`; looking into a list goes record by record (a record whose filter is unknown is an
uncertain member, not the end of the list), and the aggregates, comparisons and ``and``/
``or``/``not`` combine what is known as :mod:`rulepack.model.bounds` defines. Everything else
(a fact, an item field, arithmetic, a call) is the sandbox's own evaluation of that node, so
the values it gives are those of the reference; a node that reads a missing fact gives an
unknown value with the exact path of what it lacked (``account.violations[2].type``).

Most records of a list with a hole lack nothing: each is first read whole, as the
comprehension over that record alone evaluates (compiled code in the compiled engine, the
sandbox in the other; one evaluation with its own budget), which gives exactly whether it is
a member and its value, Python's ``and`` and ``or`` stopping where they stop. Only a record
that stops on a missing fact is looked at node by node, within the look's budget. (Not for a
loop whose filters or value read the list again, which the record alone would stand for; a
loop with loops inside, where a record's own budget would allow each record a loop's work; a
loop inside another loop of the look; or one reading a result field known in part.)

A failure other than a missing fact (a type error, a limit) ends the look: the caller then
keeps the expression unknown as it was.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any

from rulepack.engine.sandbox import Sandbox
from rulepack.facts.schema import FactSchema, Missing
from rulepack.lang.functions import FUNCTIONS
from rulepack.model.bounds import (
    Bound,
    Element,
    aggregate,
    as_truth,
    compare,
    members_of,
    truth,
    unknown,
)
from rulepack.model.pack import Text

# A comprehension compiled alone: its value from a name lookup (codegen.compile_expression).
LoopCode = Callable[[Callable[[str], Any]], Any]
# The functions that look into a list, and how a list known whole is given to them.
AGGREGATES = frozenset({"any_of", "all_of", "count", "total", "minimum", "maximum"})
_COMPARE_OPS: dict[type, str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in",
}


def looks_into_lists(tree: ast.AST) -> bool:
    """Whether ``tree`` has a comprehension: only then can a missing fact leave part of its
    value known (a result field it reads may too: see :class:`Partial`'s ``results``)."""
    return any(isinstance(node, (ast.ListComp, ast.GeneratorExp)) for node in ast.walk(tree))


def lists_looked_into(tree: ast.Expression) -> str | bool:
    """How ``tree`` looks into lists: False if it does not (:func:`looks_into_lists`); the
    name of the list when the whole tree is one comprehension over a named list, or an
    aggregate of one (``count([v for v in account.violations if ...])``), whose value a look
    takes from that list alone; else True."""
    if not looks_into_lists(tree):
        return False
    body = tree.body
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) \
            and body.func.id in AGGREGATES and len(body.args) == 1 and not body.keywords:
        body = body.args[0]
    if isinstance(body, (ast.ListComp, ast.GeneratorExp)) and len(body.generators) == 1 \
            and isinstance(body.generators[0].iter, ast.Name):
        return body.generators[0].iter.id
    return True


class Partial:
    """One look at one tree: ``sandbox`` evaluates the nodes read whole, ``results`` holds what
    is known of the result fields not computed exactly."""

    def __init__(self, sandbox: Sandbox, schema: FactSchema, results: Mapping[str, Bound],
                 behind: Mapping[str, tuple[str, ...]],
                 loop_code: Callable[[ast.AST], LoopCode | None] | None = None) -> None:
        self.sandbox = sandbox
        # Compiled code of a comprehension alone, by its node (the compiled engine's; see
        # alone_reader), or None.
        self.loop_code = loop_code
        self.schema = schema
        self.results = results
        # The facts behind each result field that could not be computed, by field.
        self.behind = behind
        # The loops entered, innermost last: the list's fact path and the record's index.
        self.places: list[tuple[str, int]] = []

    def value(self, tree: ast.Expression) -> Any:
        """The value of ``tree``, a :class:`Bound` where it is not known exactly."""
        self.sandbox.reset()
        return self.node(tree.body)

    def node(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in AGGREGATES and len(node.args) == 1 \
                and isinstance(node.args[0], (ast.ListComp, ast.GeneratorExp)):
            return self.aggregate(node.func.id, node.args[0])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in AGGREGATES and len(node.args) == 1 \
                and isinstance(node.args[0], ast.Name) and node.args[0].id in self.results:
            return self.aggregate_of(node.func.id, self.results[node.args[0].id])
        if isinstance(node, ast.Compare) and len(node.ops) == 1 \
                and type(node.ops[0]) in _COMPARE_OPS:
            return self.compare(node)
        if isinstance(node, ast.BoolOp):
            return self.junction(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            operand = self.node(node.operand)
            if type(operand) is not Bound:
                return not operand
            known = truth(operand)
            return as_truth(None if known is None else not known, [operand])
        if isinstance(node, ast.Name) and node.id in self.results:
            return self.results[node.id]
        if self.results:
            inside = [self.results[name] for name in _names_in(node) if name in self.results]
            if inside:  # a part known only in part, inside something not looked into
                return unknown(m for b in inside for m in b.missing)
        try:
            return self.sandbox.node(node)
        except Missing as exc:
            path = exc.path
            if path.startswith("result."):
                return unknown(self.behind.get(path[7:], ()))
            return unknown((self.placed(path),), 1 if self.places else 0, self.lacking(path))

    def compare(self, node: ast.Compare) -> Any:
        left = self.node(node.left)
        right = self.node(node.comparators[0])
        op = _COMPARE_OPS[type(node.ops[0])]
        if type(left) is not Bound and type(right) is not Bound:
            return self.sandbox.compared(node.ops[0], left, right)
        return compare(op, left, right)

    def junction(self, node: ast.BoolOp) -> Any:
        """``and`` / ``or`` as Python gives them when every operand is known; else Kleene's,
        with a known deciding operand deciding whatever the others are."""
        deciding = type(node.op) is ast.Or
        values = [self.node(value) for value in node.values]
        if not any(type(v) is Bound for v in values):
            for value in values[:-1]:
                if bool(value) is deciding:
                    return value
            return values[-1]
        for value in values:
            if truth(value) is deciding:
                return value if type(value) is not Bound else deciding
        return as_truth(None, values)

    def aggregate(self, name: str, loop: ast.ListComp | ast.GeneratorExp) -> Any:
        generator = loop.generators[0]
        var = generator.target.id  # type: ignore[attr-defined]
        items = self.node(generator.iter)
        if type(items) is Bound:
            return self.known_members(name, var, loop, items)
        items = self.sandbox.loop_items(items)
        place = generator.iter.id if type(generator.iter) is ast.Name else None
        elements: list[Element] = []
        alone = self.alone_reader(loop, place)
        with self.sandbox.loop(var) as bind:
            for index, item in enumerate(items):
                bind(item)
                if alone is not None:
                    try:
                        found = alone(item)
                    except Missing:
                        pass  # looked at node by node, below
                    else:
                        elements.append((True, found[0], None) if found else
                                        (False, None, None))
                        continue
                if place is not None:
                    self.places.append((place, index))
                try:
                    elements.append(self.element(generator.ifs, loop.elt))
                finally:
                    if place is not None:
                        self.places.pop()
        impl = FUNCTIONS[name].impl
        item_path = None
        if isinstance(loop.elt, ast.Attribute):
            item_path = getattr(loop.elt, "rp_path", None)
        info = self.schema.fields.get(item_path) if item_path else None
        item_range = (info.minimum, info.maximum) if info is not None else (None, None)
        return aggregate(name, elements, impl, item_range)

    def aggregate_of(self, name: str, items: Bound) -> Any:
        """An aggregate of a result field that is a list known in part, taken whole."""
        elements = members_of(items)
        if elements is None:
            return unknown(items.missing, items.incomplete, items.lacking)
        return aggregate(name, elements, FUNCTIONS[name].impl)

    def known_members(self, name: str, var: str, loop: ast.ListComp | ast.GeneratorExp,
                      items: Bound) -> Any:
        """An aggregate looking into a list known in part (a result field): each item it may
        hold is a record, an uncertain member unless it is a certain one."""
        records = members_of(items)
        if records is None:
            return items if items.members is None else \
                unknown(items.missing, items.incomplete, items.lacking)
        generator = loop.generators[0]
        elements: list[Element] = []
        with self.sandbox.loop(var) as bind:
            for certain, item, why in self.sandbox.loop_items(records):
                bind(item)
                member, value, opened = self.element(generator.ifs, loop.elt)
                if not certain and member is not False and why is not None:
                    member = None  # the item is in the list only if an open row matches
                    opened = why if opened is None else unknown(
                        (*why.missing, *opened.missing), opened.incomplete, opened.lacking)
                elements.append((member, value, opened))
        return aggregate(name, elements, FUNCTIONS[name].impl)

    def alone_reader(self, loop: ast.ListComp | ast.GeneratorExp, place: str | None) \
            -> Callable[[Any], list[Any]] | None:
        """How a record of ``loop`` is read whole: the comprehension evaluated over that record
        alone, as one evaluation of its own (its own budget), by compiled code when there is
        some, else by the sandbox. It gives ``[]`` for a record its filters leave out and
        ``[value]`` for one they keep, exactly (Python's ``and`` and ``or`` stop where they
        stop), and raises :class:`Missing` for a record lacking a fact it reads, which is then
        looked at node by node. None when records are not read so: a loop over something
        other than a named list, one whose filters or value read that list again (alone, the
        record would stand for all of it), one with loops inside (a record's own budget would
        then allow each record a loop's work), one inside another loop of the look, or one
        that reads a result field known in part (which a look knows more of than an
        evaluation)."""
        if place is None or self.sandbox.looping or not _alone_readable(loop):
            return None
        if self.results and any(name in self.results for name in _names_in(loop)):
            return None
        code = self.loop_code(loop) if self.loop_code is not None else None
        sandbox = self.sandbox
        if code is None:
            def in_sandbox(item: Any) -> list[Any]:
                return sandbox.alone(loop, place, item)
            return in_sandbox
        name = sandbox.name

        def compiled(item: Any) -> list[Any]:
            one = [item]
            found: list[Any] = code(lambda path: one if path == place else name(path))
            return found
        return compiled

    def element(self, conditions: list[ast.expr], elt: ast.expr) -> Element:
        """One record: whether it is a member (its filters, combined as `and`), its value
        (read only when it may be a member), and, when either is open, why (one incomplete
        record, with the facts it lacks)."""
        member: bool | None = True
        opened: list[Bound] = []
        for condition in conditions:
            value = self.node(condition)
            known = truth(value)
            if known is False:
                return False, None, _why(opened)
            if known is None:
                member = None
            if type(value) is Bound:
                opened.append(value)
        value = self.node(elt)
        if type(value) is Bound:
            opened.append(value)
        return member, value, _why(opened)

    # -- where a missing fact was -------------------------------------------------------------

    def placed(self, path: str) -> str:
        """``path`` with the index of each record being looked at: ``a.v[].x`` → ``a.v[2].x``."""
        for list_path, index in reversed(self.places):
            path = path.replace(f"{list_path}[]", f"{list_path}[{index}]", 1)
        return path

    def lacking(self, path: str) -> tuple[Text, ...]:
        label = self.schema.labels.get(path) if "[]" in path else None
        return (label,) if label is not None else ()


def _alone_readable(loop: ast.ListComp | ast.GeneratorExp) -> bool:
    """Whether ``loop`` has one generator, and filters and a value with no loop inside that
    do not read the list looped over again (alone, the record would stand for all of it);
    kept on the node, as :func:`_names_in` keeps its names."""
    readable: bool | None = getattr(loop, "rp_alone", None)
    if readable is None:
        parts = (*loop.generators[0].ifs, loop.elt)
        iterated = loop.generators[0].iter
        readable = len(loop.generators) == 1 and not any(
            isinstance(node, (ast.ListComp, ast.GeneratorExp))
            for part in parts for node in ast.walk(part)) and not (
            type(iterated) is ast.Name and any(iterated.id in _names_in(part) for part in parts))
        loop.rp_alone = readable  # type: ignore[union-attr]
    return readable


def _names_in(node: ast.AST) -> tuple[str, ...]:
    """The names read anywhere in ``node``, in the order ``ast.walk`` meets them; kept on the
    node, since a pack's trees live as long as the pack and a look may walk a node often."""
    names: tuple[str, ...] | None = getattr(node, "rp_names", None)
    if names is None:
        names = tuple(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
        node.rp_names = names  # type: ignore[attr-defined]
    return names


def _why(opened: list[Bound]) -> Bound | None:
    """The unknowns of one record as one incomplete record, or None if it has none."""
    if not opened:
        return None
    return unknown((m for b in opened for m in b.missing), 1,
                   (t for b in opened for t in b.lacking))
