"""The fast path: checked expression trees compiled once into Python functions.

simpleeval walks an expression's tree on every call, dispatching on each node; for a pack run
millions of times that walk is most of the cost. The trees here were already checked whole at
load (:mod:`rulepack.lang.expressions`), so each one can be translated once into Python code
that performs the same operations simpleeval would, in the same order:

- fact paths, ``result.NAME``, ``today`` and ``as_of`` are read through the evaluation's own
  accessors, so "missing" means what it means in the sandbox;
- ``+``, ``*`` and ``**`` call the very guard functions the sandbox uses
  (:mod:`rulepack.engine.sandbox`), library functions call the same implementations, and
  comparisons, ``and``/``or``/``not``, ``x if c else y``, subscripts and literals are
  Python's, as simpleeval's are;
- every atom of a condition is inlined into one function that returns the condition's status
  and its check records, exactly as :meth:`rulepack.engine.interpreter._Run.condition` would;
- a pack also gets one function for all its rules (used when its pack-level ``when``, if it
  has one, holds: each rule then applies as its own ``when`` says), which reads
  each fact once into a local and evaluates inline its checks (and the fields they set),
  output rules and the rows of its tables, each with or without a ``when`` of its own; score
  rules, and any rule whose ``when`` is unknown or whose field cannot be computed, are
  handed to :meth:`rulepack.engine.interpreter._Run.rule`, which keeps the
  meaning of what is not plain (and a table's hit policy is decided by its
  :meth:`~rulepack.engine.interpreter._Run.table_of` on either path). It keeps each atom's
  status and value, not its
  record (:class:`rulepack.verdict.kept.RawCondition` makes the records and picks the deciding
  ones when an explanation is read), since most verdicts are used for their outcome alone.

A comprehension becomes a Python list comprehension whose steps and work are charged to a
budget of its expression's evaluation, in bounds no lower than what the sandbox would count
(see :class:`_Translator`); where the bounds could pass a limit, or a loop meets items the
sandbox refuses, the code raises :class:`_Fallback` and that expression (or atom) is evaluated
by the sandbox after all, which stops where it stops. What stays in the sandbox from the start
is what cannot be compiled: a tree with more nodes than the step budget, identity with a
constant that is not a singleton, a NaN constant, and a chain of comparisons in a loop whose
cost the data decides; the plan lists them (``Plan.sandboxed``, shown by ``rulepack check
--sandboxed``).
An atom that stops on a missing fact takes its record from the interpreter
(:meth:`rulepack.engine.interpreter._Run.missing_check`), which looks at what is known of it
(:mod:`rulepack.engine.partial`: a list's known records, a result field's interval): the
compiled path has no meaning of its own for an incomplete list, and a complete document never
takes that branch.

Why ``exec`` at all: on the bundled benchmark pack (``bench/packs``, 3,000 documents of
``bench/peer_workload.py``, CPU time, best of 7 rounds) a prepared evaluator takes about 5 µs
a document with the code made here and about 91 µs in the sandbox alone: the compiled path is
some 18 times faster, and it is what every caller gets by default.

What the code means is not restated here: groups are written by
:meth:`rulepack.model.logic.Junction.source` from the same statuses the interpreter combines
with, the pack outcome from :data:`rulepack.model.logic.PACK_OUTCOME`, failures are made by
:mod:`rulepack.engine.failures`, and a value computed inline is checked as ``keepable``
(:mod:`rulepack.engine.interpreter`) checks what the sandbox gives.

The generated source contains only names this module chooses; every constant is written with
``repr``; it runs with no builtins. ``tests/test_fast.py`` checks by differential testing that
compiled code and the sandbox agree on every expression and document it generates.
"""

from __future__ import annotations

import ast
import copy
import functools
import itertools
import math
import warnings
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

import simpleeval

from rulepack.engine.failures import FAILURES, error_text
from rulepack.engine.interpreter import (
    CHECKED,
    PASSED,
    ConditionCode,
    ExpressionCode,
    ExpressionFailed,
    Plan,
    RulesCode,
    bounded_score,
    conditions_of,
    expressions_of,
    fresh,
    keepable,
)
from rulepack.engine.partial import looks_into_lists
from rulepack.engine.sandbox import Sandbox, item_field, operators_for, sized
from rulepack.engine.work import CHARGED, TEXT_CHARS, call_cost, flat_size, product_cost
from rulepack.facts.schema import Missing, converted, converting
from rulepack.lang.expressions import SPECIAL_NAMES, CompiledExpr, Limits
from rulepack.lang.functions import FUNCTIONS
from rulepack.model.bounds import partial_list
from rulepack.model.logic import NEGATE, PACK_OUTCOME
from rulepack.model.pack import (
    AllOf,
    AnyOf,
    Atom,
    CheckRule,
    Condition,
    Constant,
    NotOf,
    OutputRule,
    Rule,
    ScoreRule,
    TableRule,
    atoms_in,
)
from rulepack.verdict.data import CheckSite
from rulepack.verdict.kept import (
    CONSTANT_THRESHOLD,
    KEPT_RECORD,
    KEPT_THRESHOLD,
    RawAtom,
    RawCondition,
)
from rulepack.verdict.kept import UNREAD as _UNREAD

_GUARDED = {ast.Add: "_add", ast.Mult: "_mult", ast.Mod: "_mod", ast.Pow: "_pow"}
_PYTHON_OP = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
              "in": "in", "not in": "not in", "is": "is", "is not": "is not"}


class _Unsupported(Exception):
    """The tree must stay in the sandbox."""


def compile_plan(plan: Plan) -> None:
    """Compile every condition and expression of ``plan.pack`` that can be compiled, and the
    pack as a whole."""
    namespace = _namespace(plan.limits)
    for condition in conditions_of(plan.pack):
        if not isinstance(condition, Constant):
            plan.conditions[id(condition)] = _condition_code(condition, plan, namespace)
    for expr in expressions_of(plan.pack):
        code = _expression_code(expr.tree, plan, namespace)
        if code is not None:
            plan.expressions[id(expr)] = code
        else:
            plan.sandboxed[id(expr)] = expr
    plan.rules_code = _rules_code(plan, namespace)
    limits, converters = plan.limits, plan.schema.converters
    plan.compile_loop = lambda tree: compile_expression(tree, limits, converters)


def compile_expression(tree: ast.Expression, limits: Limits,
                       converters: Mapping[str, Callable[[Any], Any]] | None = None) \
        -> Callable[[Callable[[str], Any]], Any] | None:
    """``tree`` as a function of a name lookup, or None when it must stay in the sandbox.

    The function takes ``lookup(name)``, the same callable a
    :class:`~rulepack.engine.sandbox.Sandbox` takes, and raises what the sandbox would raise;
    ``converters`` are the schema's (:attr:`rulepack.facts.schema.FactSchema.converters`),
    which item fields read in loops go through as the sandbox's ``convert_item`` would.
    """
    converters = {} if converters is None else converters
    constants: dict[str, Any] = {}
    try:
        source = _source(tree.body, limits, via_run=False, constants=constants,
                         converters=converters)
    except _Unsupported:
        return None

    def in_sandbox(lookup: Callable[[str], Any]) -> Any:
        def convert_item(path: str, value: Any) -> Any:
            return converted(converters.get(path), value)
        return Sandbox(lookup, convert_item, limits).run(tree)

    body = _returned(source, "_sandbox(_lookup)")
    code = _build(f"def _code(_lookup):\n{body}", _namespace(limits),
                  {**constants, "_sandbox": in_sandbox})
    function: Callable[[Callable[[str], Any]], Any] = code["_code"]
    return function


def _returned(source: _Source, fallback: str) -> str:
    """The statements of a function returning the value of ``source``, or ``fallback`` when
    its loops leave the answer to the sandbox."""
    if source.budget is None:
        return f"    return {source.text}\n"
    return (f"    {source.budget}\n    try:\n        return {source.text}\n"
            f"    except _Fallback:\n        return {fallback}\n")


# -- translation --------------------------------------------------------------------------------


class _Source(NamedTuple):
    """One tree as Python: the expression, and for a tree with loops the statement that
    starts its budget (``_wk``) before the expression runs."""

    text: str
    budget: str | None
    # Whether the value is checked as keepable checks it, by the read itself.
    checked: bool = False


def _source(body: ast.expr, limits: Limits, via_run: bool = True,
            fact_locals: _FactLocals | None = None,
            constants: dict[str, Any] | None = None,
            converters: Mapping[str, Callable[[Any], Any]] | None = None) -> _Source:
    """Python source for one checked tree; raise :class:`_Unsupported` if it cannot be.

    With ``fact_locals`` (in a whole-pack function) each fact is read once into a local.
    Values the code needs (converters of item fields) are added to ``constants``.
    """
    nodes = sum(1 for _ in ast.walk(body))
    if nodes > limits.max_steps:
        raise _Unsupported  # the sandbox might stop it on its step budget; keep its behaviour
    translator = _Translator(via_run, fact_locals, limits,
                             {} if constants is None else constants,
                             {} if converters is None else converters)
    try:
        # The translator rewrites in place; the pack's own tree must stay as the sandbox sees
        # it.
        body = copy.deepcopy(body)
        outside = _unlooped_nodes(body)
        translated = translator.visit(body)
        text = ast.unparse(ast.fix_missing_locations(translated))
    except ValueError:
        raise _Unsupported from None  # an integer over Python's int-to-text digit limit
    except RecursionError:
        # Copying and writing recurse several frames a level: a tree within max_depth can
        # still meet a caller already deep in its stack. The sandbox needs fewer.
        raise _Unsupported from None
    if not translator.looped:
        return _Source(text, None)
    # Steps: the nodes outside loops now, each loop's own nodes per item as it starts. Work:
    # charged by the loops. Then one slot per loop that counts what it builds.
    slots = "".join(", 0" for _ in range(translator.slots))
    return _Source(text, f"_wk = [{outside}, 0{slots}]")


def _unlooped_nodes(node: ast.AST) -> int:
    """How many nodes of ``node`` the sandbox may visit, each at most once, when it evaluates
    ``node`` once: all of them but the bodies of the comprehensions in it (a body is visited
    once per item, and counted by its loop as the loop starts)."""
    count = 0
    stack = [node]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, (ast.ListComp, ast.GeneratorExp)):
            stack.append(item.generators[0].iter)
        else:
            stack.extend(ast.iter_child_nodes(item))
    return count


class _Loop:
    """A comprehension being translated: the work its body costs per item, known from its
    shape (what the data decides is charged where it is spent)."""

    __slots__ = ("work",)

    def __init__(self) -> None:
        self.work = 0


class _Translator(ast.NodeTransformer):
    """Rewrites a checked tree into plain Python calling this module's helpers.

    A comprehension becomes a Python list comprehension over ``_lp(...)``, which takes the
    loop's items as the sandbox does and charges the loop's budget (``_wk``) for them before
    the first: the steps of the body times the items, and the work its operations cost
    whatever the data (a comparison with a literal, a call on dates). An operation whose cost
    depends on the values (``m in account.appeal.evidence``) calls a helper that charges it
    (the sandbox's own cost functions, :mod:`rulepack.engine.work`) before doing it. Those
    charges are upper bounds of what the sandbox would charge at the same point, so while
    they stay within the limits the sandbox's would have too; once one would not, or a loop
    meets items the sandbox would refuse, the code raises :class:`_Fallback` and the
    expression is evaluated again by the sandbox, which gives the error (or, the bounds being
    loose, the value) it gives.
    """

    def __init__(self, via_run: bool, fact_locals: _FactLocals | None, limits: Limits,
                 constants: dict[str, Any],
                 converters: Mapping[str, Callable[[Any], Any]]) -> None:
        # Compiled pack code reads through the evaluation (`_run`); a lone expression compiled
        # for comparison with the sandbox reads through the same `lookup` the sandbox gets.
        self.via_run = via_run
        self.fact_locals = fact_locals
        self.limits = limits
        self.constants = constants
        self.converters = converters
        # The loops around the node being translated, innermost last, and the names their
        # variables have in the code.
        self.loops: list[_Loop] = []
        self.loop_vars: dict[str, str] = {}
        self.looped = False
        self.slots = 0
        self.names = 0
        self.peeking = 0  # how many loops the node being translated is in

    def constant(self, value: Any) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, (ast.Starred, ast.Lambda, ast.NamedExpr)):
            raise _Unsupported
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        name = node.id
        if name in self.loop_vars:
            return ast.copy_location(ast.Name(self.loop_vars[name], ast.Load()), node)
        if "." not in name and name not in SPECIAL_NAMES:
            raise _Unsupported  # not a name a checked tree can hold
        if not self.via_run:
            return ast.copy_location(_call(ast.Name("_lookup", ast.Load()), name), node)
        run = ast.Name("_run", ast.Load())
        if name in SPECIAL_NAMES:
            return ast.copy_location(ast.Attribute(run, name, ast.Load()), node)
        if name.startswith("result."):
            accessor = ast.Attribute(run, "result_field", ast.Load())
            return ast.copy_location(_call(accessor, name[7:]), node)
        if self.fact_locals is None:
            return ast.copy_location(_call(ast.Name("_fact", ast.Load()), name), node)
        if self.peeking:
            return ast.copy_location(self.fact_locals.peek(name), node)
        return ast.copy_location(self.fact_locals.read(name), node)

    def visit_ListComp(self, node: ast.ListComp | ast.GeneratorExp) -> ast.AST:
        # (A generator expression gives a list in the sandbox too.)
        generator = node.generators[0]
        var = generator.target.id  # type: ignore[attr-defined]
        steps = sum(_unlooped_nodes(part) for part in (node.elt, *generator.ifs))
        # Python allows no `:=` in the items a comprehension loops over: reads in a loop take
        # a fact from its local if an earlier read put it there, and never set one.
        self.peeking += 1
        self.looped = True
        try:
            items = self.visit(generator.iter)  # in the body of the loop around, if any
            loop = _Loop()
            self.loops.append(loop)
            self.names += 1
            name = self.loop_vars[var] = f"_x{self.names}"
            try:
                conditions = [self.visit(condition) for condition in generator.ifs]
                element = self.visit(node.elt)
            finally:
                del self.loop_vars[var]
                self.loops.pop()
        finally:
            self.peeking -= 1
        slot = -1
        if not self.plain(node.elt) or self.limits.max_items > self.limits.max_built:
            # What the loop builds may pass max_built: counted item by item.
            slot = 2 + self.slots
            self.slots += 1
            element = _helper("_bt", _budget(), ast.Constant(slot), element)
        loop_items = _helper("_lp", _budget(), items, ast.Constant(steps),
                             ast.Constant(loop.work), ast.Constant(slot))
        return ast.copy_location(ast.ListComp(elt=element, generators=[ast.comprehension(
            target=ast.Name(name, ast.Store()), iter=loop_items, ifs=conditions,
            is_async=0)]), node)

    visit_GeneratorExp = visit_ListComp

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        # After checking, only the fields of loop items are attributes (``v.points``).
        if not self.loops or not isinstance(node.value, ast.Name):
            raise _Unsupported
        item = self.visit(node.value)
        assert isinstance(item, ast.Name)
        path: str = node.rp_path  # type: ignore[attr-defined]
        fields: tuple[str, ...] = node.rp_fields  # type: ignore[attr-defined]
        read = f"_field({item.id}, {fields!r}, {path!r})"
        if len(fields) == 1:
            key = repr(fields[0])
            read = f"({item.id}[{key}] if _type({item.id}) is _dict and {key} in {item.id} " \
                f"else {read})"
        convert = self.converters.get(path)
        if convert is not None:
            read = f"{self.constant(converting(convert))}({read})"
        value: ast.expr = ast.parse(read, mode="eval").body
        return ast.copy_location(value, node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, str) and len(value) > simpleeval.MAX_STRING_LENGTH:
            raise _Unsupported  # simpleeval refuses it at run time; let it
        if isinstance(value, float) and math.isnan(value):
            # `in` finds a NaN only by identity: the sandbox reuses the param's own object,
            # code written from text would make a new one.
            raise _Unsupported
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        operands = [node.left, *node.comparators]
        costs: list[int | None] = []
        for op, (left, right) in zip(node.ops, itertools.pairwise(operands), strict=True):
            if isinstance(op, (ast.Is, ast.IsNot)) and not (_singleton(left)
                                                             or _singleton(right)):
                # Identity of other constants depends on how Python stores them (compiled
                # code shares equal constants, the sandbox builds tuples afresh).
                raise _Unsupported
            if self.loops and not isinstance(op, (ast.Is, ast.IsNot)):
                costs.append(self.comparison_bound(op, left, right))
        self.generic_visit(node)
        if None not in costs:
            if costs:
                self.loops[-1].work += sum(c for c in costs if c is not None)
            return node
        if len(node.ops) > 1:
            raise _Unsupported  # a chain whose cost the data decides: left to the sandbox
        return ast.copy_location(_helper(
            _charging(node.ops[0]), _budget(), node.left, node.comparators[0]), node)

    def comparison_bound(self, op: ast.cmpop, left: ast.expr, right: ast.expr) -> int | None:
        """What the sandbox charges for ``left op right`` at most, if the shape tells (see
        :mod:`rulepack.engine.work`)."""
        if isinstance(op, (ast.In, ast.NotIn)):
            needle = self.units(left)
            if needle is None:
                return None
            if _literal_value(right):
                container = _constant(right)
                if type(container) is str:
                    return 1 + flat_size(container, self.limits.max_work, TEXT_CHARS) + needle
                if type(container) is tuple:
                    return 1 + len(container) * (1 + needle)
                return 1 + needle
            return 1 + needle if self.plain(right) else None
        bounds = [b for b in (self.units(left), self.units(right)) if b is not None]
        return 1 + min(bounds) if bounds else None

    def plain(self, node: ast.expr) -> bool:
        return _plain(node, self.converters)

    def units(self, node: ast.expr) -> int | None:
        """The most units of work the value of ``node`` counts for (see
        :func:`rulepack.engine.work.flat_size`), if its shape tells."""
        if self.plain(node):
            return 0
        if _literal_value(node):
            return flat_size(_constant(node), self.limits.max_work, TEXT_CHARS)
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            units = [self.units(part) for part in parts]
            return None if None in units else max(u for u in units if u is not None)
        return None

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        cost: int | None = 0
        charged = bool(self.loops) and isinstance(node.op, (ast.Add, ast.Mult))
        if charged:
            cost = self.sum_bound(node) if isinstance(node.op, ast.Add) else \
                self.product_bound(node)
        self.generic_visit(node)
        guard = _GUARDED.get(type(node.op))
        if guard is None:
            return node
        if cost is None:
            return ast.copy_location(_helper(_charging(node.op), _budget(), node.left,
                                             node.right), node)
        if charged:
            self.loops[-1].work += cost
        return ast.copy_location(
            ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right],
                     keywords=[]), node)

    def sum_bound(self, node: ast.BinOp) -> int | None:
        left, right = self.units(node.left), self.units(node.right)
        return None if left is None or right is None else 1 + left + right

    def product_bound(self, node: ast.BinOp) -> int | None:
        if _literal_value(node.left) and _literal_value(node.right):
            return product_cost(_constant(node.left), _constant(node.right), self.limits.max_work)
        return 1 if self.plain(node.left) and self.plain(node.right) else None

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise _Unsupported
        cost: int | None = 0
        if self.loops:
            units = [self.units(a) for a in node.args]
            cost = None if None in units else 1 + sum(u for u in units if u is not None)
        node.args = [self.visit(a) for a in node.args]
        function = ast.Name("_f_" + node.func.id, ast.Load())
        if cost is None:
            return ast.copy_location(_helper("_ccall", _budget(), function, *node.args), node)
        if self.loops:
            self.loops[-1].work += cost
        node.func = function
        return node


def _charging(op: ast.AST) -> str:
    """The helper that charges ``op`` (one of work.CHARGED) before doing it."""
    return "_c_" + type(op).__name__


def _helper(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(name, ast.Load()), args=list(args), keywords=[])


def _budget() -> ast.Name:
    return ast.Name("_wk", ast.Load())


def _plain(node: ast.expr, converted: Mapping[str, Any]) -> bool:
    """Whether every value ``node`` can give (if it gives one) is neither text nor a
    container: a number, a boolean, null, a date, an instant, a duration or a version. Its
    size is then 0 to the work budget, and it is no sequence to repeat. ``converted``: the
    item fields the schema converts (to dates or instants)."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, str)
    if isinstance(node, (ast.Compare, ast.UnaryOp)):
        return True  # booleans; `-x` and `+x` of numbers
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Mult)):
            return _plain(node.left, converted) and _plain(node.right, converted)
        return True  # `-`, `/`, `//`, `%` and `**` make numbers, dates or durations
    if isinstance(node, ast.BoolOp):
        return all(_plain(value, converted) for value in node.values)
    if isinstance(node, ast.IfExp):
        return _plain(node.body, converted) and _plain(node.orelse, converted)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        function = FUNCTIONS.get(node.func.id)
        return function is not None and function.returns in _PLAIN_KINDS - {"string"}
    if isinstance(node, ast.Name):
        return node.id in SPECIAL_NAMES
    if isinstance(node, ast.Attribute):
        # A converted item field is a date or an instant (or null), or the read fails. (An
        # item field the checker did not place, as in a rule a constant `when` skips, is
        # taken as not plain: it keeps every check.)
        path = getattr(node, "rp_path", None)
        return path is not None and path in converted
    return False


def _literal_value(node: ast.expr) -> bool:
    """A constant, or a tuple of constants (a list param), finite or not: whose value
    :func:`_constant` gives."""
    if isinstance(node, ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return isinstance(node, ast.Constant)


def _singleton(node: ast.expr) -> bool:
    """None, True or False: constants whose identity is the same wherever they come from."""
    return isinstance(node, ast.Constant) and (
        node.value is None or node.value is True or node.value is False)


def _call(function: ast.expr, argument: str) -> ast.Call:
    return ast.Call(func=function, args=[ast.Constant(argument)], keywords=[])


# -- code generation ----------------------------------------------------------------------------


def _namespace(limits: Limits) -> dict[str, Any]:
    operators = operators_for(limits)
    namespace: dict[str, Any] = {
        "__builtins__": {},
        "_Missing": Missing,
        "_FAILED": FAILURES,
        "_error": error_text,
        "_CHECKED": CHECKED,
        "_float": float,
        "_str": str,
        "_int": int,
        "_bool": bool,
        "_INF": math.inf,
        "_NINF": -math.inf,
        "_keep": functools.partial(keepable, limit=limits.max_built),
        "_kept": functools.partial(_kept, limit=limits.max_built),
        "_type": type,
        "_NEG": NEGATE,
        "_add": operators[ast.Add],
        "_mult": operators[ast.Mult],
        "_mod": operators[ast.Mod],
        "_pow": operators[ast.Pow],
    }
    for name, function in FUNCTIONS.items():
        namespace["_f_" + name] = function.impl
    namespace.update(_loop_helpers(limits, operators))
    # Whatever stops an expression: what an assignment inline hands to the interpreter on.
    namespace["_STOPPED"] = (Missing, *FAILURES, _Fallback)
    namespace["_ExpressionFailed"] = ExpressionFailed
    namespace["_bounded"] = bounded_score
    return namespace


class _Fallback(Exception):
    """Compiled code cannot be sure of the sandbox's answer here: ask the sandbox."""


def _loop_helpers(limits: Limits, operators: Mapping[type, Callable[..., Any]]) \
        -> dict[str, Any]:
    """What compiled comprehensions call: the loop's items, and the charges of its budget
    ``wk`` (steps so far, work so far, then what each loop built so far), each raising
    :class:`_Fallback` where the sandbox could stop (see :class:`_Translator`)."""
    max_steps, max_work = limits.max_steps, limits.max_work
    max_items, max_built = limits.max_items, limits.max_built

    def loop_items(wk: list[int], items: Any, steps: int, work: int, slot: int) -> Any:
        if items is None:
            items = ()
        elif not isinstance(items, (list, tuple)) or len(items) > max_items:
            raise _Fallback  # the sandbox refuses it, in its words
        count = len(items)
        wk[0] += count * steps
        wk[1] += count * work
        if wk[0] > max_steps or wk[1] > max_work:
            raise _Fallback
        if slot >= 0:
            wk[slot] = 0
        return items

    def built(wk: list[int], slot: int, element: Any) -> Any:
        wk[slot] += 1 + sized(element)
        if wk[slot] > max_built:
            raise _Fallback
        return element

    def charge(wk: list[int], units: int) -> None:
        wk[1] += units
        if wk[1] > max_work:
            raise _Fallback

    def charged(function: Callable[[Any, Any], Any],
                cost: Callable[[Any, Any, int], int]) -> Callable[[list[int], Any, Any], Any]:
        def run(wk: list[int], a: Any, b: Any) -> Any:
            # (charge's lines, written out: comparisons run once for every item looked at.)
            wk[1] += cost(a, b, max_work)
            if wk[1] > max_work:
                raise _Fallback
            return function(a, b)
        return run

    def called(wk: list[int], function: Callable[..., Any], *arguments: Any) -> Any:
        charge(wk, call_cost(arguments, max_work))
        return function(*arguments)

    helpers: dict[str, Any] = {
        "_lp": loop_items, "_bt": built, "_ccall": called, "_field": item_field,
        "_dict": dict, "_Fallback": _Fallback,
    }
    # The operators the sandbox charges, each charged the same way (the guards of `+` and
    # `*` included: the sandbox's own).
    for op, cost in CHARGED.items():
        helpers[f"_c_{op.__name__}"] = charged(operators[op], cost)
    return helpers


def _kept(value: Any, limit: int) -> Any:
    """``value``, once `keepable` let it through."""
    keepable(value, limit)
    return value


def _build(source: str, namespace: dict[str, Any], constants: dict[str, Any]) -> dict[str, Any]:
    scope = {**namespace, **constants}
    with warnings.catch_warnings():
        # `x is 1` style comparisons are legal pack syntax; Python's SyntaxWarning is noise.
        warnings.simplefilter("ignore", SyntaxWarning)
        exec(compile(source, "<rulepack compiled>", "exec"), scope)
    return scope


def _expression_code(tree: ast.Expression, plan: Plan, namespace: dict[str, Any]) \
        -> ExpressionCode | None:
    constants: dict[str, Any] = {"_tree": tree}
    try:
        source = _source(tree.body, plan.limits, constants=constants,
                         converters=plan.schema.converters)
    except _Unsupported:
        return None
    scope = _build(f"def _code(_run):\n    _fact = _run.fact\n"
                   f"{_returned(source, '_run.sandbox.run(_tree)')}", namespace, constants)
    code: ExpressionCode = scope["_code"]
    return code


class _ConditionWriter:
    """Emits the statements of one condition, one local per sub-result.

    ``_s<n>`` holds a sub-condition's status. By default ``_l<n>`` holds the records of the
    checks that decided it, as :meth:`rulepack.engine.interpreter._Run.condition` returns them. With
    ``raw`` (inside a whole-pack function) no record lists are built: the caller keeps the
    values of every atom, in order (``atom_records``), and a
    :class:`rulepack.verdict.kept.RawCondition` made from ``raw_atoms`` makes their records and
    picks the deciding ones only when an explanation is read.
    """

    def __init__(self, plan: Plan, fact_locals: _FactLocals | None = None,
                 raw: bool = False) -> None:
        self.plan = plan
        self.fact_locals = fact_locals
        self.raw = raw
        # Raw: the names the rule record keeps, per atom (status, value or record, and the
        # threshold when it is computed), and where and how each atom is kept among them.
        self.atom_records: list[str] = []
        self.raw_atoms: list[RawAtom] = []
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.count = 0

    def fresh(self) -> int:
        self.count += 1
        return self.count

    def constant(self, value: Any) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def emit(self, text: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + text)

    def indent_from(self, start: int, levels: int) -> None:
        """Indent the lines emitted since line ``start`` by ``levels`` more: code emitted at
        the function's level that is to run under an ``if``."""
        self.lines[start:] = ["    " * levels + line for line in self.lines[start:]]

    def condition(self, node: Condition) -> int:
        """Emit code for ``node``; return n where ``_sn``/``_ln`` hold status and records."""
        if isinstance(node, Atom):
            return self.atom(node)
        n = self.fresh()
        if isinstance(node, Constant):
            self.emit(f"_s{n} = {'pass' if node.value else 'fail'!r}")
            if not self.raw:
                self.emit(f"_l{n} = ()")
        elif isinstance(node, NotOf):
            child = self.condition(node.child)
            self.emit(f"_s{n} = _NEG[_s{child}]")
            if not self.raw:
                self.emit(f"_l{n} = _l{child}")
        else:
            assert isinstance(node, (AllOf, AnyOf))
            children = [self.condition(child) for child in node.children]
            statuses = "(" + "".join(f"_s{c}, " for c in children) + ")"
            self.emit(f"_s{n} = {node.junction.source(statuses)}")
            if not self.raw:
                parts = ", ".join(f"*(_l{c} if _s{c} == _s{n} else ())" for c in children)
                self.emit(f"_l{n} = ({parts},)" if len(children) == 1 else f"_l{n} = ({parts})")
        return n

    def atom(self, atom: Atom) -> int:
        n = self.fresh()
        site = self.plan.sites[id(atom)]
        try:
            block = self.atom_block(n, site, atom)
        except _Unsupported:
            self.plan.sandboxed[id(atom.expr)] = atom.expr
            self.emit(f"_c{n} = _run.atom({self.constant(atom)}); _s{n} = _c{n}[1]")
            if self.raw:
                self.keep(n, (site, None, KEPT_RECORD))
        else:
            for line in block:
                self.emit(line)
        if not self.raw:
            self.emit(f"_l{n} = (_c{n},)")
        return n

    def atom_block(self, n: int, check_site: CheckSite, atom: Atom) -> list[str]:
        """The statements evaluating one atom into ``_s<n>`` (its status) and ``_c<n>`` (its
        record), as ``_Run.atom`` would.

        Raw, ``_c<n>`` is the record only when the atom is unknown; otherwise it is the actual
        value, with the threshold in ``_t<n>`` unless that is a constant.
        """
        expr = atom.expr
        comparison = expr.comparison
        site = self.constant(check_site)
        lines = ["try:"]
        threshold_slot = False
        if comparison is not None:
            if comparison.op in ("is", "is not") and not (
                    _singleton(comparison.actual.body) or _singleton(comparison.threshold.body)):
                raise _Unsupported  # identity of other constants: see _Translator.visit_Compare
            # The actual side first, then the threshold: the order the sandbox path reads in.
            actual = self.source(comparison.actual.body)
            threshold = self.source(comparison.threshold.body)
            op = _PYTHON_OP[comparison.op]
            shown = "_a"
            lines += self.actual_lines(comparison.actual.body, actual)
            if _literal(comparison.threshold.body):
                # A constant threshold is written where it is used: no local to store.
                lines.append(f"    _s{n} = 'pass' if _a {op} {threshold.text} else 'fail'")
                kept: tuple[CheckSite, Any, str] = (
                    check_site, _constant(comparison.threshold.body), CONSTANT_THRESHOLD)
                threshold_text = threshold.text
            else:
                lines += [*self.actual_lines(comparison.threshold.body, threshold, "_t"),
                          f"    _s{n} = 'pass' if _a {op} _t else 'fail'"]
                threshold_text, threshold_slot = "_t", True
                kept = (check_site, None, KEPT_THRESHOLD)
            looped = actual.budget is not None or threshold.budget is not None
        else:
            source = self.source(expr.tree.body)
            lines += [*self.actual_lines(expr.tree.body, source),
                      f"    _s{n} = 'pass' if _a else 'fail'"]
            path = check_site.path
            shown = "None" if path is None else (self.fact_value(path) if expr.negated else "_a")
            threshold_text = "None"
            kept = (check_site, None, CONSTANT_THRESHOLD)
            looped = source.budget is not None
        unknown = f"_s{n} = 'unknown'" + (f"; _t{n} = None" if self.raw and threshold_slot else "")
        # A missing fact: the interpreter's record, which says what is known of the atom (a
        # list's known records, a result field's interval may still decide it).
        known = [f"    _c{n} = _run.missing_check({site}, {self.constant(expr)}, _e.path); "
                 f"_s{n} = _c{n}[1]"]
        alone = _only_fact(expr)
        # Loops that cannot be sure of the sandbox's answer: the interpreter's record.
        fallback = [f"    _c{n} = _run.atom({self.constant(atom)}); _s{n} = _c{n}[1]"]
        if self.raw:
            # Raw, a decided atom keeps its value (and threshold), as the `else` branch does.
            decided = [f"    if _s{n} == 'unknown':",
                       f"        _t{n} = None" if threshold_slot else "        pass",
                       "    else:",
                       f"        {f'_t{n} = _c{n}[3]; ' if threshold_slot else ''}"
                       f"_c{n} = _c{n}[2]"]
            known += decided
            fallback += decided
        record = ""
        if alone is not None:
            # An atom reading one fact, and nothing in a list, knows nothing of itself without
            # it: missing_check's record is a constant (most atoms of a document without the
            # facts a pack reads come here).
            record = self.constant((check_site, "unknown", None, None, (alone,), None))
            known = [f"    if _e.path == {alone!r}:",
                     f"        _run.saw_missing = True; _c{n} = {record}; {unknown}",
                     "    else:", *("    " + line for line in known)]
        lines += [
            "except _Missing as _e:",
            *known,
            "except _FAILED as _e:",
            f"    _c{n} = ({site}, 'unknown', None, None, (), _error(_e)); {unknown}",
            *(["except _Fallback:", *fallback] if looped else []),
            "else:",
        ]
        if not self.raw:
            lines.append(f"    _c{n} = ({site}, _s{n}, {shown}, {threshold_text}, (), None)")
        else:
            lines.append(f"    _c{n} = {shown}" + (f"; _t{n} = _t" if threshold_slot else ""))
            self.keep(n, kept)
        first = comparison.actual if comparison is not None else expr.tree
        gone = self.gone(alone, first)
        if gone is None and alone is None:
            # Several facts, all beside the one read first: with the object holding them
            # absent, every one is missing, and the record is a constant too.
            beside = _facts_beside(expr, first)
            if beside is not None:
                gone = self.gone(beside[0], first)
                record = self.constant((check_site, "unknown", None, None, beside, None))
        if gone is not None:
            # The object that would hold its facts is absent from the document: the atom is
            # the constant record above without a read that would only raise.
            lines = [f"if {gone}:",
                     f"    _run.saw_missing = True; _c{n} = {record}; {unknown}",
                     "else:", *("    " + line for line in lines)]
        return lines

    def gone(self, alone: str | None, first: ast.Expression) -> str | None:
        """In a whole-pack function, the test that the object holding fact ``alone`` is absent
        from the document, for an atom whose one fact is ``alone`` and whose evaluation
        begins by reading it (``first``, the tree evaluated first, is that read); else None."""
        if self.fact_locals is None or alone is None \
                or _fact_path(_evaluated_first(first.body)) != alone \
                or "[]" in alone or "." not in alone:
            return None
        return f"{self.fact_locals.parent(alone)[0]} is _GONE"

    def source(self, body: ast.expr) -> _Source:
        whole = self.whole_fact(body)
        if whole is not None:
            return whole
        return _source(body, self.plan.limits, fact_locals=self.fact_locals,
                       constants=self.constants, converters=self.plan.schema.converters)

    def whole_fact(self, body: ast.expr) -> _Source | None:
        """In a whole-pack function, the read of a fact read whole whose schema names a type
        `keepable` never looks at (``account.fans``), checked by the read itself (see
        :meth:`_FactLocals.read`); None for any other tree."""
        path = _fact_path(body)
        if self.fact_locals is None or path is None:
            return None
        info = self.plan.schema.fields.get(path)
        usual = _USUAL_TYPES.get(info.kind) if info is not None else None
        if usual is None or not self.fact_locals.direct(path):
            return None
        return _Source(ast.unparse(self.fact_locals.read(path, usual)), None, checked=True)

    def actual_lines(self, node: ast.expr, written: _Source, local: str = "_a") -> list[str]:
        """The statements setting ``local`` (``_a``, or ``_t`` for a threshold) to the value of
        ``node`` (written as ``written``), checked as the sandbox path checks the values it
        gives.

        In a whole-pack function a fact read whole is checked once per document, by the
        first atom that shows it (many atoms compare one fact, ``account.fans``, with
        different thresholds). Its atoms run one after the other, unconditionally, in the
        order they are written, so the first one written is the first one run; a later one
        finds the checked value in its local, unless the first stopped (a missing fact, a
        value not keepable), and then reads and checks for itself. A fact whose schema names
        a type keepable never looks at is checked by its read instead (``written.checked``:
        see :meth:`whole_fact`).
        """
        source = written.text
        path = _fact_path(node)
        info = self.plan.schema.fields.get(path) if path is not None else None
        kind = info.kind if info is not None else None
        if written.checked:
            return [f"    {local} = {source}"]
        if self.fact_locals is None or path is None:
            return [*_budget_lines(written), f"    {local} = {source}",
                    *_keep_lines(local, node, kind)]
        if path in self.fact_locals.checked:
            checked = self.fact_locals.checked[path]
            return [f"    {local} = {checked} if {checked} is not _U else _kept({source})"]
        checked = self.fact_locals.checked_local(path)
        return [f"    {local} = {source}", *_keep_lines(local, node, kind),
                f"    {checked} = {local}"]

    def keep(self, n: int, kept: tuple[CheckSite, Any, str]) -> None:
        """Raw: keep atom ``n``'s status and value (and threshold, if not a constant)."""
        self.raw_atoms.append(RawAtom(len(self.atom_records), *kept))
        self.atom_records += [f"_s{n}", f"_c{n}"]
        if kept[2] == KEPT_THRESHOLD:
            self.atom_records.append(f"_t{n}")

    def fact_value(self, path: str) -> str:
        """The value of fact ``path`` as read, for a negated atom's record (its ``not x``
        evaluated to the opposite of what the reader should see)."""
        if self.fact_locals is not None and path in self.fact_locals.locals:
            local = self.fact_locals.locals[path]
            return f"({local} if {local} is not _U else _a)"
        return f"_run.cache.get({path!r}, _a)"


def _budget_lines(written: _Source) -> list[str]:
    """The statement starting the budget of ``written``'s loops, if it has any."""
    return [] if written.budget is None else [f"    {written.budget}"]


# What `_Run.run` checks of every value it gives (see interpreter.keepable), for a value
# computed inline: a number that is not finite, or a container too big to keep, stops the atom.
# A float is compared here (`keepable` raises for it only when the comparison fails): most
# values are numbers, and a call for each would cost more than the atom. A value whose kind
# the expression's shape proves keepable is not looked at (see `_keepable_by_shape`).
def _keep_lines(value: str, node: ast.expr, kind: str | None = None) -> list[str]:
    """The check of ``value``, the value of ``node``; ``kind`` is the schema kind of the fact
    ``node`` reads whole, if it reads one."""
    if _keepable_by_shape(node):
        return []
    if kind is not None and kind not in _FLOAT_KINDS:
        # A fact whose schema allows no float (a float there would break the schema): a
        # float is looked at by `keepable` itself, the others by their type alone, and the
        # type the schema names is let through by identity first (a set lookup costs more).
        usual = _USUAL_TYPES.get(kind)
        first = f"_type({value}) is not {usual} and " if usual else ""
        return [f"    if {first}_type({value}) in _CHECKED: _keep({value})"]
    if _returns(node) == "number":
        # An int or a float (tests/test_function_kinds.py holds every such function to it):
        # only a float can fail the check.
        return [f"    if not _NINF < {value} < _INF and _type({value}) is _float: _keep({value})"]
    return ["    _k = _type(" + value + ")",
            f"    if _k is _float: _NINF < {value} < _INF or _keep({value})",
            f"    elif _k in _CHECKED: _keep({value})"]


def _returns(node: ast.expr) -> str | None:
    """The declared kind of what ``node`` gives when it is a call of a library function."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        function = FUNCTIONS.get(node.func.id)
        return function.returns if function is not None else None
    return None


# Schema kinds of facts that may hold a float (or anything at all).
_FLOAT_KINDS = frozenset({"number", "any"})
# The Python type a fact of a schema kind holds in a document the schema admits: never one
# `keepable` looks at, so the check passes it by identity alone.
_USUAL_TYPES = {"string": "_str", "integer": "_int", "boolean": "_bool"}


# Kinds of library function results `keepable` never looks into (ints, text, booleans,
# dates, instants, durations and versions are always finite and never containers).
_PLAIN_KINDS = frozenset({"int", "string", "bool", "date", "instant", "duration", "version"})


def _keepable_by_shape(node: ast.expr) -> bool:
    """Whether every value ``node`` can give is one `keepable` lets through, whatever the
    document holds: a finite literal, a comparison or ``not`` (a bool), or a call of a
    library function whose declared kind is plain (``tests/test_function_kinds.py`` checks that each
    function gives values of the kind it declares)."""
    if _literal(node) or isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return True
    return _returns(node) in _PLAIN_KINDS


def _only_fact(expr: CompiledExpr) -> str | None:
    """The fact ``expr`` reads when it reads one fact whole and looks into no list (so that
    without it nothing of its value is known: see ``_Run.known_check``); else None."""
    if len(expr.reads) != 1:
        return None
    path = expr.reads[0]
    if path.startswith("result.") or "[]" in path or looks_into_lists(expr.tree):
        return None
    return path


def _facts_beside(expr: CompiledExpr, first: ast.Expression) -> tuple[str, ...] | None:
    """The facts ``expr`` is missing when the object holding the fact it reads first is absent
    from the document, in the order ``_Run.missing_of`` finds them: when ``first`` (the tree
    evaluated first) is that read, every read is a fact held by that object or below it, and
    the expression looks into no list (so nothing of its value is known without them); else
    None."""
    path = _fact_path(_evaluated_first(first.body))
    if path is None or "[]" in path or looks_into_lists(expr.tree):
        return None
    holder = path.rpartition(".")[0] + "."
    if not all(read.startswith(holder) and "[]" not in read for read in expr.reads):
        return None
    return tuple(dict.fromkeys((path, *expr.reads)))


def _evaluated_first(node: ast.expr) -> ast.expr:
    """The leaf of ``node`` that Python (and the sandbox) evaluate before anything else of it:
    the left operand, the first argument of a library function, the test of a conditional;
    nothing before it can fail. (``hours_between(account.ban.started_at, as_of)`` begins by
    reading account.ban.started_at.)"""
    while True:
        if isinstance(node, (ast.BinOp, ast.Compare)):
            node = node.left
        elif isinstance(node, ast.BoolOp):
            node = node.values[0]
        elif isinstance(node, ast.UnaryOp):
            node = node.operand
        elif isinstance(node, ast.IfExp):
            node = node.test
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args \
                and not node.keywords and not isinstance(node.args[0], ast.Starred):
            node = node.args[0]
        else:
            return node


def _fact_path(node: ast.expr) -> str | None:
    """The fact path ``node`` reads whole (``account.fans``), or None."""
    if isinstance(node, ast.Name) and "." in node.id and not node.id.startswith("result."):
        return node.id
    return None


def _literal(node: ast.expr) -> bool:
    """A finite constant, or a tuple of them: code that costs nothing to repeat and that
    `_keep_lines` would let through (an infinite constant is checked where it is used)."""
    if isinstance(node, ast.Tuple):
        return all(_literal(e) for e in node.elts)
    return isinstance(node, ast.Constant) and not (
        isinstance(node.value, float) and not math.isfinite(node.value))


def _constant(node: ast.expr) -> Any:
    """The value of a :func:`_literal_value` node, as the code written from it makes it."""
    if isinstance(node, ast.Tuple):
        return tuple(e.value for e in node.elts if isinstance(e, ast.Constant))
    assert isinstance(node, ast.Constant)
    return node.value


def _condition_code(condition: Condition, plan: Plan, namespace: dict[str, Any]) \
        -> ConditionCode:
    """``condition`` as a function returning its status and deciding records."""
    writer = _ConditionWriter(plan)
    root = writer.condition(condition)
    source = "def _code(_run):\n    _fact = _run.fact\n" + "\n".join(writer.lines) + \
        f"\n    return _s{root}, _l{root}\n"
    code: ConditionCode = _build(source, namespace, writer.constants)["_code"]
    return code


def _inlined(rule: Rule) -> bool:
    """Whether ``rule``'s record is made by the whole-pack function with no local of its own:
    a check with no `when` and no assignments, its require kept raw."""
    return isinstance(rule, CheckRule) and rule.when is None and not rule.assignments


def evaluated_inline(rule: Rule) -> bool:
    """Whether the whole-pack function evaluates ``rule`` itself (every kind of rule, with or
    without a `when`), handing it to the interpreter only when it meets what it cannot be
    sure of."""
    return isinstance(rule, (CheckRule, OutputRule, TableRule, ScoreRule))


def _rule_body(writer: _ConditionWriter, rule: Rule, name: str, record: str) -> None:
    """Emit the evaluation of ``rule`` that applies, into local ``record``: a check's require
    kept raw, then any fields it sets; an output's fields; a table's rows, decided by
    :meth:`rulepack.engine.interpreter._Run.table_of`."""
    if isinstance(rule, TableRule):
        rows, statuses = _table_rows(writer, rule)
        _table_of(writer, rule, name, record, rows, statuses)
        return
    if isinstance(rule, ScoreRule):
        _score_body(writer, rule, name, record)
        return
    assert isinstance(rule, (CheckRule, OutputRule))
    done = f"({name}, 'pass', (), None, _NOPE)"
    if isinstance(rule, CheckRule):  # its require first, kept raw, as _Run.check goes
        done = _raw_require(writer, rule, name)[1]
        if not rule.assignments:
            writer.emit(f"{record} = {done}")
            return
    # Its fields set here, in order, when every one of them can be computed; else the
    # interpreter evaluates the rule afresh (and words why not).
    assigned = _assignments(writer, rule, name, record, done)
    for line in assigned or [f"{record} = _run.rule({name}, None)"]:
        writer.emit(line)


def _score_body(writer: _ConditionWriter, rule: ScoreRule, name: str, record: str) -> None:
    """Emit a score rule whose deductions are all decided: its start, each deduction's `when`
    (full records) and points, its floor and ceiling, computed and checked as
    ``_Run.score`` computes and checks them, in the same order; the score itself is
    ``interpreter.bounded_score``'s and the rest (fields, details, pass condition)
    ``_Run.scored``'s. A deduction whose `when` is unknown (its points an interval), a result
    field an earlier rule left unknown, or anything that stops hands the rule to the
    interpreter, which evaluates it afresh."""
    handed = f"{record} = _run.rule({name}, None)"

    def value(expr: CompiledExpr | None, local: str, depth: int) -> list[str]:
        if expr is None:
            return ["    " * depth + f"{local} = None"]
        written = writer.source(expr.tree.body)  # (_Unsupported: handed over whole)
        lines = [*_budget_lines(written), f"    {local} = {written.text}",
                 *([] if written.checked else _keep_lines(local, expr.tree.body))]
        return ["    " * (depth - 1) + line for line in lines]

    start = len(writer.lines)
    try:
        # Its fields are null while it is evaluated, as _Run.score makes them; those its own
        # `when` or expressions read are put back before it is handed over, which evaluates
        # it from its `when` again.
        own = _own_fields_read(rule)
        if own:
            writer.emit(f"_sv = ({''.join(f'_run.result.get({f!r}), ' for f in own)})")
        for field in rule.fields():
            writer.emit(f"_run.result[{field!r}] = None")
        writer.emit("try:")
        body = len(writer.lines)
        writer.lines += value(rule.start, "_st", 1) if rule.start else ["    _st = 0"]
        writer.emit("_dl = []; _dd = 0")
        for deduction in rule.deductions:
            if deduction.when is None:
                writer.lines += value(deduction.points, "_pt", 1)
            else:
                points = value(deduction.points, "_pt", 2)
                writer.raw = False
                w = writer.condition(deduction.when)
                writer.raw = True
                # (_Fallback: the rule is handed over, as a loop the sandbox must decide is.)
                writer.emit(f"if _s{w} == 'unknown': raise _Fallback")
                writer.emit(f"if _s{w} == 'pass':")
                writer.lines += points
                writer.emit("else:")
                writer.emit("    _pt = 0")
            writer.emit(f"_dl.append({{'id': {deduction.id!r}, 'points': _pt}})")
            writer.emit("_dd = _dd + _pt")
        writer.lines += value(rule.floor, "_fl", 1)
        writer.lines += value(rule.ceiling, "_ce", 1)
        writer.emit("_sc = _bounded(_st, _dd, _fl, _ce)")
    except _Unsupported:
        del writer.lines[start:]
        writer.emit(handed)
        return
    writer.indent_from(body, 1)
    writer.emit("except (*_STOPPED, _ExpressionFailed):")
    if own:
        writer.emit(f"    _run.restore({own!r}, _sv)")
    writer.emit(f"    {handed}")
    writer.emit("else:")
    writer.emit(f"    _x = _run.scored({name}, _st, _dl, _dd, [], _fl, _ce, _sc)")
    writer.emit(f"    {record} = ({name}, _x[0], _x[1], None, _x[2])")
    read = [d.points for d in rule.deductions]
    read += [e for e in (rule.start, rule.floor, rule.ceiling) if e is not None]
    unsettled = _unsettled(read, _shared(writer.plan, rule))
    if unsettled is not None:
        writer.indent_from(start, 1)
        writer.lines[start:start] = ["    " * 1 + line for line in
                                     [f"if {unsettled}:", f"    {handed}", "else:"]]


def _assignments(writer: _ConditionWriter, rule: CheckRule | OutputRule, name: str,
                 record: str, done: str) -> list[str] | None:
    """The statements setting the fields of ``rule`` (a rule with no `when`) in a whole-pack
    function, then its record in ``record``: ``done`` when every field was set; None when an
    expression must stay in the sandbox.

    Each field is computed and checked as ``_Run.assign`` computes and checks it, and set
    before the next one is computed (it may read it). Any expression that stops (a missing
    fact, a failure, a loop the sandbox must decide) hands the rule to the interpreter, which
    says what stopped it: a check rule whole, evaluated afresh; an output rule from the
    field that stopped (``_Run.output_from``), the fields before it being set as the
    interpreter sets them. So does a result field it reads or sets that an earlier rule left
    unknown or known in part (the interpreter's bookkeeping of those), before any field."""
    body: list[str] = []
    # An output rule that stops is handed over from the field that stopped (_i): those
    # before it are set as the interpreter sets them. A check rule is handed over whole.
    output = isinstance(rule, OutputRule)
    for index, assignment in enumerate(rule.assignments):
        try:
            written = writer.source(assignment.expr.tree.body)
        except _Unsupported:
            return None
        body += [*([f"    _i = {index}"] if output else []),
                 *_budget_lines(written), f"    _y = {written.text}",
                 *([] if written.checked else _keep_lines("_y", assignment.expr.tree.body)),
                 f"    _run.result[{assignment.field!r}] = _y"]
    saved: list[str] = []
    restore: list[str] = []
    if output:
        handed, stopped = (f"{record} = _run.output_from({name}, {at})" for at in ("0", "_i"))
    else:
        handed = stopped = f"{record} = _run.rule({name}, None)"
        # Fields of its own the rule reads (x: result.x + 1, or a later field from an earlier
        # one): the interpreter must find them as they were before the rule began, so their
        # values then are kept and put back before it is handed over.
        own = _own_fields_read(rule)
        if own:
            saved = [f"_sv = ({''.join(f'_run.result.get({f!r}), ' for f in own)})"]
            restore = [f"    _run.restore({own!r}, _sv)"]
    # An output rule stopped by a missing fact hands over the fact too: evaluating the field
    # again would only meet it again.
    missed = ["except _Missing as _e:",
              f"    {record} = _run.output_from({name}, _i, _e.path)"] if output else []
    inline = [*saved, "try:", *body, *missed, "except _STOPPED:", *restore, f"    {stopped}",
              "else:",
              f"    {record} = {done}"]
    unsettled = _unsettled([a.expr for a in rule.assignments], _shared(writer.plan, rule))
    if unsettled is None:
        return inline
    return [f"if {unsettled}:", f"    {handed}", "else:", *("    " + line for line in inline)]


def _own_fields_read(rule: Rule) -> tuple[str, ...]:
    """The fields ``rule`` sets that its own `when`, conditions or expressions read."""
    reads = {r[7:] for atom in atoms_in(rule.when) for r in atom.expr.reads}
    for condition in rule.conditions():
        reads.update(r[7:] for atom in atoms_in(condition) for r in atom.expr.reads)
    for expr in rule.expressions():
        reads.update(r[7:] for r in expr.reads if r.startswith("result."))
    return tuple(f for f in rule.fields() if f in reads)


def _shared(plan: Plan, rule: Rule) -> tuple[str, ...]:
    """The fields ``rule`` sets that another rule of the pack sets too: only those can be
    unknown or known in part before it runs (a rule leaves only its own fields so)."""
    others = {name for other in plan.pack.rules if other is not rule for name in other.fields()}
    return tuple(name for name in rule.fields() if name in others)


def _unsettled(expressions: list[CompiledExpr], fields: tuple[str, ...]) -> str | None:
    """The test of whether a result field that ``expressions`` read, or one of ``fields``
    (those the rule sets that others set too), is unknown or known in part; None when there
    are none of either."""
    names = dict.fromkeys([*(r[7:] for e in expressions for r in e.reads
                             if r.startswith("result.")), *fields])
    if not names:
        return None
    unknown = " or ".join(f"{n!r} in _run.unknown_results" for n in names)
    bounded = " or ".join(f"{'result.' + n!r} in _run.bounds" for n in names)
    return f"(_run.unknown_results and ({unknown})) or (_run.bounds and ({bounded}))"


def _raw_require(writer: _ConditionWriter, rule: CheckRule, name: str) -> tuple[int, str]:
    """Emit ``rule``'s require kept raw; return the n of its ``_s<n>`` and its record's text:
    the values of every atom, and the condition they are turned into records by (registered
    in the plan's ``raw_conditions``)."""
    writer.atom_records, writer.raw_atoms = [], []
    n = writer.condition(rule.require)
    atoms = "".join(f"{c}, " for c in writer.atom_records)
    writer.plan.raw_conditions[id(rule.require)] = RawCondition(
        rule.require, tuple(writer.raw_atoms))
    return n, f"({name}, _s{n}, ({atoms}), {writer.constant(rule.require)}, _NOPE)"


def _table_rows(writer: _ConditionWriter, rule: TableRule) -> tuple[str, list[str] | None]:
    """Emit the conditions of ``rule``'s rows with their records, in order and as far as
    :meth:`rulepack.engine.interpreter._Run.table_rows` evaluates them (a first-hit table's
    up to its first row that may hit, each later row under an ``if``); return the name of the
    list of their outcomes, and the expressions of the rows' statuses when every row is
    evaluated (None for a first-hit table)."""
    outcomes = f"_o{writer.fresh()}"
    writer.emit(f"{outcomes} = []")
    first = rule.hit_policy == "first"
    statuses: list[str] = []
    writer.raw = False  # full records: a table's reason shows its deciding rows' checks
    depth = 1
    for row in rule.rows:
        if row.when is None:
            writer.emit(f"{outcomes}.append({writer.constant(PASSED)})", depth)
            statuses.append("'pass'")
            if first:
                break  # it hits: no row after it is looked at
            continue
        start = len(writer.lines)
        n = writer.condition(row.when)
        writer.indent_from(start, depth - 1)
        writer.emit(f"{outcomes}.append((_s{n}, _l{n}))", depth)
        statuses.append(f"_s{n}")
        if first:
            writer.emit(f"if _s{n} == 'fail':", depth)
            depth += 1
    if first and depth > 1:
        writer.emit("pass", depth)
    writer.raw = True
    return outcomes, None if first else statuses


def _table_of(writer: _ConditionWriter, rule: TableRule, name: str, record: str,
              outcomes: str, statuses: list[str] | None) -> None:
    """Emit a table rule that applies, from its rows' outcomes: as
    :meth:`rulepack.engine.interpreter._Run.table_of` decides it, which it does itself for a
    combination of statuses met first (and whenever what is known of result fields is
    kept); a combination it has met is taken from :meth:`Plan.table_shortcut`, whose
    shortcut gives the same status, result fields (set in the same order), checks and
    details, when the table is decided and its winning rows' outputs are constants."""
    known = writer.constant(writer.plan.table_shortcuts.setdefault(id(rule), {}))
    shortcut = writer.constant(writer.plan.table_shortcut)
    met = f"({''.join(f'{s}, ' for s in statuses)})" if statuses is not None else \
        f"_tuple([_q[0] for _q in {outcomes}])"
    writer.emit(f"_t = {met}")
    writer.emit(f"_h = {known}.get(_t)")
    writer.emit(f"if _h is None: _h = {shortcut}({name}, _t, _run)")
    writer.emit("if _h and not _run.bounds:")
    writer.emit("    _res = _run.result")
    writer.emit("    _p = _h[4]")
    picked = (f"{outcomes}[_p[0]][1] if _len(_p) == 1 else "
              f"_tuple([_y for _i in _p for _y in {outcomes}[_i][1]])")
    # Left open: the unknown rows' checks decide, and the outputs wait for the facts they
    # lack (a collect table's lists known in part, as _Run.collect keeps them).
    writer.emit("    if _p is None:")
    writer.emit(f"        _c = _tuple([_y for _q in {outcomes} if _q[0] == 'unknown' "
                "for _y in _q[1]])")
    writer.emit("        _m = _tuple([_z for _y in _c for _z in _y[4]])")
    writer.emit("        _u = _run.unknown_results")
    if rule.collects:
        writer.emit("        _b = _run.bounds")
        writer.emit("        for _f, _v, _w, _k in _h[3]:")
        writer.emit("            _res[_f] = _list(_v); _u[_f] = _m")
        writer.emit("            _b[_k] = _partial_list(_v, _w, _m)")
        writer.emit("    else:")
        writer.emit("        for _f, _v, _w, _k in _h[3]: _res[_f] = _list(_v)")
    else:
        writer.emit("        for _f, _v in _h[3]: _res[_f] = _v; _u[_f] = _m")
        writer.emit("    else:")
        # A list or mapping of the pack goes to each verdict as a copy of its own.
        writer.emit("        for _f, _v in _h[3]: _res[_f] = _v")
        writer.emit("        for _f in _h[5]: _res[_f] = _fresh(_res[_f])")
    writer.emit(f"        _c = {picked}")
    writer.emit(f"    {record} = ({name}, _h[0], _c, None, "
                "{'rows': _dict(_h[1]), 'matched': _list(_h[2])})")
    writer.emit("else:")
    writer.emit(f"    _x = _run.table_of({name}, {outcomes})")
    writer.emit(f"    {record} = ({name}, _x[0], _x[1], None, _x[2])")


def _rules_code(plan: Plan, namespace: dict[str, Any]) -> RulesCode:
    """One function evaluating every rule of a pack whose `when`, if it has one, holds, into
    its rule records and the pack's outcome.

    Facts read by inlined rules live in locals of this function, read once per document.
    """
    fact_locals = _FactLocals(plan.schema.converters)
    writer = _ConditionWriter(plan, fact_locals, raw=True)
    records: list[str] = []
    decisive: list[str] = []
    for rule in plan.pack.rules:
        name = writer.constant(rule)
        record = f"_r{len(records)}"
        if _inlined(rule):
            assert isinstance(rule, CheckRule)
            n, raw_record = _raw_require(writer, rule, name)
            records.append(raw_record)
            status = f"_s{n}"
        elif not evaluated_inline(rule):
            writer.emit(f"{record} = _run.rule({name}, None)")
        elif rule.when is None:
            _rule_body(writer, rule, name, record)
        else:
            # Its `when` with full records (the checks of an unknown `when` are shown); then,
            # as _Run.rule goes: skipped (its fields null, or empty lists), handed over when
            # unknown, else the rule as if it had no `when`.
            writer.raw = False
            w = writer.condition(rule.when)
            writer.raw = True
            writer.emit(f"if _s{w} == 'fail':")
            for field in rule.fields():
                writer.emit(f"    _run.result[{field!r}] = {'[]' if rule.collects else 'None'}")
            writer.emit(f"    {record} = ({name}, 'skipped', (), None, _NOPE)")
            writer.emit(f"elif _s{w} == 'unknown': {record} = _run.rule({name}, None)")
            writer.emit("else:")
            start = len(writer.lines)
            _rule_body(writer, rule, name, record)
            writer.indent_from(start, 1)
        if not _inlined(rule):  # its record is in a local of its own
            records.append(record)
            status = f"{record}[1]"
        if rule.decisive:
            decisive.append(status)
    head = ["def _code(_run):", "    _fact = _run.fact", "    _doc = _run.document",
            *("    " + line for line in fact_locals.prologue())]
    # The outcome of the decisive rules, as logic.pack_outcome gives it.
    outcome = PACK_OUTCOME.source("(" + "".join(f"{s}, " for s in decisive) + ")")
    # The facts read stay with the evaluation: its reasons' values come from them.
    kept = [f"    _run.facts = ({''.join(f'{v}, ' for v in fact_locals.locals.values())})"] \
        if fact_locals.locals else []
    plan.slot_facts({path: i for i, path in enumerate(fact_locals.locals)})
    source = "\n".join([*head, *writer.lines, *kept,
                        f"    return ({', '.join(records)},), {outcome}"]) + "\n"
    scope = _build(source, {**namespace, "_U": _UNREAD, "_NOPE": _NOTHING, "_GONE": _GONE,
                            "_dict": dict, "_list": list, "_len": len, "_tuple": tuple,
                            "_partial_list": partial_list, "_fresh": fresh,
                            **fact_locals.constants}, writer.constants)
    code: RulesCode = scope["_code"]
    return code


_NOTHING: Mapping[str, Any] = MappingProxyType({})
# An object absent from the document, as a whole-pack function holds it: empty, like _NOTHING,
# and told apart from it by identity.
_GONE: Mapping[str, Any] = MappingProxyType({})


class _FactLocals:
    """The facts a whole-pack function reads, each into a local of its own, once.

    A fact with no conversion (``account.fans``, ``account.ban.type``) is looked up with one
    ``dict.get`` in the object that holds it, fetched once at the top of the function (the
    subject's, or an object inside it); anything else, and any lookup that finds nothing
    there, goes through ``_run.fact``, which gives the exact answer (a null on the way, a
    mapping that is not a dict, a missing fact).
    """

    def __init__(self, converters: Mapping[str, Any]) -> None:
        self.locals: dict[str, str] = {}
        self.parents: dict[str, str] = {}
        # Facts read whole by some atom, each with a local holding it once it was checked as
        # keepable (the value of `locals` may be set by a read inside a bigger expression,
        # which the sandbox does not check).
        self.checked: dict[str, str] = {}
        self.converters = converters
        # The converters of the converted facts read directly, by the names the code calls.
        self.constants: dict[str, Callable[[Any], Any]] = {}

    def direct(self, path: str) -> bool:
        """Whether ``path`` is read with a ``dict.get`` in the object that holds it."""
        return "." in path and "[]" not in path and path not in self.converters

    def parent(self, path: str) -> tuple[str, str]:
        """The local holding the object that holds ``path`` (made with those above it, in
        the order the prologue fetches them), and the key of ``path`` in it."""
        holder, _, key = path.rpartition(".")
        local = self.parents.get(holder)
        if local is None:
            if "." in holder:
                self.parent(holder)
            local = self.parents[holder] = f"_p{len(self.parents)}"
        return local, key

    def read(self, path: str, usual: str | None = None) -> ast.expr:
        """A read of ``path``. With ``usual`` (the name of the type its schema names, for a
        :meth:`direct` one), a value of that type passes by identity and any other (absent,
        null, another type) is read through ``_run.fact`` and checked as keepable checks it:
        what an atom showing the fact needs, for the cost of the read alone."""
        # Before the first place that reads a fact nothing can have read it: no need to look.
        # (Reading twice would only cost time: a document does not change during evaluation.)
        first = path not in self.locals
        local = self.locals.setdefault(path, f"_v{len(self.locals)}")
        slow = f"({local} := _fact({path!r}))"
        # What a value read before must be to be taken as it is.
        known = f"{local} is not _U" if usual is None else f"_type({local}) is {usual}"
        if usual is not None:
            parent, key = self.parent(path)
            got = f"_type({local} := {parent}.get({key!r}, _U)) is {usual}"
            text = (f"{local} if {got} else "
                    f"({local} := _kept({local} if {local} is not _U else _fact({path!r})))")
        elif self.direct(path):
            parent, key = self.parent(path)
            text = (f"{local} if ({local} := {parent}.get({key!r}, _U)) is not _U "
                    f"else {slow}")
        elif "." in path and "[]" not in path:
            # A converted fact (a date): the value found, converted as the schema's reader
            # converts it; null, or nothing found, through _run.fact.
            parent, key = self.parent(path)
            convert = f"_cv{len(self.constants)}"
            self.constants[convert] = self.converters[path]
            text = (f"({local} := {convert}(_g) if (_g := {parent}.get({key!r}, _U)) is not _U "
                    f"and _g is not None else _fact({path!r}))")
        else:
            text = slow
        if not first:
            text = f"{local} if {known} else ({text})"
        expr: ast.expr = ast.parse(f"({text})", mode="eval").body
        return expr

    def peek(self, path: str) -> ast.expr:
        """A read of ``path`` that sets no local (inside a loop, where Python allows no
        ``:=`` in what it loops over): the local, if an earlier read set it, else the
        subject's field, else through ``_run.fact``."""
        slow = f"_fact({path!r})"
        if self.direct(path):
            parent, key = self.parent(path)
            slow = f"({parent}[{key!r}] if {key!r} in {parent} else {slow})"
        local = self.locals.get(path)
        text = slow if local is None else f"({local} if {local} is not _U else {slow})"
        expr: ast.expr = ast.parse(text, mode="eval").body
        return expr

    def checked_local(self, path: str) -> str:
        return self.checked.setdefault(path, f"_w{len(self.checked)}")

    def prologue(self) -> list[str]:
        names = [*self.locals.values(), *self.checked.values()]
        lines = [" = ".join(names) + " = _U"] if names else []
        # Each object is a dict, or _GONE when a dict on the way down lacks its key (every
        # fact below it is missing), or _NOPE for anything else (a null, another mapping, a
        # value that is not one), whose facts _run.fact reads and words.
        for holder, parent in self.parents.items():
            above, _, key = holder.rpartition(".")
            if above:
                up = self.parents[above]
                lines.append(f"{parent} = {up}.get({key!r}, _GONE) if {up} is not _NOPE "
                             "else _NOPE")
            else:
                lines.append(f"{parent} = _doc.get({key!r}, _GONE) if _type(_doc) is _dict "
                             "else _NOPE")
            lines.append(f"if _type({parent}) is not _dict and {parent} is not _GONE: "
                         f"{parent} = _NOPE")
        return lines
