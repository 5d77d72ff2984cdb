"""Static types of compiled expressions: values that can never meet are load errors.

An expression that compares a number with a string, tests a fact against a value outside its
enum (``account.platform == 'douyn'``) or hands a function the wrong kind of argument would load
and then be ``unknown`` or quietly ``fail`` on every document. Here every node of the compiled
tree (fact paths already resolved, params inlined) gets a kind from the fact schema and the
function library, and each place where kinds cannot meet becomes a finding.

The checker is quiet by design: a kind it cannot know (``any`` facts, result fields, list items
of unknown shape) meets everything, a nullable fact may meet ``None``, and integers meet other
numbers. Only what is sure to go wrong at evaluation, or sure to never match, is reported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rulepack.core.errors import did_you_mean
from rulepack.lang.expressions import CompiledExpr, CompileError, FieldInfo, source_offset
from rulepack.lang.functions import FUNCTIONS, LibraryFunction

_NUMERIC = frozenset({"int", "float", "number"})
# Kinds whose values Python orders among themselves (two of the same kind).
_ORDERED = frozenset({"string", "date", "instant", "duration", "version", "list", "bool"})

# Fact schema kinds in the kinds of the function library.
_FACT_KINDS = {
    "integer": "int", "number": "number", "string": "string", "boolean": "bool", "date": "date",
    "instant": "instant", "array": "list", "object": "object", "any": "any",
}

# The library only says "list"; these functions also need every item to be of one kind.
_ITEM_KINDS = {
    "total": "number", "avg": "number", "avg_newest": "number", "minimum": "number",
    "maximum": "number", "any_of": "bool", "all_of": "bool",
}

_NAMES = {
    "int": "an integer", "float": "a fractional number", "number": "a number",
    "string": "a string", "bool": "a boolean", "date": "a date", "instant": "an instant",
    "duration": "a duration", "list": "a list", "version": "a version", "object": "an object",
    "none": "None", "any": "a value",
}

# Kinds `x[i]` can never read an item of (a string, list or object can).
_UNINDEXABLE = frozenset({"int", "float", "number", "bool", "date", "instant", "duration",
                          "version"})

_OP_TEXT: dict[type[ast.AST], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
    ast.GtE: ">=", ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.USub: "-", ast.UAdd: "+", ast.Not: "not",
}


def _mixed_rules() -> dict[tuple[str, str, str], str]:
    """What mixed operands give, beyond number with number (``date + duration`` is a date)."""
    rules = {
        ("+", "string", "string"): "string", ("+", "list", "list"): "list",
        ("+", "date", "duration"): "date", ("+", "duration", "date"): "date",
        ("+", "instant", "duration"): "instant", ("+", "duration", "instant"): "instant",
        ("+", "duration", "duration"): "duration",
        ("-", "date", "date"): "duration", ("-", "instant", "instant"): "duration",
        ("-", "date", "duration"): "date", ("-", "instant", "duration"): "instant",
        ("-", "duration", "duration"): "duration",
        ("/", "duration", "duration"): "float", ("//", "duration", "duration"): "int",
        ("%", "duration", "duration"): "duration",
    }
    for number in _NUMERIC:
        rules |= {("*", "duration", number): "duration", ("*", number, "duration"): "duration",
                  ("/", "duration", number): "duration"}
    for count in ("int", "number"):  # a fractional count of repeats fails; an unknown may not
        rules |= {("*", "string", count): "string", ("*", count, "string"): "string",
                  ("*", "list", count): "list", ("*", count, "list"): "list",
                  ("//", "duration", count): "duration"}
    return rules


_MIXED = _mixed_rules()


@dataclass(frozen=True)
class _Type:
    """The kind of a value, with what the fact schema adds: its enum and its items' type."""

    kind: str
    enum: tuple[Any, ...] | None = None
    path: str | None = None  # the fact path the enum comes from, for messages
    item: _Type | None = None  # for lists


_ANY = _Type("any")


def check_types(
    expr: CompiledExpr, facts: Mapping[str, FieldInfo], *, lead: int = 0,
    functions: Mapping[str, LibraryFunction] = FUNCTIONS,
) -> list[CompileError]:
    """Every place in ``expr`` where kinds cannot meet, each as a :class:`CompileError`.

    ``lead`` is how many characters of whitespace the written expression had before
    ``expr.text``, so that offsets are columns in the text as written, like those of
    :func:`~rulepack.lang.expressions.compile_expression`.
    """
    typer = _Typer(expr.text, facts, functions, lead)
    typer.infer(expr.tree.body)
    return typer.findings


class _Typer:
    """Infers a :class:`_Type` for each node, bottom up, and records what cannot meet."""

    def __init__(
        self, text: str, facts: Mapping[str, FieldInfo],
        functions: Mapping[str, LibraryFunction], lead: int,
    ) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True) or [""]
        self.facts = facts
        self.functions = functions
        self.lead = lead
        self.loop: dict[str, _Type] = {}  # loop variable -> the type of its items
        self.findings: list[CompileError] = []
        self.rules: dict[type[ast.AST], Callable[[Any], _Type]] = {
            ast.Constant: self.constant, ast.Name: self.name, ast.Attribute: self.attribute,
            ast.BinOp: self.binop, ast.UnaryOp: self.unary, ast.BoolOp: self.boolop,
            ast.Compare: self.compare, ast.IfExp: self.ifexp, ast.Call: self.call,
            ast.List: self.sequence, ast.Tuple: self.sequence, ast.Subscript: self.subscript,
            ast.ListComp: self.comprehension, ast.GeneratorExp: self.comprehension,
        }

    def infer(self, node: ast.expr) -> _Type:
        rule = self.rules.get(type(node))
        # The compiler admits nothing else; should it ever, an unknown kind reports nothing.
        return rule(node) if rule is not None else _ANY

    # -- reporting --------------------------------------------------------------------------

    def report(
        self, code: str, message: str, node: ast.AST, value: str, hint: str | None,
    ) -> None:
        self.findings.append(CompileError(code, message, self.offset(node), value, hint))

    def offset(self, node: ast.AST) -> int:
        """The character offset of ``node`` in the written expression."""
        return source_offset(self.lines, self.lead, node)

    def source(self, node: ast.AST) -> str:
        """The text ``node`` was written as (``params.NAME`` for an inlined param)."""
        segment = ast.get_source_segment(self.text, node)
        return segment if segment else ast.unparse(node)

    # -- leaves -----------------------------------------------------------------------------

    def constant(self, node: ast.Constant) -> _Type:
        value = node.value
        if value is None:
            return _Type("none")
        if isinstance(value, bool):  # before int: bool is an int to Python, not to packs
            return _Type("bool")
        kind = {int: "int", float: "float", str: "string"}.get(type(value), "any")
        return _Type(kind)

    def name(self, node: ast.Name) -> _Type:
        if node.id in self.loop:
            return self.loop[node.id]
        if node.id == "today":
            return _Type("date")
        if node.id == "as_of":
            return _Type("instant")
        # Result fields have no declared kind; they meet everything.
        return self.fact(node.id)

    def attribute(self, node: ast.Attribute) -> _Type:
        # A field of a loop item; the compiler put its schema path (when known) on the node.
        return self.fact(getattr(node, "rp_path", ""))

    def fact(self, path: str) -> _Type:
        info = self.facts.get(path)
        if info is None:
            return _ANY
        kind = _FACT_KINDS.get(info.kind, "any")
        enum = tuple(v for v in info.enum if v is not None) if info.enum else None
        item = self.fact(info.item_path) if kind == "list" and info.item_path else None
        return _Type(kind, enum or None, path, item)

    # -- operators --------------------------------------------------------------------------

    def binop(self, node: ast.BinOp) -> _Type:
        left, right = self.infer(node.left), self.infer(node.right)
        op = _OP_TEXT[type(node.op)]
        kind = _arithmetic(op, left.kind, right.kind)
        if kind is None:
            self.report(
                "RP210", f"`{self.source(node)}`: `{op}` cannot combine {_NAMES[left.kind]} "
                f"and {_NAMES[right.kind]}", node, self.source(node),
                _arithmetic_hint(op, left.kind, right.kind),
            )
            return _ANY
        item = _join([t.item or _ANY for t in (left, right) if t.kind == "list"])
        return _Type(kind, item=item if kind == "list" else None)

    def unary(self, node: ast.UnaryOp) -> _Type:
        operand = self.infer(node.operand)
        if isinstance(node.op, ast.Not):
            return _Type("bool")
        if operand.kind in _NUMERIC or operand.kind in ("duration", "any"):
            return _Type(operand.kind)
        op = _OP_TEXT[type(node.op)]
        self.report("RP210", f"unary `{op}` needs a number, not {_NAMES[operand.kind]}", node,
                    self.source(node), f"{_NAMES[operand.kind]} met `{op}` here; only numbers "
                    "and durations have a sign")
        return _ANY

    def boolop(self, node: ast.BoolOp) -> _Type:
        # `a or b` gives one of its operands, so its kind is theirs when they agree.
        return _join([self.infer(value) for value in node.values])

    def ifexp(self, node: ast.IfExp) -> _Type:
        self.infer(node.test)
        return _join([self.infer(node.body), self.infer(node.orelse)])

    def sequence(self, node: ast.List | ast.Tuple) -> _Type:
        return _Type("list", item=_join([self.infer(e) for e in node.elts]))

    def subscript(self, node: ast.Subscript) -> _Type:
        value = self.infer(node.value)
        self.infer(node.slice)
        if value.kind == "list":
            return value.item or _ANY
        if value.kind in _UNINDEXABLE:
            written = self.source(node.value)
            self.report("RP210", f"`{written}` is {_NAMES[value.kind]}, which has no items to "
                        "index", node, self.source(node),
                        f"{_NAMES[value.kind]} met `[...]`: index a list fact such as "
                        "account.recent_video_plays[0]")
            return _ANY
        return _Type("string") if value.kind == "string" else _ANY

    def comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> _Type:
        generator = node.generators[0]
        source = self.infer(generator.iter)
        if source.kind not in ("list", "any", "none"):
            written = self.source(generator.iter)
            self.report("RP210", f"a comprehension loops over a list, and `{written}` is "
                        f"{_NAMES[source.kind]}", generator.iter, written,
                        f"{_NAMES[source.kind]} met `for`: loop over a list fact such as "
                        "account.violations")
        var = generator.target.id if isinstance(generator.target, ast.Name) else ""
        self.loop[var] = source.item or _ANY
        try:
            for condition in generator.ifs:
                self.infer(condition)
            return _Type("list", item=self.infer(node.elt))
        finally:
            del self.loop[var]

    # -- comparisons ------------------------------------------------------------------------

    def compare(self, node: ast.Compare) -> _Type:
        nodes = [node.left, *node.comparators]
        types = [self.infer(n) for n in nodes]
        for index, op in enumerate(node.ops):
            pair = (nodes[index], types[index], nodes[index + 1], types[index + 1])
            if isinstance(op, (ast.In, ast.NotIn)):
                self.membership(_OP_TEXT[type(op)], *pair)
            elif isinstance(op, (ast.Eq, ast.NotEq)):
                self.equality(_OP_TEXT[type(op)], *pair)
            elif not isinstance(op, (ast.Is, ast.IsNot)):
                self.ordering(_OP_TEXT[type(op)], *pair)
        return _Type("bool")

    def equality(
        self, op: str, left_node: ast.expr, left: _Type, right_node: ast.expr, right: _Type,
    ) -> None:
        if not _equal_can_meet(left.kind, right.kind):
            self.mismatch(op, left_node, left, right_node, right, "are never equal")
            return
        self.enum_literal(left, right_node)
        self.enum_literal(right, left_node)

    def ordering(
        self, op: str, left_node: ast.expr, left: _Type, right_node: ast.expr, right: _Type,
    ) -> None:
        if not _order_can_meet(left.kind, right.kind):
            self.mismatch(op, left_node, left, right_node, right, "cannot be ordered")

    def membership(
        self, op: str, left_node: ast.expr, left: _Type, right_node: ast.expr, right: _Type,
    ) -> None:
        if right.kind in ("any", "object"):  # a mapping tests its keys; nothing to check
            return
        if isinstance(right_node, (ast.List, ast.Tuple)):
            # Written out (or a list param): each value is checked on its own.
            for element in right_node.elts:
                self.member(left_node, left, element)
            return
        item = right.item or _ANY
        if right.kind == "list" and _equal_can_meet(left.kind, item.kind):
            self.enum_literal(item, left_node)
            return
        if right.kind == "string" and left.kind in ("string", "any", "none"):
            return
        text = f"{self.source(left_node)} {op} {self.source(right_node)}"
        if right.kind == "list":
            message = f"`{text}` looks for {_NAMES[left.kind]} in a list of " \
                f"{_plural(item.kind)}, where it is never found"
            hint = _comparison_hint(left.kind, item.kind)
        elif right.kind == "string":
            message = f"`{text}` looks for {_NAMES[left.kind]} in a string, which holds text only"
            hint = _comparison_hint(left.kind, right.kind)
        else:
            message = f"`{text}`: `{op}` needs a list or a string on its right, " \
                f"not {_NAMES[right.kind]}"
            hint = f"{_NAMES[left.kind]} met {_NAMES[right.kind]}: write `x == y` to compare " \
                "two values, or `x in (a, b)` to look for x among several"
        self.report("RP210", message, left_node, text, hint)

    def member(self, left_node: ast.expr, left: _Type, element: ast.expr) -> None:
        """One value of a list written after `in`, against what is looked for in it."""
        kind = self.infer_quietly(element).kind
        if _equal_can_meet(left.kind, kind):
            self.enum_literal(left, element)
            return
        written = self.source(element)
        self.report(
            "RP210", f"`{written}` is {_NAMES[kind]}, but `{self.source(left_node)}` looked for "
            f"in the list is {_NAMES[left.kind]}: they are never equal", element, written,
            _comparison_hint(left.kind, kind),
        )

    def infer_quietly(self, node: ast.expr) -> _Type:
        """The type of a node already checked once, without reporting it a second time."""
        kept = len(self.findings)
        found = self.infer(node)
        del self.findings[kept:]
        return found

    def mismatch(
        self, op: str, left_node: ast.expr, left: _Type, right_node: ast.expr, right: _Type,
        why: str,
    ) -> None:
        text = f"{self.source(left_node)} {op} {self.source(right_node)}"
        self.report(
            "RP210", f"`{text}` compares {_NAMES[left.kind]} with {_NAMES[right.kind]}, which "
            f"{why}", left_node, text, _comparison_hint(left.kind, right.kind),
        )

    def enum_literal(self, field: _Type, node: ast.expr) -> None:
        """A literal compared with an enum fact must be one of the enum's values."""
        if field.enum is None or not isinstance(node, ast.Constant):
            return
        value = node.value
        if value is None or isinstance(value, bool) or value in field.enum:
            return
        allowed = ", ".join(map(str, field.enum))
        written = self.source(node)
        origin = "" if _is_literal(written, value) else f" (`{written}`)"
        guess = _guess(str(value), [str(v) for v in field.enum])
        self.report(
            "RP211", f"{value!r}{origin} is not a value of {_field_name(field.path)}", node,
            repr(value),
            f"{guess} allowed values: {allowed}" if guess else f"allowed values: {allowed}",
        )

    # -- calls ------------------------------------------------------------------------------

    def call(self, node: ast.Call) -> _Type:
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        args = [self.infer(a) for a in node.args]
        function = self.functions.get(name)
        if function is None:
            return _ANY
        # A call with the wrong number of arguments is RP205's; the ones both have are checked.
        pairs = zip(node.args, args, function.params, strict=False)
        for index, (arg_node, arg, wanted) in enumerate(pairs):
            problem = _argument_problem(name, arg, wanted)
            if problem is not None:
                self.report(
                    "RP212", f"`{name}` argument {index + 1} must be {problem}: "
                    f"`{self.source(arg_node)}` is {_describe(arg)}", arg_node,
                    self.source(arg_node), f"{_signature(function)}: {function.doc}",
                )
        kind = function.returns
        return _Type(kind, item=_ANY if kind == "list" else None)


# -- kind rules ---------------------------------------------------------------------------------


def _arithmetic(op: str, left: str, right: str) -> str | None:
    """The kind ``left op right`` gives, or ``None`` when Python would raise a TypeError."""
    if "any" in (left, right):
        return "any"
    if left in _NUMERIC and right in _NUMERIC:
        if op == "/":
            return "float"
        if op == "**":  # a negative exponent makes a fraction even of integers
            return "number"
        if left == right:
            return left
        return "float" if "float" in (left, right) else "number"
    if op == "%" and left == "string":  # old-style formatting takes anything
        return "string"
    return _MIXED.get((op, left, right))


def _equal_can_meet(left: str, right: str) -> bool:
    if "any" in (left, right) or "none" in (left, right) or left == right:
        return True
    return left in _NUMERIC and right in _NUMERIC


def _order_can_meet(left: str, right: str) -> bool:
    if "any" in (left, right):
        return True
    if left in _NUMERIC and right in _NUMERIC:
        return True
    return left == right and left in _ORDERED


def _argument_problem(function: str, arg: _Type, wanted: str) -> str | None:
    """What ``function`` needs instead of ``arg`` for a parameter of kind ``wanted``, if so."""
    if arg.kind == "any" or wanted == "any":
        return None
    accepted = {
        "number": _NUMERIC,
        # An integer parameter takes an int; a fact of kind number may well hold one.
        "int": {"int", "number"},
        # The library turns an instant into its calendar date where a date is asked for.
        "date": {"date", "instant"},
    }.get(wanted, {wanted})
    if arg.kind not in accepted:
        return _NAMES[wanted]
    items = _ITEM_KINDS.get(function)
    if wanted != "list" or items is None or arg.item is None:
        return None
    fits = _NUMERIC if items == "number" else {items}
    if arg.item.kind in fits or arg.item.kind in ("any", "none"):
        return None
    return f"a list of {_plural(items)}"


def _join(types: Iterable[_Type]) -> _Type:
    """The one type several values may have (branches, list items); ``any`` when they differ."""
    known = [t for t in types if t.kind != "none"]
    if not known:
        return _ANY
    first = known[0]
    if all(t == first for t in known):
        return first
    kinds = {t.kind for t in known}
    if len(kinds) == 1:
        return _Type(first.kind)
    return _Type("number") if kinds <= _NUMERIC else _ANY


# -- wording ------------------------------------------------------------------------------------


def _guess(written: str, values: list[str]) -> str | None:
    """The enum value ``written`` was probably meant to be, as a hint."""
    close = did_you_mean(written, values)
    if close is not None or len(written) < 2:
        return close
    # An abbreviation (`govt` for `government`) is too short for a similarity match: its
    # letters come in order in the value meant, starting with its first.
    fits = [v for v in values if v[:1] == written[:1] and _letters_in_order(written, v)]
    return f"did you mean `{fits[0]}`?" if len(fits) == 1 else None


def _letters_in_order(short: str, long: str) -> bool:
    rest = iter(long)
    return all(letter in rest for letter in short)


def _is_literal(written: str, value: object) -> bool:
    """Whether ``value`` was written as itself, not brought in by a param."""
    try:
        return bool(ast.literal_eval(written) == value)
    except (ValueError, SyntaxError):
        return False


def _field_name(path: str | None) -> str:
    if path and path.endswith("[]"):
        return f"the items of `{path[:-2]}`"
    return f"`{path}`"


def _plural(kind: str) -> str:
    return {"bool": "booleans", "any": "values", "none": "Nones"}.get(
        kind, _NAMES[kind].split(" ", 1)[1] + "s")


def _describe(value: _Type) -> str:
    if value.kind == "list" and value.item is not None and value.item.kind != "any":
        return f"a list of {_plural(value.item.kind)}"
    return _NAMES[value.kind]


def _signature(function: LibraryFunction) -> str:
    required = len(function.params) - function.optional
    params = [kind if i < required else f"[{kind}]" for i, kind in enumerate(function.params)]
    return f"{function.name}({', '.join(params)}) -> {function.returns}"


def _comparison_hint(left: str, right: str) -> str:
    kinds = {left, right}
    met = f"{_NAMES[left]} met {_NAMES[right]}"
    if kinds == {"date", "instant"}:
        return f"{met}: take the instant's date with date_of(...), or compare instants " \
            "with as_of rather than today"
    if "version" in kinds and "string" in kinds:
        return f"{met}: write version('12.10') to compare with a version"
    if kinds & {"date", "instant"} and "string" in kinds:
        return f"{met}: dates are not strings; compare with today, as_of or add_days(...)"
    if "duration" in kinds and kinds & _NUMERIC:
        return f"{met}: compare a duration with days(n) or hours(n), or count whole days " \
            "with days_between(a, b)"
    if "bool" in kinds:
        return f"{met}: a boolean is not a number or a string; use it as a condition " \
            "(`account.x`, `not account.x`) or compare it with True / False"
    return f"{met}: compare values of the same kind (numbers with numbers, strings with strings)"


def _arithmetic_hint(op: str, left: str, right: str) -> str:
    met = f"{_NAMES[left]} met {_NAMES[right]}"
    kinds = {left, right}
    if kinds & {"date", "instant"} and kinds & _NUMERIC:
        return f"{met}: move a date with add_days(d, n) or `d + days(n)`; " \
            "count days between dates with days_between(a, b)"
    if "bool" in kinds:
        return f"{met}: a boolean is not a number; write `(n if account.x else 0)`"
    return f"{met}: {op} works on numbers, on dates with durations, and on two strings or lists"
