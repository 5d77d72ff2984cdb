"""Running compiled expressions in simpleeval's sandbox, with limits passed in.

simpleeval keeps its limits in module globals and guards only the nodes it reaches; here the
limits travel with each run (:class:`~rulepack.lang.expressions.Limits`), every node visited
counts against a work budget, and the tree was already checked whole at load
(:mod:`rulepack.lang.expressions`). One sandbox serves one evaluation request and is thrown
away: nothing is kept between calls. Its operator tables are made once per value of the limits
(:func:`operators_for`, cached by that value, not by identity).
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import inspect
import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from simpleeval import (
    ATTR_INDEX_FALLBACK,
    DISALLOW_FUNCTIONS,
    EvalWithCompoundTypes,
    FeatureNotAvailable,
)

from rulepack.engine.work import CHARGED, call_cost, flat_size
from rulepack.facts.schema import Missing
from rulepack.lang.expressions import Limits
from rulepack.lang.functions import FUNCTIONS


class LimitExceeded(Exception):
    """An expression did more work, or built a bigger value, than its limits allow."""


def item_field(value: Any, fields: tuple[str, ...], path: str) -> Any:
    """The field ``fields`` of a loop item (``v.points``), before conversion: null on the way
    down is the value, and anything else without the field is the missing fact ``path``."""
    for field in fields:
        if value is None:
            return None
        if not isinstance(value, Mapping) or field not in value:
            raise Missing(path)
        value = value[field]
    return value


def sized(value: Any) -> int:
    """What a text or list counts for against ``max_built`` (its length), 0 for anything else."""
    return len(value) if isinstance(value, (str, list, tuple)) else 0


def _built(value: Any, limit: int) -> int:
    """How much a value an operator builds from ``value`` holds: items and characters, the
    items' own counted too (a list repeated holds its texts again in every copy, and each
    copy costs a comparison its full size, however cheap the copy was to make)."""
    return flat_size(value, limit) if isinstance(value, (list, tuple)) else sized(value)


# Kinds of value `+` builds nothing of the size of (sized and _built give them 0): their sum
# needs no look at sizes.
_UNSIZED = frozenset({int, float, bool, dt.date, dt.datetime, dt.timedelta})


@functools.lru_cache(maxsize=8)
def operators_for(limits: Limits) -> dict[type, Callable[..., Any]]:
    """simpleeval's operator table with guards that read ``limits`` instead of globals."""

    def add(a: Any, b: Any) -> Any:
        if type(a) in _UNSIZED and type(b) in _UNSIZED:  # numbers, instants, durations
            return a + b
        if _built(a, limits.max_string) + _built(b, limits.max_string) > limits.max_string:
            raise LimitExceeded(f"a value longer than {limits.max_string} would be built")
        return a + b

    def mult(a: Any, b: Any) -> Any:
        for seq, times in ((a, b), (b, a)):
            if sized(seq) and isinstance(times, int):
                if _built(seq, limits.max_string) * times > limits.max_string:
                    raise LimitExceeded(
                        f"a value longer than {limits.max_string} would be built")
                if isinstance(seq, (list, tuple)) and any(
                        isinstance(item, (list, tuple)) for item in seq):
                    # The copies share their inner lists: short to build, and a comparison
                    # of two of them walks every item of every copy.
                    raise LimitExceeded("`*` repeats a list of lists")
        if isinstance(a, int) and isinstance(b, int) and \
                a.bit_length() + b.bit_length() > limits.max_int_bits:
            raise LimitExceeded(f"an integer of more than {limits.max_int_bits} bits would be "
                                "built")
        return a * b

    def mod(a: Any, b: Any) -> Any:
        if isinstance(a, str):
            # `'%100000000d' % 1` would build text of any size; expressions do not format text.
            raise TypeError("`%` takes numbers, not text")
        return a % b

    def power(a: Any, b: Any) -> Any:
        if abs(a) > limits.max_power or abs(b) > limits.max_power:
            raise LimitExceeded(f"{a} ** {b} is over the power limit {limits.max_power}")
        return a ** b

    return {
        ast.Add: add, ast.Sub: operator.sub, ast.Mult: mult, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: mod, ast.Pow: power,
        ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Gt: operator.gt, ast.Lt: operator.lt,
        ast.GtE: operator.ge, ast.LtE: operator.le, ast.Not: operator.not_,
        ast.USub: operator.neg, ast.UAdd: operator.pos,
        ast.In: lambda x, y: x in y, ast.NotIn: lambda x, y: x not in y,
        ast.Is: lambda x, y: x is y, ast.IsNot: lambda x, y: x is not y,
    }


_FUNCTION_IMPLS = {name: fn.impl for name, fn in FUNCTIONS.items()}


class _ChargedFunctions(dict[str, Callable[..., Any]]):
    """The functions of a sandbox once it loops, each charging the work of a call made inside
    a loop (see rulepack.engine.work). Each is made when it is first called: an expression
    calls a few of the library's functions, and making them all cost more than most
    evaluations that loop."""

    def __init__(self, sandbox: Sandbox, table: Mapping[str, Callable[..., Any]],
                 cap: int) -> None:
        super().__init__()
        self._sandbox, self._table, self._cap = sandbox, table, cap

    def __missing__(self, name: str) -> Callable[..., Any]:
        function = self._table[name]  # KeyError for a name it lacks, as simpleeval expects
        sandbox, cap = self._sandbox, self._cap

        def run(*arguments: Any) -> Any:
            if sandbox._loops:
                sandbox._charge(call_cost(arguments, cap))
            return function(*arguments)

        self[name] = run
        return run


class Sandbox(EvalWithCompoundTypes):
    """simpleeval evaluator for one request: names come from ``lookup``, work is counted."""

    def __init__(
        self,
        lookup: Callable[[str], Any],
        convert_item: Callable[[str, Any], Any],
        limits: Limits,
        functions: Mapping[str, Callable[..., Any]] | None = None,
    ) -> None:
        # simpleeval's own __init__ is not called: it costs more than most evaluations (a
        # table of bound handlers per instance, every function looked up in its deny list,
        # a warnings context). Nodes are dispatched from one table per class (`_eval`), and
        # the functions are the library's, checked against that deny list once (_HANDLERS).
        # What simpleeval's methods read is set here.
        self._functions: Mapping[str, Callable[..., Any]] = \
            functions if functions is not None else _FUNCTION_IMPLS
        if functions is not None:
            _allowed(functions)
        self.operators = operators_for(limits)
        self.functions = self._functions
        self.names: dict[str, Any] = {}
        self.allowed_attrs = None
        self.ATTR_INDEX_FALLBACK = ATTR_INDEX_FALLBACK
        self._lookup = lookup
        self._convert_item = convert_item
        self._limits = limits
        self._steps = 0
        # Work is charged inside loops only (see rulepack.engine.work): `_loops` is how many
        # loops the evaluation is inside, `_work` what they have cost so far. The operators
        # and functions that charge it replace the plain ones when a first loop starts, so a
        # sandbox that never loops makes none of them.
        self._loops = 0
        self._work = 0
        self._charging = False
        self._loop: dict[str, Any] = {}

    def _enter_loop(self) -> None:
        if not self._charging:
            cap = self._limits.max_work
            self.operators = self._charged_operators(operators_for(self._limits), cap)
            self.functions = _ChargedFunctions(self, self._functions, cap)
            self._charging = True
        self._loops += 1

    def _charge(self, units: int) -> None:
        self._work += units
        if self._work > self._limits.max_work:
            raise LimitExceeded(f"the loops of the expression took more than "
                                f"{self._limits.max_work:,} units of work")

    def _charged_operators(self, table: Mapping[type, Callable[..., Any]],
                           cap: int) -> dict[type, Callable[..., Any]]:
        def charged(function: Callable[[Any, Any], Any],
                    cost: Callable[[Any, Any, int], int]) -> Callable[[Any, Any], Any]:
            def run(a: Any, b: Any) -> Any:
                if self._loops:
                    self._charge(cost(a, b, cap))
                return function(a, b)
            return run

        out = dict(table)
        for op, cost in CHARGED.items():
            out[op] = charged(table[op], cost)
        return out

    def _check_disallowed_items(self, item: Any) -> None:
        # simpleeval walks every value an expression produces, recursively, looking for modules
        # and forbidden functions. Here no such value can arise: names resolve only to facts
        # (JSON data), result fields and loop items, and calls only to the library functions
        # checked at load. The walk would cost time on every node, and on a deeply nested
        # fact it raises RecursionError out of the evaluation.
        return None

    def run(self, tree: ast.Expression) -> Any:
        """Evaluate one compiled tree with a fresh work budget."""
        self._steps = self._work = self._loops = 0
        return self._eval(tree.body)

    # What rulepack.engine.partial reads a tree with, node by node: the same budget, loop
    # items and operators as a run.

    def reset(self) -> None:
        """A fresh work budget, for a tree evaluated node by node."""
        self._steps = self._work = self._loops = 0

    def node(self, node: ast.AST) -> Any:
        """The value of one node, counted against the budget."""
        return self._eval(node)

    @property
    def looping(self) -> bool:
        """Whether a node being evaluated is inside a loop."""
        return self._loops > 0

    def name(self, name: str) -> Any:
        """What the name ``name`` is where evaluation stands: a loop variable, else the
        lookup's."""
        if name in self._loop:
            return self._loop[name]
        return self._lookup(name)

    def alone(self, loop: ast.ListComp | ast.GeneratorExp, place: str, item: Any) -> list[Any]:
        """The comprehension ``loop`` over the list named ``place`` holding ``item`` alone,
        as a run of that tree evaluates it, with a budget of its own; the budget of the
        evaluation around it is put back after."""
        budget = self._steps, self._work, self._loops
        outer = self._loop.get(place, _UNSET)
        self._steps = self._work = self._loops = 0
        self._loop[place] = [item]
        try:
            found: list[Any] = self._eval(loop)
            return found
        finally:
            self._steps, self._work, self._loops = budget
            if outer is _UNSET:
                self._loop.pop(place, None)
            else:
                self._loop[place] = outer

    def compared(self, op: ast.cmpop, left: Any, right: Any) -> Any:
        """``left op right`` as a comparison node evaluates it."""
        return self.operators[type(op)](left, right)

    def loop_items(self, items: Any) -> list[Any] | tuple[Any, ...]:
        """The items a comprehension loops over (none for null), within the limits."""
        if items is None:
            return []
        if not isinstance(items, (list, tuple)):
            raise TypeError(f"can only loop over a list, not {type(items).__name__}")
        if len(items) > self._limits.max_items:
            raise LimitExceeded(f"a loop over more than {self._limits.max_items} items")
        return items

    @contextmanager
    def loop(self, var: str) -> Iterator[Callable[[Any], None]]:
        """Bind the loop variable ``var`` (through the function given) while inside; the outer
        binding of the name comes back after."""
        outer = self._loop.get(var, _UNSET)

        def bind(item: Any) -> None:
            self._loop[var] = item

        self._enter_loop()
        try:
            yield bind
        finally:
            self._loops -= 1
            if outer is _UNSET:
                self._loop.pop(var, None)
            else:
                self._loop[var] = outer

    def _eval(self, node: ast.AST) -> Any:
        self._steps += 1
        if self._steps > self._limits.max_steps:
            raise LimitExceeded(f"the expression took more than {self._limits.max_steps} steps")
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise FeatureNotAvailable(
                f"Sorry, {type(node).__name__} is not available in this evaluator")
        # (simpleeval would now walk the value for modules and denied functions: see
        # _check_disallowed_items.)
        return handler(self, node)

    def _eval_name(self, node: ast.Name) -> Any:
        return self.name(node.id)

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        # After compilation only loop-variable fields are attributes (``v.points``); fact paths
        # became names. The checker put the item path on the node for missing-fact messages.
        path: str = node.rp_path  # type: ignore[attr-defined]
        value = item_field(self._eval(node.value), node.rp_fields,  # type: ignore[attr-defined]
                           path)
        return self._convert_item(path, value)

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> list[Any]:
        generator = node.generators[0]
        var = generator.target.id  # type: ignore[attr-defined]
        items = self.loop_items(self._eval(generator.iter))
        out: list[Any] = []
        outer = self._loop.get(var, _UNSET)
        size = 0  # what the loop builds, against max_built
        self._enter_loop()
        try:
            for item in items:
                self._loop[var] = item
                if all(self._eval(condition) for condition in generator.ifs):
                    element = self._eval(node.elt)
                    size += 1 + sized(element)
                    if size > self._limits.max_built:
                        raise LimitExceeded(f"a loop would build more than "
                                            f"{self._limits.max_built} items and characters")
                    out.append(element)
        finally:
            self._loops -= 1
            if outer is _UNSET:
                self._loop.pop(var, None)
            else:
                self._loop[var] = outer
        return out


_UNSET = object()


def _allowed(functions: Mapping[str, Callable[..., Any]]) -> None:
    """simpleeval's check of the functions an evaluator may call, made where they are given."""
    for function in functions.values():
        if function in DISALLOW_FUNCTIONS:
            raise FeatureNotAvailable(f"This function {function} is a really bad idea.")


def _unbound(function: Callable[[Any], Any], _sandbox: Sandbox, node: Any) -> Any:
    return function(node)


def _handlers() -> dict[type, Callable[[Sandbox, Any], Any]]:
    """The node table simpleeval builds per instance, once, as unbound methods of Sandbox
    (so its overrides are the ones dispatched to); comprehensions go to Sandbox's own."""
    table: dict[type, Callable[[Sandbox, Any], Any]] = {}
    for node, handler in EvalWithCompoundTypes().nodes.items():
        method = inspect.getattr_static(Sandbox, handler.__name__)
        if isinstance(method, staticmethod):  # (_eval_constant is one)
            table[node] = functools.partial(_unbound, method.__func__)
        else:
            table[node] = getattr(Sandbox, handler.__name__)
    table[ast.ListComp] = table[ast.GeneratorExp] = Sandbox._comprehension
    del table[ast.DictComp]  # (the checker allows no dict comprehension either)
    return table


_allowed(_FUNCTION_IMPLS)
_HANDLERS = _handlers()
