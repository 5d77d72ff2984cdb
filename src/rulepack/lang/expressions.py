"""Compiling pack expressions: parse once, check the whole tree, resolve every name.

An expression is a small Python-syntax formula (``account.fans >= params.min_fans``) that the
simpleeval sandbox runs. simpleeval only guards the nodes it happens to evaluate, so a branch that
short-circuiting skips (``False and x.__class__``) would never be looked at; here every node of
every expression is checked before any pack is used, and anything outside a small whitelist is a
load error. Fact paths are rewritten into single names so that evaluation reads them through one
lookup that knows what "missing" means, and params are inlined as constants.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rulepack.core.errors import did_you_mean
from rulepack.lang.functions import FUNCTIONS

ROOTS = ("account", "organization", "task")
SPECIAL_NAMES = ("as_of", "today")
CONSTANT_NAMES = {"True": True, "False": False, "None": None}

_ALLOWED_BINOPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_ALLOWED_UNARY = (ast.Not, ast.USub, ast.UAdd)
_OP_TEXT: dict[type[ast.cmpop], str] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}


@dataclass(frozen=True)
class Limits:
    """Bounds on expression size (checked at load) and work (checked while evaluating)."""

    max_chars: int = 2_000
    max_nodes: int = 300
    max_steps: int = 20_000  # AST nodes visited in one evaluation, loops included
    max_items: int = 10_000  # items one comprehension may visit
    max_string: int = 100_000  # length of a string or list an operator may build
    max_power: int = 1_000  # largest exponent or base of **
    # Bits of an int ``*`` may build: results feed one another, so repeated products could
    # otherwise grow without end (and past 4,300 digits Python cannot write an int as text).
    max_int_bits: int = 10_000
    # How deeply an expression nests (``((a + b) * c)`` is 3 deep); evaluating and compiling
    # it recurse once per level, so a deep one could exhaust Python's stack.
    max_depth: int = 50
    # Size of the list one comprehension builds, and of a value a result field keeps: items,
    # and the lengths of those that are strings or lists (each within max_string, but
    # thousands of them need not be).
    max_built: int = 1_000_000
    # Units of work (about an item or a character looked at: see rulepack.engine.work) the
    # loops of one evaluation of an expression may do: comparisons, `in`, building values
    # and library calls inside a comprehension. Outside loops an expression's work is
    # bounded by its size and its values' (each node runs once).
    max_work: int = 1_000_000
    # (Fields are only ever added at the end: Limits(...) may be called with positions.)


DEFAULT_LIMITS = Limits()


class CompileError(Exception):
    """An expression problem; ``offset`` is the 0-based column inside the expression text."""

    def __init__(
        self, code: str, message: str, offset: int = 0, value: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.value = value
        self.hint = hint


@dataclass(frozen=True)
class FieldInfo:
    """What the fact schema says about one fact path (``account.violations[].on``)."""

    path: str
    kind: str  # integer, number, string, boolean, date, instant, array, object, any
    label_zh: str
    label_en: str
    enum: tuple[Any, ...] | None = None
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    item_path: str | None = None  # for arrays: the path of the items (``...[]``)


@dataclass(frozen=True)
class Comparison:
    """A single comparison with facts on one side and constants on the other, for explanations."""

    op: str
    actual: ast.Expression
    threshold: ast.Expression
    actual_path: str | None  # the fact path when the actual side is a bare path
    threshold_param: str | None  # the param name when the threshold side is a bare param
    flipped: bool  # True when the facts are on the right (``100 <= account.fans``)


@dataclass(frozen=True)
class CompiledExpr:
    """A checked, rewritten expression tree, ready to run with no parsing."""

    text: str
    tree: ast.Expression
    reads: tuple[str, ...]  # fact paths (``account.fans``) and result fields (``result.x``)
    comparison: Comparison | None = None
    subject_path: str | None = None  # the fact path of a bare boolean atom (``account.x``)
    negated: bool = False  # ``not account.x``


@dataclass
class CompileScope:
    """What names an expression may use at its place in a pack."""

    facts: Mapping[str, FieldInfo]
    params: Mapping[str, Any]
    results: frozenset[str]  # result fields set by earlier rules (or this rule's earlier keys)
    limits: Limits = DEFAULT_LIMITS
    functions: Mapping[str, Any] = field(default_factory=lambda: FUNCTIONS)


def compile_expression(text: str, scope: CompileScope) -> CompiledExpr:
    """Parse and check ``text``; raise :class:`CompileError` on the first problem found."""
    limits = scope.limits
    if len(text) > limits.max_chars:
        raise CompileError(
            "RP206", f"the expression has {len(text)} characters, more than {limits.max_chars}",
            hint="split it into an all/any group of smaller conditions",
        )
    source = text.strip()
    lead = len(text) - len(text.lstrip())
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1
        habit = _habit(source)
        if habit is not None:
            offset, hint = habit
        else:
            hint = "expressions use Python syntax: and, or, not, ==, >=, in, f(x)"
        raise CompileError(
            "RP201", f"the expression does not parse: {exc.msg}", offset + lead, source,
            hint=hint,
        ) from None
    count, depth = _measure(tree)
    if count > limits.max_nodes:
        raise CompileError(
            "RP206", f"the expression has {count} syntax nodes, more than {limits.max_nodes}",
            hint="split it into an all/any group of smaller conditions",
        )
    if depth > limits.max_depth:
        raise CompileError(
            "RP206", f"the expression nests {depth} levels deep, more than {limits.max_depth}",
            hint="compute inner parts as result fields and refer to them",
        )
    checker = _Checker(scope, lead, source)
    rewritten = checker.visit(tree)
    ast.fix_missing_locations(rewritten)
    reads = tuple(dict.fromkeys(checker.reads))
    return CompiledExpr(
        text=source,
        tree=rewritten,
        reads=reads,
        comparison=_comparison(rewritten, checker),
        subject_path=_subject_path(rewritten.body),
        negated=isinstance(rewritten.body, ast.UnaryOp) and isinstance(rewritten.body.op, ast.Not),
    )


# Habits of other languages that stop an expression from parsing, by token: the hint names the
# expression language's own spelling.
_OTHER_OPERATORS = {
    "&&": "write `and` (expressions use Python's and, or, not)",
    "||": "write `or` (expressions use Python's and, or, not)",
    "=": "compare with `==` (a single `=` assigns, and nothing is assigned in an expression)",
    "!": "write `not x`, or `!=` to compare",
}
_UPPER_WORDS = {"AND": "and", "OR": "or", "NOT": "not", "IN": "in", "IS": "is"}
# Names of other languages for True, False and None, read as unknown names.
_OTHER_CONSTANTS = {"true": "True", "false": "False", "TRUE": "True", "FALSE": "False",
                    "null": "None", "none": "None", "NULL": "None", "nil": "None",
                    "NONE": "None"}
# Python's built-ins, and other common names, for what the function library calls otherwise.
_OTHER_FUNCTIONS = {"len": "count", "sum": "total", "min": "minimum", "max": "maximum",
                    "any": "any_of", "all": "all_of", "mean": "avg", "average": "avg",
                    "size": "count", "length": "count"}
_STRING_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "casefold",
                             "startswith", "endswith", "replace", "split", "isdigit", "title",
                             "format", "find"})
_LIST_METHODS = frozenset({"count", "index", "append", "sort", "keys", "values", "items", "get"})


def _habit(source: str) -> tuple[int, str] | None:
    """The column and hint of the first token of ``source`` written as another language
    writes it (``&&``, ``||``, a lone ``=``, ``AND``), or None when there is none."""
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    tokens: list[tokenize.TokenInfo] = []
    try:
        tokens.extend(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        pass  # an unclosed bracket, say: the tokens read so far still tell
    for index, token in enumerate(tokens):
        (row, column) = token.start
        offset = starts[row - 1] + column
        text = token.string
        if token.type == tokenize.OP or token.type == tokenize.ERRORTOKEN:
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            doubled = after is not None and after.string == text and after.start == token.end
            if text in ("&", "|") and doubled:
                return offset, _OTHER_OPERATORS[text * 2]
            if text in ("=", "!"):
                return offset, _OTHER_OPERATORS[text]
        if token.type == tokenize.NAME and text in _UPPER_WORDS:
            return offset, f"write `{_UPPER_WORDS[text]}` in lower case"
    return None


def _measure(tree: ast.Expression) -> tuple[int, int]:
    """How many syntax nodes ``tree`` has (as ast.walk counts them), and how many levels deep
    its expression nests (a name alone is 1; operators and contexts are no level); one walk,
    without recursion."""
    count, deepest = 0, 0
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, level = stack.pop()
        count += 1
        if isinstance(node, (ast.expr_context, ast.operator, ast.boolop, ast.cmpop,
                             ast.unaryop)):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in ast.iter_child_nodes(node))
    return count, deepest


def _subject_path(node: ast.expr) -> str | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        node = node.operand
    if isinstance(node, ast.Name) and "." in node.id:
        return node.id
    return None


def _comparison(tree: ast.Expression, checker: _Checker) -> Comparison | None:
    body = tree.body
    if not (isinstance(body, ast.Compare) and len(body.ops) == 1):
        return None
    left, right = body.left, body.comparators[0]
    left_reads, right_reads = _reads_of(left), _reads_of(right)
    if not (left_reads or right_reads):
        return None
    op = _OP_TEXT[type(body.ops[0])]
    # The side that reads facts is the actual value; with facts on both sides (a date against
    # `today`, two versions) the left one is, and the right one is what it is compared with.
    if right_reads and not left_reads and op not in ("in", "not in"):
        actual, threshold, flipped = right, left, True
    else:
        actual, threshold, flipped = left, right, False
    return Comparison(
        op=_flip(op) if flipped else op,
        actual=ast.fix_missing_locations(ast.Expression(actual)),
        threshold=ast.fix_missing_locations(ast.Expression(threshold)),
        actual_path=actual.id if isinstance(actual, ast.Name) and "." in actual.id else None,
        threshold_param=checker.param_nodes.get(id(threshold)),
        flipped=flipped,
    )


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)


def _reads_of(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Name) and ("." in n.id or n.id in SPECIAL_NAMES))
        or isinstance(n, ast.Attribute)
        for n in ast.walk(node)
    )


class _Checker(ast.NodeTransformer):
    """Checks every node against the whitelist and rewrites paths; collects what is read."""

    def __init__(self, scope: CompileScope, lead: int, source: str) -> None:
        self.scope = scope
        self.lead = lead
        self.lines = source.splitlines(keepends=True)
        self.reads: list[str] = []
        self.loop_vars: dict[str, str | None] = {}  # loop variable -> item path, if known
        self.param_nodes: dict[int, str] = {}

    # -- helpers ----------------------------------------------------------------------------

    def fail(
        self, code: str, message: str, node: ast.AST, value: str | None = None,
        hint: str | None = None,
    ) -> CompileError:
        offset = source_offset(self.lines, self.lead, node)
        return CompileError(code, message, offset, value, hint)

    def generic_visit(self, node: ast.AST) -> ast.AST:
        raise self.fail(
            "RP202", f"`{type(node).__name__}` syntax is not allowed in expressions", node,
            hint="allowed: literals, fact paths, params.NAME, result.NAME, arithmetic, "
            "comparisons, and/or/not, x if c else y, library calls, [e for v in list if c]",
        )

    def _children(self, node: ast.AST) -> ast.AST:
        return super().generic_visit(node)

    # -- allowed nodes ----------------------------------------------------------------------

    def visit_Expression(self, node: ast.Expression) -> ast.AST:
        return self._children(node)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        value = node.value
        if isinstance(value, (bytes, complex)) or value is Ellipsis:
            raise self.fail("RP202", f"the literal `{value!r}` is not allowed", node,
                            hint="literals are numbers, strings, True, False and None")
        if isinstance(value, str) and len(value) > self.scope.limits.max_string:
            raise self.fail("RP206", "a string literal is over the size limit", node)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        return self._children(node)

    def visit_And(self, node: ast.And) -> ast.AST:
        return node

    def visit_Or(self, node: ast.Or) -> ast.AST:
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        if not isinstance(node.op, _ALLOWED_BINOPS):
            raise self.fail("RP202", f"the operator `{type(node.op).__name__}` is not allowed",
                            node, hint="arithmetic is + - * / // % **")
        node.left = self.visit(node.left)
        node.right = self.visit(node.right)
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        if not isinstance(node.op, _ALLOWED_UNARY):
            raise self.fail("RP202", f"the operator `{type(node.op).__name__}` is not allowed",
                            node, hint="the unary operators are not, - and +")
        node.operand = self.visit(node.operand)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        node.left = self.visit(node.left)
        node.comparators = [self.visit(c) for c in node.comparators]
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            # Identity of numbers and strings is an implementation detail of Python (small
            # ints are shared, large ones are not): `fans is 100000` would be False with
            # 100,000 fans. Only None has one identity, so `is` is kept for it alone.
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                isinstance(side, ast.Constant) and side.value is None
                for side in operands[i:i + 2]
            ):
                text = _OP_TEXT[type(op)]
                raise self.fail(
                    "RP202", f"`{text}` compares only with `None`", operands[i],
                    hint=f"use `{'==' if text == 'is' else '!='}` to compare values",
                )
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        return self._children(node)

    def visit_List(self, node: ast.List) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            raise self.fail("RP202", "assignment is not allowed", node)
        node.elts = [self.visit(e) for e in node.elts]
        return node

    def visit_Tuple(self, node: ast.Tuple) -> ast.AST:
        if not isinstance(node.ctx, ast.Load):
            raise self.fail("RP202", "assignment is not allowed", node)
        node.elts = [self.visit(e) for e in node.elts]
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if isinstance(node.slice, ast.Slice):
            raise self.fail(
                "RP202", "slices are not allowed", node,
                hint="use avg_newest(list, n) or count(list)",
            )
        node.value = self.visit(node.value)
        node.slice = self.visit(node.slice)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if not isinstance(node.func, ast.Name):
            raise self.fail("RP202", "only library functions can be called", node,
                            hint=self._method_hint(node.func))
        name = node.func.id
        function = self.scope.functions.get(name)
        if function is None:
            meant = _OTHER_FUNCTIONS.get(name)
            raise self.fail(
                "RP204", f"`{name}` is not a library function", node, name,
                hint=(f"the library calls it `{meant}`: {meant}(...)"
                      if meant in self.scope.functions else None)
                or did_you_mean(name, self.scope.functions)
                or "see the function reference in the README",
            )
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail("RP202", f"`{name}` takes positional arguments only", node)
        most = len(function.params)
        least = most - function.optional
        if not least <= len(node.args) <= most:
            wanted = str(most) if least == most else f"{least} to {most}"
            raise self.fail(
                "RP205", f"`{name}` takes {wanted} argument(s), got {len(node.args)}", node,
                hint=f"{name}: {function.doc}",
            )
        node.args = [self.visit(a) for a in node.args]
        return node

    def _method_hint(self, func: ast.expr) -> str:
        """What the library offers in place of a method call such as ``x.lower()``."""
        if not isinstance(func, ast.Attribute):
            return "call a library function by its name: f(x)"
        method = func.attr
        offered = [name for name in ("blank", "version") if name in self.scope.functions]
        if method in _STRING_METHODS:
            return (f"`.{method}()` is a method, and expressions call no methods; compare "
                    "text as it is with == or in" + (
                        f", or use {', '.join(f'{n}(s)' for n in offered)}" if offered else ""))
        if method in _LIST_METHODS:
            return (f"`.{method}()` is a method, and expressions call no methods; for lists "
                    "the library has count(list), total(list), minimum(list), maximum(list), "
                    "any_of(list), all_of(list), and `x in list`")
        return (f"`.{method}()` is a method, and expressions call no methods: call a library "
                "function f(x) (see the function reference in the README)")

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> ast.AST:
        if len(node.generators) != 1:
            raise self.fail("RP202", "a comprehension may have one `for` only", node)
        gen = node.generators[0]
        if gen.is_async or not isinstance(gen.target, ast.Name):
            raise self.fail("RP202", "a comprehension loops with one plain name", node)
        var = gen.target.id
        if var in ROOTS or var in SPECIAL_NAMES or var in ("params", "result") \
                or var in self.scope.functions or var in self.loop_vars or var.startswith("_"):
            raise self.fail(
                "RP202", f"the loop variable `{var}` hides another name", gen.target,
                hint="pick a short fresh name such as v or c",
            )
        gen.iter = self.visit(gen.iter)
        item_path = None
        if isinstance(gen.iter, ast.Name) and gen.iter.id in self.scope.facts:
            item_path = self.scope.facts[gen.iter.id].item_path
        self.loop_vars[var] = item_path
        try:
            gen.ifs = [self.visit(i) for i in gen.ifs]
            node.elt = self.visit(node.elt)
        finally:
            del self.loop_vars[var]
        return node

    visit_ListComp = _comprehension
    visit_GeneratorExp = _comprehension

    def visit_Name(self, node: ast.Name) -> ast.AST:
        name = node.id
        if name in CONSTANT_NAMES:
            return ast.copy_location(ast.Constant(CONSTANT_NAMES[name]), node)
        if name in self.loop_vars:
            return node
        if name in SPECIAL_NAMES:
            return node
        if name in ROOTS:
            return self._path(name, node)
        if name in ("params", "result"):
            raise self.fail(
                "RP203", f"`{name}` must be followed by a name: `{name}.NAME`", node, name,
            )
        known = [*ROOTS, *SPECIAL_NAMES, "params", "result", *self.loop_vars]
        if name in self.scope.functions:
            raise self.fail("RP202", f"the function `{name}` must be called", node, name)
        hint: str | None
        if name in _OTHER_CONSTANTS:
            constant = _OTHER_CONSTANTS[name]
            hint = f"write `{constant}`" + (
                "; a yes/no fact needs no comparison: `account.x` rather than "
                "`account.x == True`, `not account.x` rather than `account.x == False`"
                if constant != "None" else "")
        else:
            hint = did_you_mean(name, known)
        raise self.fail(
            "RP203", f"`{name}` is not a fact path, param, result field or loop variable",
            node, name, hint=hint,
        )

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        parts: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            parts.append(base.attr)
            base = base.value
        parts.reverse()
        if any(p.startswith("_") for p in parts):
            raise self.fail("RP202", "names starting with `_` are not allowed", node,
                            hint="expressions read fact paths, params.NAME and result.NAME; "
                            "Python's own attributes are not data")
        if not isinstance(base, ast.Name):
            raise self.fail(
                "RP202", "attributes can only be read from fact paths and loop variables", node,
            )
        root = base.id
        if root == "params":
            return self._param(parts, node)
        if root == "result":
            return self._result(parts, node)
        if root in ROOTS:
            return self._path(".".join([root, *parts]), node)
        if root in self.loop_vars:
            return self._item(root, parts, node)
        raise self.fail(
            "RP203", f"`{root}` is not a fact root, params, result or a loop variable", node, root,
            hint=did_you_mean(root, [*ROOTS, "params", "result", *self.loop_vars]),
        )

    # -- names ------------------------------------------------------------------------------

    def _path(self, path: str, node: ast.AST) -> ast.AST:
        if path not in self.scope.facts:
            raise self.fail(
                "RP203", f"`{path}` is not a fact path of the fact schema", node, path,
                hint=did_you_mean(path, [p for p in self.scope.facts if "[]" not in p])
                or "fact paths are listed in schemas/facts.schema.json",
            )
        self.reads.append(path)
        return ast.copy_location(ast.Name(id=path, ctx=ast.Load()), node)

    def _param(self, parts: list[str], node: ast.AST) -> ast.AST:
        name = parts[0]
        if len(parts) != 1 or name not in self.scope.params:
            raise self.fail(
                "RP203", f"`params.{'.'.join(parts)}` is not a param of this pack", node,
                f"params.{'.'.join(parts)}",
                hint=did_you_mean(name, self.scope.params) or "declare it under `params:`",
            )
        value = self.scope.params[name]
        constant: ast.expr
        if isinstance(value, (list, tuple)):
            constant = ast.Tuple(elts=[ast.Constant(v) for v in value], ctx=ast.Load())
        else:
            constant = ast.Constant(value)
        self.param_nodes[id(constant)] = name
        return ast.copy_location(constant, node)

    def _result(self, parts: list[str], node: ast.AST) -> ast.AST:
        name = parts[0]
        if len(parts) != 1 or name not in self.scope.results:
            raise self.fail(
                "RP208", f"`result.{'.'.join(parts)}` is not set by any earlier rule", node,
                f"result.{'.'.join(parts)}",
                hint=did_you_mean(name, self.scope.results)
                or "rules run in order: set the field in an earlier rule",
            )
        self.reads.append(f"result.{name}")
        return ast.copy_location(ast.Name(id=f"result.{name}", ctx=ast.Load()), node)

    def _item(self, var: str, parts: list[str], node: ast.Attribute) -> ast.AST:
        item_path = self.loop_vars[var]
        if item_path is not None:
            path = ".".join([item_path, *parts])
            if path not in self.scope.facts:
                fields = [p[len(item_path) + 1:] for p in self.scope.facts
                          if p.startswith(item_path + ".")]
                raise self.fail(
                    "RP203", f"`{var}.{'.'.join(parts)}`: the items of `{item_path[:-2]}` have "
                    f"no field `{'.'.join(parts)}`", node, ".".join(parts),
                    hint=did_you_mean(".".join(parts), fields),
                )
        # Item fields are looked up by the sandbox, which knows the item path for messages.
        node.value = ast.copy_location(ast.Name(id=var, ctx=ast.Load()), node.value)
        node.rp_path = ".".join([item_path or var, *parts])  # type: ignore[attr-defined]
        node.rp_fields = tuple(parts)  # type: ignore[attr-defined]
        return node


def source_offset(lines: list[str], lead: int, node: ast.AST) -> int:
    """The character offset of ``node`` in the written expression.

    ``ast`` counts columns in UTF-8 bytes on each line; positions in a pack count characters in
    the whole text (a Chinese literal before the node, or an earlier line, would shift them).
    """
    if not lines:
        return lead
    line = min(max(getattr(node, "lineno", 1), 1), len(lines))
    before = sum(len(text) for text in lines[:line - 1])
    head = lines[line - 1].encode("utf-8")[:getattr(node, "col_offset", 0)]
    return lead + before + len(head.decode("utf-8", "ignore"))


def names_in_template(template: str) -> list[tuple[str, str]]:
    """The ``{name}`` / ``{name:spec}`` placeholders of a message, as (name, spec) pairs."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{":
            if template.startswith("{{", i):
                i += 2
                continue
            end = template.find("}", i)
            if end < 0:
                out.append((template[i + 1:], "!unclosed"))
                break
            inner = template[i + 1:end]
            name, _, spec = inner.partition(":")
            out.append((name.strip(), spec))
            i = end + 1
            continue
        i += 1
    return out
