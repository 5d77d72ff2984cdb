"""The fast path: checked expression trees compiled once into Python functions.

simpleeval walks an expression's tree on every call, dispatching on each node; for a pack run
millions of times that walk is most of the cost. The trees here were already checked whole at
load (:mod:`rulepack._expr`), so each one can be translated once into Python code that performs
the same operations simpleeval would, in the same order:

- fact paths, ``result.NAME``, ``today`` and ``as_of`` are read through the evaluation's own
  accessors, so "missing" means what it means in the sandbox;
- ``+``, ``*`` and ``**`` call the very guard functions the sandbox uses (:mod:`rulepack._sandbox`),
  library functions call the same implementations, and comparisons, ``and``/``or``/``not``,
  ``x if c else y``, subscripts and literals are Python's, as simpleeval's are;
- every atom of a condition is inlined into one function that returns the condition's status
  and its check records, exactly as :meth:`rulepack._evaluate._Run.condition` would.

Two kinds of tree stay in the sandbox, whose step counting is then simpleeval's own:
comprehensions (their work grows with the data) and trees with more nodes than the step budget.

The generated source contains only names this module chooses; every constant is written with
``repr``; it runs with no builtins. ``tests/test_fast.py`` checks by differential testing that
compiled code and the sandbox agree on every expression and document it generates.
"""

from __future__ import annotations

import ast
import copy
import math
import warnings
from collections.abc import Callable
from typing import Any

import simpleeval

from rulepack._evaluate import (
    NEGATE,
    RUNTIME_ERRORS,
    ConditionCode,
    ExpressionCode,
    Plan,
    conditions_of,
    expressions_of,
)
from rulepack._expr import SPECIAL_NAMES, CompiledExpr, Limits
from rulepack._facts import Missing
from rulepack._functions import FUNCTIONS
from rulepack._model import AllOf, AnyOf, Atom, Condition, Constant, NotOf
from rulepack._sandbox import LimitExceeded, operators_for
from rulepack._verdict import CheckSite

_GUARDED = {ast.Add: "_add", ast.Mult: "_mult", ast.Mod: "_mod", ast.Pow: "_pow"}
_PYTHON_OP = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
              "in": "in", "not in": "not in", "is": "is", "is not": "is not"}


class _Unsupported(Exception):
    """The tree must stay in the sandbox."""


def compile_plan(plan: Plan) -> None:
    """Compile every condition and expression of ``plan.pack`` that can be compiled."""
    namespace = _namespace(plan.limits)
    for condition in conditions_of(plan.pack):
        if not isinstance(condition, Constant):
            plan.conditions[id(condition)] = _condition_code(condition, plan, namespace)
    for expr in expressions_of(plan.pack):
        code = _expression_code(expr.tree, plan.limits, namespace)
        if code is not None:
            plan.expressions[id(expr)] = code


def compile_expression(tree: ast.Expression, limits: Limits) \
        -> Callable[[Callable[[str], Any]], Any] | None:
    """``tree`` as a function of a name lookup, or None when it must stay in the sandbox.

    The function takes ``lookup(name)``, the same callable a :class:`~rulepack._sandbox.Sandbox`
    takes, and raises what the sandbox would raise.
    """
    try:
        source = _source(tree.body, limits, via_run=False)
    except _Unsupported:
        return None
    code = _build(f"def _code(_lookup):\n    return {source}\n", _namespace(limits), {})
    function: Callable[[Callable[[str], Any]], Any] = code["_code"]
    return function


# -- translation --------------------------------------------------------------------------------


def _source(body: ast.expr, limits: Limits, via_run: bool = True) -> str:
    """Python source for one checked tree; raise :class:`_Unsupported` if it cannot be."""
    nodes = sum(1 for _ in ast.walk(body))
    if nodes > limits.max_steps:
        raise _Unsupported  # the sandbox might stop it on its step budget; keep its behaviour
    # The translator rewrites in place; the pack's own tree must stay as the sandbox sees it.
    translated = _Translator(via_run).visit(copy.deepcopy(body))
    try:
        return ast.unparse(ast.fix_missing_locations(translated))
    except ValueError:
        raise _Unsupported from None  # an integer over Python's int-to-text digit limit


class _Translator(ast.NodeTransformer):
    """Rewrites a checked tree into plain Python calling this module's helpers."""

    def __init__(self, via_run: bool) -> None:
        # Compiled pack code reads through the evaluation (`_run`); a lone expression compiled
        # for comparison with the sandbox reads through the same `lookup` the sandbox gets.
        self.via_run = via_run

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.Attribute, ast.Starred,
                             ast.Lambda, ast.NamedExpr)):
            raise _Unsupported
        return super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        name = node.id
        if "." not in name and name not in SPECIAL_NAMES:
            raise _Unsupported  # a loop variable: only comprehensions bind names
        if not self.via_run:
            return ast.copy_location(_call(ast.Name("_lookup", ast.Load()), name), node)
        run = ast.Name("_run", ast.Load())
        if name in SPECIAL_NAMES:
            return ast.copy_location(ast.Attribute(run, name, ast.Load()), node)
        if name.startswith("result."):
            accessor = ast.Attribute(run, "result_field", ast.Load())
            return ast.copy_location(_call(accessor, name[7:]), node)
        return ast.copy_location(_call(ast.Name("_fact", ast.Load()), name), node)

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
        for op, left, right in zip(node.ops, operands, operands[1:]):
            if isinstance(op, (ast.Is, ast.IsNot)) and not (_singleton(left)
                                                             or _singleton(right)):
                # Identity of other constants depends on how Python stores them (compiled
                # code shares equal constants, the sandbox builds tuples afresh).
                raise _Unsupported
        self.generic_visit(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        guard = _GUARDED.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(
            ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right],
                     keywords=[]), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise _Unsupported
        node.args = [self.visit(a) for a in node.args]
        node.func = ast.Name("_f_" + node.func.id, ast.Load())
        return node


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
        "_Limit": LimitExceeded,
        "_ERRORS": RUNTIME_ERRORS,
        "_NEG": NEGATE,
        "_str": str,
        "_add": operators[ast.Add],
        "_mult": operators[ast.Mult],
        "_mod": operators[ast.Mod],
        "_pow": operators[ast.Pow],
    }
    for name, function in FUNCTIONS.items():
        namespace["_f_" + name] = function.impl
    return namespace


def _build(source: str, namespace: dict[str, Any], constants: dict[str, Any]) -> dict[str, Any]:
    scope = {**namespace, **constants}
    with warnings.catch_warnings():
        # `x is 1` style comparisons are legal pack syntax; Python's SyntaxWarning is noise.
        warnings.simplefilter("ignore", SyntaxWarning)
        exec(compile(source, "<rulepack compiled>", "exec"), scope)  # noqa: S102
    return scope


def _expression_code(tree: ast.Expression, limits: Limits, namespace: dict[str, Any]) \
        -> ExpressionCode | None:
    try:
        source = _source(tree.body, limits)
    except _Unsupported:
        return None
    scope = _build(f"def _code(_run):\n    _fact = _run.fact\n    return {source}\n",
                   namespace, {})
    code: ExpressionCode = scope["_code"]
    return code


class _ConditionWriter:
    """Emits the statements of one condition function, one local per sub-result."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
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

    def condition(self, node: Condition) -> int:
        """Emit code for ``node``; return n where ``_sn``/``_ln`` hold status and records."""
        if isinstance(node, Atom):
            return self.atom(node)
        n = self.fresh()
        if isinstance(node, Constant):
            self.emit(f"_s{n} = {'pass' if node.value else 'fail'!r}; _l{n} = ()")
        elif isinstance(node, NotOf):
            child = self.condition(node.child)
            self.emit(f"_s{n} = _NEG[_s{child}]; _l{n} = _l{child}")
        else:
            children = [self.condition(child) for child in node.children]
            statuses = "(" + "".join(f"_s{c}, " for c in children) + ")"
            decide, other = ("fail", "pass") if isinstance(node, AllOf) else ("pass", "fail")
            assert isinstance(node, (AllOf, AnyOf))
            self.emit(f"_s{n} = {decide!r} if {decide!r} in {statuses} else 'unknown' "
                      f"if 'unknown' in {statuses} else {other!r}")
            parts = ", ".join(f"*(_l{c} if _s{c} == _s{n} else ())" for c in children)
            self.emit(f"_l{n} = ({parts},)" if len(children) == 1 else f"_l{n} = ({parts})")
        return n

    def atom(self, atom: Atom) -> int:
        n = self.fresh()
        try:
            block = self.atom_block(n, self.plan.sites[id(atom)], atom.expr)
        except _Unsupported:
            self.emit(f"_c{n} = _run.atom({self.constant(atom)})")
        else:
            for line in block:
                self.emit(line)
        self.emit(f"_s{n} = _c{n}[1]; _l{n} = (_c{n},)")
        return n

    def atom_block(self, n: int, check_site: CheckSite, expr: CompiledExpr) -> list[str]:
        """The statements evaluating one atom into ``_c<n>``, as ``_Run.atom`` would."""
        limits = self.plan.limits
        comparison = expr.comparison
        site = self.constant(check_site)
        lines = ["try:"]
        if comparison is not None:
            if comparison.op in ("is", "is not") and not (
                    _singleton(comparison.actual.body) or _singleton(comparison.threshold.body)):
                raise _Unsupported  # identity of other constants: see _Translator.visit_Compare
            # The actual side first, then the threshold: the order the sandbox path reads in.
            actual = _source(comparison.actual.body, limits)
            threshold = _source(comparison.threshold.body, limits)
            lines += [f"    _a = {actual}", f"    _t = {threshold}",
                      f"    _ok = _a {_PYTHON_OP[comparison.op]} _t"]
            record = f"({site}, 'pass' if _ok else 'fail', _a, _t, (), None)"
        else:
            lines.append(f"    _a = {_source(expr.tree.body, limits)}")
            path = check_site.path
            shown = "None" if path is None else (
                f"_run.reads.get({path!r}, _a)" if expr.negated else "_a")
            record = f"({site}, 'pass' if _a else 'fail', {shown}, None, (), None)"
        source = self.constant(expr)
        lines += [
            "except _Missing as _e:",
            f"    _c{n} = _run.missing_check({site}, {source}, _e.path)",
            "except _Limit as _e:",
            f"    _c{n} = ({site}, 'unknown', None, None, (), 'RP505: ' + _str(_e))",
            "except _ERRORS as _e:",
            f"    _c{n} = ({site}, 'unknown', None, None, (), 'RP504: ' + _str(_e))",
            "else:",
            f"    _c{n} = {record}",
        ]
        return lines


def _condition_code(condition: Condition, plan: Plan, namespace: dict[str, Any]) \
        -> ConditionCode:
    writer = _ConditionWriter(plan)
    root = writer.condition(condition)
    source = ("def _code(_run):\n    _fact = _run.fact\n" + "\n".join(writer.lines)
              + f"\n    return _s{root}, _l{root}\n")
    scope = _build(source, namespace, writer.constants)
    code: ConditionCode = scope["_code"]
    return code
