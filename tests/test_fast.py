"""Differential tests: the compiled fast path (``rulepack.engine.codegen``) against the
simpleeval sandbox.

The sandbox (:class:`rulepack.engine.sandbox.Sandbox`, ``rulepack.load(engine="sandbox")``) is the
reference semantics; compiled code must do exactly what it does. Three layers check that:

1. Expressions. Random expression *text* over real fact paths of the fact schema (numbers,
   enums and strings, booleans, dates, instants, lists, objects), params, ``today`` / ``as_of``,
   literals (0, negatives, big integers, floats, ``1e999``, strings with quotes, backslashes,
   newlines and non-ASCII characters, booleans, ``None``, tuples, lists), arithmetic with every
   operator, comparisons with chains, ``in`` / ``not in`` / ``is``, ``and`` / ``or`` / ``not``,
   ``x if c else y``, subscripts and library calls (with right and wrong argument kinds). Each
   text that compiles is run by the sandbox and by the compiled function on the same documents
   (partial, with nulls and wrongly typed values, as unvalidated documents may be), under the
   default limits and under small ones where the ``+`` / ``*`` / ``**`` guards fire. Both must
   give the same value of the same type (NaN equal to NaN), or raise the same exception class
   with the same text (a missing fact names the same path; an error text ends up in verdicts as
   ``RP504: ...``), and read the same facts in the same order. A table of every operator on
   every pair of a set of operands, and operator chains written without parentheses, make sure
   each operator and each precedence is met, not just likely to be.
2. Verdicts. Every bundled pack and every conformance pack, on documents drawn by
   ``rulepack.testing`` (some then broken: values of the wrong type, keys removed), random
   packs of every rule kind built from the expression grammar, ``evaluate_all``, and every
   case of the bundled ``*.test.yaml`` files and of ``tests/conformance``: both engines give
   equal ``to_dict("zh")``, ``to_dict("en")`` and ``explain()`` texts, or raise the same error.
3. Translation edge cases, one test each.

The disagreements these tests have found are kept at the end of the file as plain tests, each
with its smallest example.
"""

from __future__ import annotations

import ast
import copy
import datetime as dt
import functools
import inspect
import itertools
import json
import math
import re
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import simpleeval
import yaml
from _edits import edited
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st

import rulepack
from rulepack.cli.main import main
from rulepack.core import yaml_reader
from rulepack.engine import codegen, interpreter
from rulepack.engine.failures import RUNTIME_ERRORS
from rulepack.engine.sandbox import LimitExceeded, Sandbox
from rulepack.facts.schema import CHINA_TZ, Missing
from rulepack.lang.expressions import (
    DEFAULT_LIMITS,
    CompileError,
    CompileScope,
    Limits,
    compile_expression,
)
from rulepack.lang.functions import FUNCTIONS
from rulepack.lang.types import check_types
from rulepack.library import bundled, fact_schema, models_of

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "tests" / "conformance"
SCHEMA = fact_schema()
UTC = dt.UTC

# Limits small enough that the guards of +, * and ** fire on short expressions.
SMALL_LIMITS = Limits(max_power=10, max_string=50)
# A step budget so small that many generated trees must stay in the sandbox.
TINY_STEPS = Limits(max_steps=12)

# Fixed-seed profiles: every run of the suite checks the same examples.
BIG_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large]
PROFILE: dict[str, Any] = {"deadline": None, "derandomize": True, "database": None,
                           "suppress_health_check": BIG_INPUTS}

# The moments `as_of` (and so `today`) take; the last one is another day in UTC than in China.
MOMENTS = [
    dt.datetime(2026, 5, 20, 10, 0, tzinfo=CHINA_TZ),
    dt.datetime(2025, 2, 28, 23, 30, tzinfo=CHINA_TZ),
    dt.datetime(2026, 12, 31, 20, 0, tzinfo=UTC),
]


# -- comparing outcomes -----------------------------------------------------------------------


def same_value(a: Any, b: Any) -> bool:
    """Equal values of the same type; floats by repr (NaN == NaN, 0.0 != -0.0); recursive."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same_value, a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, float):
        return repr(a) == repr(b)
    return bool(a == b) and repr(a) == repr(b)


Outcome = tuple[str, Any, Any]


def outcome(run: Callable[[], Any]) -> Outcome:
    """("value", value, type) or ("raised", exception class, text) for one evaluation."""
    try:
        value = run()
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    return ("value", value, type(value))


def assert_same_outcome(sandbox: Outcome, compiled: Outcome, where: str) -> None:
    shown = f"{where}\n  sandbox:  {sandbox!r}\n  compiled: {compiled!r}"
    assert sandbox[0] == compiled[0], shown
    if sandbox[0] == "raised":
        assert sandbox[1] is compiled[1] and sandbox[2] == compiled[2], shown
    else:
        assert same_value(sandbox[1], compiled[1]), shown


# -- evaluating one expression both ways ------------------------------------------------------

PARAMS: dict[str, Any] = {
    "n": 100, "zero": 0, "neg": -3, "big": 10**20, "f": 0.5, "inf": math.inf, "nan": math.nan,
    "nans": [1.5, math.nan],
    "s": "douyin", "quote": "it's \"q\" \\ \n\t粉\u2028\x00", "flag": True, "none": None,
    "nums": [1, 2, 3], "lst": ["douyin", "xigua"], "mixed": [1, "a", None, 2.5],
}


def compile_text(text: str, limits: Limits = DEFAULT_LIMITS,
                 params: Mapping[str, Any] | None = None) -> ast.Expression:
    """The checked tree of ``text``, as the loader would make it."""
    scope = CompileScope(facts=SCHEMA.fields, params=PARAMS if params is None else params,
                         results=frozenset(), limits=limits)
    return compile_expression(text, scope).tree


def make_lookup(document: Mapping[str, Any], as_of: dt.datetime,
                reads: list[str]) -> Callable[[str], Any]:
    """Names as an evaluation reads them (``_Run.name`` / ``_Run.fact`` / ``Plan.read``).

    Absent facts raise Missing, a null on the way down is the value, dates and instants go
    through the schema's converters, and a fact read twice is the same object (the engine
    caches facts). Every call is recorded in ``reads``.
    """
    cache: dict[str, Any] = {}
    today = as_of.astimezone(CHINA_TZ).date()

    def lookup(name: str) -> Any:
        reads.append(name)
        if name == "as_of":
            return as_of
        if name == "today":
            return today
        if name in cache:
            return cache[name]
        node: Any = document
        for part in name.split("."):
            if node is None:
                break
            if not isinstance(node, Mapping) or part not in node:
                raise Missing(name)
            node = node[part]
        convert = SCHEMA.converters.get(name)
        value = convert(node) if convert is not None and node is not None else node
        cache[name] = value
        return value

    return lookup


def _singleton(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and any(node.value is v for v in (None, True, False))


def _unlimited(write: Callable[[ast.AST], str], tree: ast.AST) -> str:
    """``write(tree)`` even with an integer over Python's int-to-str digit limit in it."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return write(tree)
    finally:
        sys.set_int_max_str_digits(limit)


def _shown(tree: ast.Expression) -> str:
    return _unlimited(ast.unparse, tree)


def stays_in_sandbox(tree: ast.Expression, limits: Limits) -> bool | None:
    """Whether the fast path must leave ``tree`` to the sandbox, by its documented rules
    (None: it may, or may not).

    More nodes than ``max_steps`` (the sandbox might stop on its step budget); ``is`` /
    ``is not`` with no None, True or False side (identity of other constants depends on how
    Python stores them); a NaN constant (``in`` finds it only by identity); a constant Python
    cannot write as text (an integer over the int-to-str digit limit) or a string simpleeval
    refuses at run time. A chain of comparisons inside a comprehension may stay (when the
    data decides what one of its links costs); every other comprehension compiles.
    """
    nodes = list(ast.walk(tree.body))
    if len(nodes) > limits.max_steps:
        return True
    may = False
    for node in nodes:
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, (left, right) in zip(node.ops, itertools.pairwise(operands), strict=True):
                if isinstance(op, (ast.Is, ast.IsNot)) and not (
                        _singleton(left) or _singleton(right)):
                    return True
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, float) and math.isnan(value):
                return True
            if isinstance(value, str) and len(value) > simpleeval.MAX_STRING_LENGTH:
                return True
            try:
                repr(value)
            except ValueError:
                return True
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            body = [node.elt, *node.generators[0].ifs]
            may = may or any(isinstance(inner, ast.Compare) and len(inner.ops) > 1
                             for part in body for inner in ast.walk(part))
    return None if may else False


def _looped(tree: ast.Expression) -> bool:
    return any(isinstance(node, (ast.ListComp, ast.GeneratorExp)) for node in ast.walk(tree))


def run_both(tree: ast.Expression, document: Mapping[str, Any], *,
             limits: Limits = DEFAULT_LIMITS, as_of: dt.datetime = MOMENTS[0]) \
        -> tuple[Outcome, Outcome | None, list[str], list[str]]:
    """The sandbox's and the compiled function's outcomes, and the names each read.

    The compiled outcome is None when the tree stays in the sandbox, which must be exactly
    when :func:`stays_in_sandbox` says so.
    """
    before = _unlimited(ast.dump, tree)
    code = codegen.compile_expression(tree, limits, SCHEMA.converters)
    stays = stays_in_sandbox(tree, limits)
    assert stays is None or (code is None) == stays, (
        f"compile_expression gave {code!r} for {_shown(tree)}")
    assert _unlimited(ast.dump, tree) == before, "compiling changed the tree the sandbox runs"
    sandbox_reads: list[str] = []
    compiled_reads: list[str] = []
    sandbox = Sandbox(make_lookup(document, as_of, sandbox_reads), SCHEMA.convert_item, limits)
    expected = outcome(lambda: sandbox.run(tree))
    if code is None:
        return expected, None, sandbox_reads, sandbox_reads
    actual = outcome(lambda: code(make_lookup(document, as_of, compiled_reads)))
    return expected, actual, sandbox_reads, compiled_reads


def assert_agree(text: str, document: Mapping[str, Any] | None = None, *,
                 limits: Limits = DEFAULT_LIMITS, as_of: dt.datetime = MOMENTS[0],
                 params: Mapping[str, Any] | None = None) -> Outcome:
    """Run ``text`` both ways, assert they agree, and return the sandbox's outcome."""
    tree = compile_text(text, limits, params)
    expected, actual, sandbox_reads, compiled_reads = run_both(
        tree, document or {}, limits=limits, as_of=as_of)
    where = f"expression: {text}\ndocument: {document!r}\ncompiled as: {_shown(tree)}"
    if actual is not None:
        assert_same_outcome(expected, actual, where)
        assert_same_reads(tree, sandbox_reads, compiled_reads, where)
    return expected


def assert_same_reads(tree: ast.Expression, sandbox: list[str], compiled: list[str],
                      where: str) -> None:
    """The same facts read in the same order; compiled loops that left the answer to the
    sandbox part-way read what they read, then what the sandbox reads."""
    if compiled == sandbox:
        return
    assert _looped(tree) and len(compiled) > len(sandbox) \
        and compiled[len(compiled) - len(sandbox):] == sandbox, f"{where}\nreads differ"


# -- 1. random expressions --------------------------------------------------------------------

KINDS = ["int", "number", "string", "bool", "date", "instant", "list", "duration", "version",
         "object"]

# Some facts share an object (account.ban, account.app, account.identity), so that atoms
# reading several facts of one object absent from the document are drawn too.
INT_FACTS = ["account.fans", "organization.fans", "account.accounts_on_device",
             "task.retention_days_agreed", "account.ban.level"]
NUMBER_FACTS = ["account.like_play_ratio", "organization.interaction_rate",
                "organization.renewal.quarter_fans_growth"]
STRING_FACTS = ["account.platform", "account.region", "account.app.version",
                "account.app.latest_version", "account.identity.id_number", "organization.type",
                "account.ban.type", "account.ban.category"]
BOOL_FACTS = ["account.mcn_signed", "account.overseas", "account.phone.receives_sms"]
DATE_FACTS = ["account.identity.id_expires_on", "account.verification.submitted_on"]
INSTANT_FACTS = ["task.published_at", "account.ban.started_at", "task.accepted_at"]
LIST_FACTS = ["account.recent_video_plays", "account.appeal.channels", "organization.documents",
              "account.violations"]
OBJECT_FACTS = ["account.ban", "account.phone"]
SIBLING_ATOMS = [
    "account.ban.type in (params.lst if account.ban.category == params.s else params.nums)",
    "account.ban.level {op} (params.n if account.ban.category == 'content' else 2)",
    "account.app.version {op} account.app.latest_version",
    "account.ban.started_at {op} (today if account.ban.level > 1 else as_of)",
    # A call that reads the fact first, and one that fails before it reads it.
    "hours_between(account.ban.started_at, as_of) {op} params.n",
    "clamp(1 / params.zero, 3, account.ban.level) {op} 1",
]
# Facts of one object, by kind: comparisons of one with others of its object.
SIBLINGS: dict[str, dict[str, list[str]]] = {
    "account.ban": {"int": ["account.ban.level"], "instant": ["account.ban.started_at"],
                    "string": ["account.ban.type", "account.ban.category"]},
    "account.app": {"string": ["account.app.version", "account.app.latest_version"]},
    "account.identity": {"string": ["account.identity.id_number"],
                         "date": ["account.identity.id_expires_on"]},
}
FACTS = (INT_FACTS + NUMBER_FACTS + STRING_FACTS + BOOL_FACTS + DATE_FACTS + INSTANT_FACTS
         + LIST_FACTS + OBJECT_FACTS)

INT_LITERALS = ["0", "1", "-1", "2", "3", "7", "10", "100", "999", "100000", "-5",
                str(10**20), str(-(2**63)), "1_000"]
FLOAT_LITERALS = ["0.0", "-0.0", "0.5", "-2.5", "2.675", "1e-9", "1e308", "1e999", "-1e999",
                  "3.14"]
STRING_SAMPLES = ["", "douyin", "xigua", "12.10", "v1.2.3", "11010519491231002X", "广东",
                  "%s", "%d%%", "a"]
STRING_ALPHABET = "ab%s{}.'\"\\\n\t 0粉é\u2028\x00\U0001f600\ud800"

LEAVES: dict[str, list[str]] = {
    "int": INT_LITERALS + INT_FACTS + ["params.n", "params.zero", "params.neg", "params.big"],
    "number": FLOAT_LITERALS + NUMBER_FACTS + ["params.f", "params.inf", "-params.inf",
                                               "params.nan"],
    "string": STRING_FACTS + ["params.s", "params.quote"],
    "bool": ["True", "False", "None", "params.flag", "params.none"] + BOOL_FACTS,
    "date": ["today", "date_of(as_of)"] + DATE_FACTS,
    "instant": ["as_of"] + INSTANT_FACTS,
    "list": LIST_FACTS + ["params.nums", "params.lst", "params.mixed", "params.nans", "[]",
                          "()"],
    "duration": ["days(1)", "hours(-2)", "minutes(90)"],
    "version": ["version('12.10')", "version(account.app.version)"],
    "object": OBJECT_FACTS,
}
# Each function by the kind it returns, for calls where a value of that kind is wanted.
RETURNING: dict[str, list[str]] = {}
for _name, _function in FUNCTIONS.items():
    _kind = {"number": "number", "int": "int", "bool": "bool", "date": "date",
             "duration": "duration", "version": "version", "any": "bool"}.get(_function.returns)
    if _kind is not None:
        RETURNING.setdefault(_kind, []).append(_name)
RETURNING["number"] += RETURNING.get("int", [])
del _name, _function, _kind
ARGUMENT_KIND = {"number": "number", "int": "int", "string": "string", "bool": "bool",
                 "date": "date", "instant": "instant", "duration": "duration", "list": "list",
                 "version": "version", "any": "string"}
COMPARE_OPS = ["==", "!=", "<", "<=", ">", ">="]
ARITHMETIC_OPS = ["+", "-", "*", "/", "//", "%", "**"]
# What comprehensions loop over, with what their items give: a leaf per kind (the item
# itself, or one of its fields), in the loop variable ``{v}``.
LOOPS: dict[str, dict[str, list[str]]] = {
    "account.violations": {"int": ["{v}.points"], "string": ["{v}.type", "{v}.category"],
                           "date": ["{v}.on"], "bool": ["{v}.major"], "object": ["{v}"]},
    "organization.complaints": {"date": ["{v}.on"], "bool": ["{v}.valid"], "object": ["{v}"]},
    "organization.violations": {"date": ["{v}.on"], "int": ["{v}.points"]},
    "organization.admin_penalties": {"date": ["{v}.on"], "bool": ["{v}.major"]},
    "account.recent_video_plays": {"int": ["{v}"]},
    "organization.documents": {"string": ["{v}"]},
    "account.appeal.evidence": {"string": ["{v}"]},
    "params.nums": {"int": ["{v}"]},
    "params.lst": {"string": ["{v}"]},
    "params.mixed": {"int": ["{v}"], "string": ["{v}"], "bool": ["{v}"]},
}
LOOP_NAMES = ["v", "c", "p", "w"]


class Grammar:
    """Expression text of a wanted kind; now and then of any other kind, on purpose."""

    def __init__(self, draw: st.DrawFn, results: tuple[str, ...] = ()) -> None:
        self.draw = draw
        self.results = results  # result fields earlier rules set, read as values of any kind
        # Leaves the loops being written offer, by kind, innermost last.
        self.loops: list[dict[str, list[str]]] = []
        # Facts of the object a comparison being written reads first (see SIBLINGS), by kind.
        self.beside: list[dict[str, list[str]]] = []

    def pick(self, options: list[str]) -> str:
        return self.draw(st.sampled_from(options))

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(0, one_in - 1)) == 0

    def expr(self, kind: str, depth: int) -> str:
        if self.chance(12):
            kind = self.pick(KINDS)  # the wrong kind: errors must agree too
        if depth <= 0 or self.chance(5):
            return self.leaf(kind)
        d = depth - 1
        form = self.pick(["kind"] * 5 + ["if", "boolop", "subscript"])
        if form == "if":
            return f"({self.expr(kind, d)} if {self.expr('bool', d)} else {self.expr(kind, d)})"
        if form == "boolop":
            values = [self.expr(kind, d) for _ in range(self.draw(st.integers(2, 3)))]
            return "(" + f" {self.pick(['and', 'or'])} ".join(values) + ")"
        if form == "subscript":
            return self.subscript(kind, d)
        return getattr(self, f"_{kind}")(d)

    def leaf(self, kind: str) -> str:
        offered = [leaf for loop in (*self.loops, *self.beside) for leaf in loop.get(kind, [])]
        if offered and self.chance(2):
            return self.pick(offered)
        if self.results and self.chance(5):
            return f"result.{self.pick(list(self.results))}"
        if kind == "string" and self.chance(2):
            text = self.draw(st.one_of(st.sampled_from(STRING_SAMPLES),
                                       st.text(STRING_ALPHABET, max_size=6)))
            return repr(text)
        if kind == "int" and self.chance(4):
            return str(self.draw(st.integers(-(10**25), 10**25)))
        if kind == "number" and self.chance(2):
            return self.leaf("int")
        return self.pick(LEAVES[kind])

    def call(self, kind: str, depth: int) -> str:
        name = self.pick(RETURNING[kind])
        function = FUNCTIONS[name]
        count = len(function.params) - self.draw(st.integers(0, function.optional))
        args = [self.expr(ARGUMENT_KIND[k], depth) for k in function.params[:count]]
        return f"{name}({', '.join(args)})"

    def subscript(self, kind: str, depth: int) -> str:
        if kind == "object" or self.chance(5):
            key = self.pick(["'level'", "'receives_sms'", "'nope'", "0"])
            return f"{self.expr('object', depth)}[{key}]"
        container = self.expr(self.pick(["list", "list", "string"]), depth)
        index = self.expr("int", depth) if self.chance(4) \
            else self.pick(["0", "1", "-1", "2", "-4"])
        return f"{container}[{index}]"

    def _number(self, d: int) -> str:
        form = self.pick(["binop", "binop", "unary", "call"])
        if form == "binop":
            left, right = self.expr(self.pick(["int", "number"]), d), self.expr("number", d)
            return f"({left} {self.pick(ARITHMETIC_OPS)} {right})"
        if form == "unary":
            return f"{self.pick(['-', '+', '- -'])}{self.expr('number', d)}"
        return self.call("number", d)

    def _int(self, d: int) -> str:
        if self.chance(6):
            # A loop handed straight to a function that takes a list, as a generator.
            return f"{self.pick(['count', 'total', 'minimum', 'maximum'])}" \
                f"({self.comprehension(d)})"
        if self.chance(3):
            return self.call("int", d)
        return f"({self.expr('int', d)} {self.pick(ARITHMETIC_OPS)} {self.expr('int', d)})"

    def _string(self, d: int) -> str:
        form = self.pick(["+", "*", "%"])
        if form == "+":
            return f"({self.expr('string', d)} + {self.expr('string', d)})"
        if form == "*":
            return f"({self.expr('string', d)} * {self.expr('int', d)})"
        return f"({self.expr('string', d)} % {self.expr(self.pick(KINDS), d)})"

    def _bool(self, d: int) -> str:
        form = self.pick(["compare", "compare", "chain", "in", "is", "not", "call", "siblings"])
        if form == "siblings":
            # A fact compared with what other facts of its object make: with the object absent
            # from a document, they are all missing at once.
            facts = SIBLINGS[self.pick(sorted(SIBLINGS))]
            kind = self.pick(sorted(facts))
            self.beside.append(facts)
            try:
                other = self.pick(facts[kind]) if self.chance(3) else self.expr(kind, d + 1)
                if self.chance(2):
                    other = f"({other} if {self.expr('bool', d)} else {self.leaf(kind)})"
                return f"({self.pick(facts[kind])} {self.pick(COMPARE_OPS + ['in', 'not in'])} " \
                    f"{other})"
            finally:
                self.beside.pop()
        if form == "compare":
            kind = self.pick(KINDS)
            return f"({self.expr(kind, d)} {self.pick(COMPARE_OPS)} {self.expr(kind, d)})"
        if form == "chain":
            kind = self.pick(["int", "number", "date", "string"])
            parts = [self.expr(kind, d) for _ in range(self.draw(st.integers(3, 4)))]
            text = parts[0]
            for part in parts[1:]:
                text += f" {self.pick(COMPARE_OPS + ['in', 'not in'])} {part}"
            return f"({text})"
        if form == "in":
            container = self.expr(self.pick(["list", "string", "object"]), d)
            return f"({self.expr(self.pick(KINDS), d)} {self.pick(['in', 'not in'])} {container})"
        if form == "is":
            # Mostly identity with a singleton, which compiles; now and then with a fact or
            # a literal, which must stay in the sandbox.
            right = self.pick(["None", "True", "False", "None", "True", "False",
                               self.pick(FACTS), self.leaf(self.pick(KINDS))])
            # Often a value equal to a singleton without being it: 1 == True, 0.0 == False.
            left = self.pick(["0", "1", "1.0", "-0.0", "params.zero", "account.fans"]) \
                if self.chance(3) else self.expr(self.pick(KINDS), d)
            return f"({left} {self.pick(['is', 'is not'])} {right})"
        if form == "not":
            return f"(not {self.expr('bool', d)})"
        if self.chance(4):
            return f"{self.pick(['any_of', 'all_of'])}({self.comprehension(d)})"
        return self.call("bool", d)

    def _date(self, d: int) -> str:
        if self.chance(2):
            return self.call("date", d)
        return f"({self.expr('date', d)} {self.pick(['+', '-'])} {self.expr('duration', d)})"

    def _instant(self, d: int) -> str:
        return f"({self.expr('instant', d)} {self.pick(['+', '-'])} {self.expr('duration', d)})"

    def _list(self, d: int) -> str:
        form = self.pick(["list", "tuple", "single", "+", "*", "comprehension"])
        if form == "list":
            return "[" + ", ".join(self.expr(self.pick(KINDS), d)
                                   for _ in range(self.draw(st.integers(0, 3)))) + "]"
        if form == "tuple":
            return f"({self.expr(self.pick(KINDS), d)}, {self.expr(self.pick(KINDS), d)})"
        if form == "single":
            return f"({self.expr(self.pick(KINDS), d)},)"
        if form == "+":
            return f"({self.expr('list', d)} + {self.expr('list', d)})"
        if form == "*":
            return f"({self.expr('list', d)} * {self.expr('int', d)})"
        return f"[{self.comprehension(d)}]"

    def comprehension(self, d: int) -> str:
        """``x for v in xs if c``, without brackets: over a list with item fields, or any
        list expression; its element and conditions read the item (and the items of the
        loops around) now and then."""
        if len(self.loops) == len(LOOP_NAMES):
            return f"x for x in {self.leaf('list')}"  # (not drawn: depth runs out first)
        var = LOOP_NAMES[len(self.loops)]
        if self.chance(4):
            source, items = self.expr("list", d), {"int": ["{v}"], "string": ["{v}"]}
        else:
            source = self.pick(list(LOOPS))
            items = LOOPS[source]
        self.loops.append({kind: [leaf.format(v=var) for leaf in leaves]
                           for kind, leaves in items.items()})
        try:
            element = self.expr(self.pick([*KINDS, "int", "bool", "string"]), d)
            conditions = [self.expr("bool", d) for _ in range(self.draw(st.integers(0, 2)))]
        finally:
            self.loops.pop()
        return f"{element} for {var} in {source}" + "".join(f" if {c}" for c in conditions)

    def _duration(self, d: int) -> str:
        form = self.pick(["dates", "instants", "scale", "call"])
        if form == "dates":
            return f"({self.expr('date', d)} - {self.expr('date', d)})"
        if form == "instants":
            return f"({self.expr('instant', d)} - {self.expr('instant', d)})"
        if form == "scale":
            return f"({self.expr('duration', d)} {self.pick(['*', '/', '//'])} " \
                f"{self.expr('number', d)})"
        return self.call("duration", d)

    def _version(self, d: int) -> str:
        return f"version({self.expr('string', d)})"

    def _object(self, d: int) -> str:
        return self.leaf("object")


@st.composite
def expression_texts(draw: st.DrawFn) -> str:
    grammar = Grammar(draw)
    depth = draw(st.integers(0, 4))
    if draw(st.integers(0, 3)) == 0:
        # A loop at the top, as packs write them: a list, a count, a sum, any or all.
        loop = grammar.comprehension(max(depth - 1, 0))
        return draw(st.sampled_from([
            f"[{loop}]", f"count([{loop}]) > 1", f"total({loop})", f"any_of({loop})",
            f"all_of([{loop}])", f"count({loop}) == 0 and account.fans > 3"]))
    # Conditions (booleans) are what packs are mostly made of.
    kind = draw(st.sampled_from(["bool"] * len(KINDS) + KINDS))
    return grammar.expr(kind, depth)


# -- fact documents: partial, nulls, wrong types ------------------------------------------------

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(),
    st.floats(), st.text(max_size=4),
)
ANY_VALUE = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.sampled_from(["level", "on", "points", "x"]), SCALARS, max_size=2),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([CHINA_TZ, UTC])),
)
_dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))
_instants = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31),
                         timezones=st.sampled_from([CHINA_TZ, UTC]))
RIGHT_KIND: dict[str, st.SearchStrategy[Any]] = {
    "integer": st.one_of(st.sampled_from([0, 1, -1, 2, 99_999, 100_000, 10**20]), st.integers()),
    "number": st.one_of(st.sampled_from([0, 0.5, 1, -0.0, 0.1]), st.integers(), st.floats()),
    "string": st.one_of(st.sampled_from(STRING_SAMPLES), st.text(max_size=6)),
    "boolean": st.booleans(),
    "date": st.one_of(_dates.map(dt.date.isoformat), _dates, _instants,
                      st.sampled_from(["2026-02-30", "2026-5-1", "x", ""])),
    "instant": st.one_of(_instants.map(dt.datetime.isoformat), _instants,
                         _dates.map(dt.date.isoformat), st.datetimes(),
                         st.sampled_from(["2026-05-20T10:00:00Z", "bad", "2026-05-20T10:00"])),
}


def _wanted_paths() -> frozenset[str]:
    """The paths the documents hold: every fact the grammar reads, what is above, and the
    fields of list items."""
    out: set[str] = set()
    for path in FACTS:
        out.add(path)
        parts = path.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
        item = SCHEMA.fields[path].item_path
        if item is not None:
            out.update(p for p in SCHEMA.fields if p == item or p.startswith(item + "."))
    return frozenset(out)


WANTED = _wanted_paths()


def _children(path: str) -> list[str]:
    """The fields of an object (the items of a list are ``path[]``, not a field)."""
    return sorted(p for p in WANTED if p.startswith(path + ".")
                  and "." not in p[len(path) + 1:] and not p.endswith("[]"))


# How messy a document is: out of 20, the chances of a null, of a value of the wrong type, and
# of a key left out. Tidy documents let long expressions run to the end; messy ones check that
# both engines stop at the same missing fact or error.
MESS = {"tidy": (0, 0, 0), "some": (1, 1, 2), "messy": (2, 2, 3)}


def _fact_value(draw: st.DrawFn, path: str, mess: tuple[int, int, int]) -> Any:
    info = SCHEMA.fields[path]
    nulls, wrong, absent = mess
    roll = draw(st.integers(0, 19))
    if roll < nulls:
        return None
    if roll < nulls + wrong:
        return draw(ANY_VALUE)  # the wrong type, as an unvalidated document may have it
    if info.kind == "object":
        return {child.rsplit(".", 1)[-1]: _fact_value(draw, child, mess)
                for child in _children(path) if draw(st.integers(0, 19)) >= absent}
    if info.kind == "array":
        item = info.item_path
        assert item is not None
        return [_fact_value(draw, item, mess) for _ in range(draw(st.integers(0, 3)))]
    value = draw(st.sampled_from(info.enum)) if info.enum is not None \
        else draw(RIGHT_KIND[info.kind])
    if type(value) is str and draw(st.booleans()):
        value = sys.intern(value)  # as a document written in Python has its strings
    return value


@st.composite
def fact_documents(draw: st.DrawFn) -> dict[str, Any]:
    mess = MESS[draw(st.sampled_from(["tidy", "tidy", "some", "messy"]))]
    return {root: _fact_value(draw, root, mess) for root in ("account", "organization", "task")
            if draw(st.integers(0, 19)) >= mess[2]}


@settings(max_examples=300, **PROFILE)
@example(text="'ab' * 100", documents=[{}], limits=SMALL_LIMITS, as_of=MOMENTS[0])
@example(text="2 ** 2000", documents=[{}], limits=SMALL_LIMITS, as_of=MOMENTS[0])
@example(text="account.fans + 'x'", documents=[{"account": {"fans": 1}}], limits=DEFAULT_LIMITS,
         as_of=MOMENTS[0])
@given(text=expression_texts(), documents=st.lists(fact_documents(), min_size=1, max_size=3),
       limits=st.sampled_from([DEFAULT_LIMITS, SMALL_LIMITS, TINY_STEPS]),
       as_of=st.sampled_from(MOMENTS))
def test_compiled_expressions_agree_with_the_sandbox(
        text: str, documents: list[dict[str, Any]], limits: Limits, as_of: dt.datetime) -> None:
    """Property 1: on every generated expression and document, compiled == sandbox.

    Same value and type, or the same exception class and text (Missing with the same path,
    LimitExceeded, the runtime error), and the same facts read in the same order. A tree the
    fast path must leave to the sandbox (see ``stays_in_sandbox``) must come back as None.
    """
    note(f"expression: {text}")
    try:
        tree = compile_text(text, limits)
    except CompileError:
        assume(False)  # not a valid pack expression; nothing to compare
        return
    note(f"compiled as: {_shown(tree)}")
    for document in documents:
        note(f"document: {document!r}")
        expected, actual, sandbox_reads, compiled_reads = run_both(
            tree, document, limits=limits, as_of=as_of)
        if actual is None:
            return  # stays in the sandbox, as run_both checked it must
        assert_same_outcome(expected, actual, f"{text}\non {document!r}")
        assert_same_reads(tree, sandbox_reads, compiled_reads, "the two engines read "
                          "different facts")


# Every operator on every pair of a set of operands, and on triples written without
# parentheses (so that precedence decides the tree and compiled code must write it back
# faithfully). The random grammar above reaches each operator with some probability; these
# tables reach each one for sure.
OPERANDS = ["0", "1", "-7", "2.5", "-0.0", "1e999", "True", "None", "'ab'", "(1, 2)", "[3]",
            "params.neg", "params.s", "account.fans", "account.like_play_ratio",
            "account.platform", "account.recent_video_plays", "today", "days(2)",
            "version('1.2')"]
BINARY = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "in", "not in",
          "is", "is not", "and", "or"]
UNARY = ["-", "+", "not ", "- -", "not -"]
TIDY = {"account": {"fans": 7, "like_play_ratio": 0.25, "platform": "douyin",
                    "recent_video_plays": [3, 7]}}


def test_every_operator_on_every_pair_of_operands() -> None:
    failures: list[str] = []
    for op in BINARY:
        for left in OPERANDS:
            for right in OPERANDS:
                if op in ("is", "is not") and "None" not in (left, right):
                    # refused at load (RP202), so there is nothing for the engines to run
                    with pytest.raises(CompileError, match="only with `None`"):
                        compile_text(f"{left} {op} {right}")
                    continue
                for limits in (DEFAULT_LIMITS, SMALL_LIMITS) if op in ("+", "*", "**") \
                        else (DEFAULT_LIMITS,):
                    try:
                        assert_agree(f"{left} {op} {right}", TIDY, limits=limits)
                    except AssertionError as exc:
                        failures.append(str(exc))
    for op in UNARY:
        for operand in OPERANDS:
            try:
                assert_agree(f"{op}{operand}", TIDY)
            except AssertionError as exc:
                failures.append(str(exc))
    assert not failures, f"{len(failures)} disagreements, the first ones:\n" + "\n\n".join(
        failures[:5])


@st.composite
def unparenthesized(draw: st.DrawFn) -> str:
    """``a op b op c`` with unary operators and ``x if c else y`` mixed in, no parentheses."""
    def operand() -> str:
        return draw(st.sampled_from(["", "", "-", "not ", "+"])) + draw(st.sampled_from(OPERANDS))

    text = operand()
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(BINARY + ["if"]))
        if op == "if":
            text = f"{text} if {operand()} else {operand()}"
        else:
            text = f"{text} {op} {operand()}"
    return text


@settings(max_examples=300, **PROFILE)
@example(text="-1 ** 2", limits=DEFAULT_LIMITS)
@example(text="not 1 == 2 if 3 else 4", limits=DEFAULT_LIMITS)
@example(text="2 ** -1 ** 2", limits=DEFAULT_LIMITS)
@given(text=unparenthesized(), limits=st.sampled_from([DEFAULT_LIMITS, SMALL_LIMITS]))
def test_precedence_survives_compilation(text: str, limits: Limits) -> None:
    """Operators written without parentheses compile to the same tree and the same result."""
    try:
        compile_text(text, limits)
    except CompileError:
        assume(False)
        return
    assert_agree(text, TIDY, limits=limits)


# -- 2. verdicts of whole packs -----------------------------------------------------------------

Call = Callable[[rulepack.Library], Any]


def _jsonish(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr, indent=1)


def assert_same_evaluation(compiled: rulepack.Library, sandbox: rulepack.Library, call: Call,
                           where: str) -> None:
    """``call`` gives the same verdict(s) in both libraries, or raises the same error.

    Any exception counts: one escaping evaluate() that is not a RulepackError is a bug of its
    own, but not a disagreement between the engines when both raise it alike.
    """
    results = []
    for library in (compiled, sandbox):
        try:
            results.append(("value", call(library)))
        except Exception as exc:
            results.append(("raised", (type(exc), str(exc))))
    (kind_fast, fast), (kind_slow, slow) = results
    assert kind_fast == kind_slow, f"{where}\n  compiled: {fast!r}\n  sandbox: {slow!r}"
    if kind_fast == "raised":
        assert fast == slow, where
        return
    fast_verdicts = fast if isinstance(fast, list) else [fast]
    slow_verdicts = slow if isinstance(slow, list) else [slow]
    assert [v.pack for v in fast_verdicts] == [v.pack for v in slow_verdicts], where
    for one, other in zip(fast_verdicts, slow_verdicts, strict=True):
        for lang in ("zh", "en"):
            mine, theirs = one.to_dict(lang), other.to_dict(lang)
            assert same_value(mine, theirs), \
                f"{where}: {one.pack} to_dict({lang!r})\ncompiled: {_jsonish(mine)}\n" \
                f"sandbox: {_jsonish(theirs)}"
            assert one.explain(lang) == other.explain(lang), \
                f"{where}: {one.pack} explain({lang!r})\ncompiled:\n{one.explain(lang)}\n" \
                f"sandbox:\n{other.explain(lang)}"


@functools.lru_cache(maxsize=1)
def bundled_libraries() -> tuple[rulepack.Library, rulepack.Library]:
    compiled, sandbox = rulepack.load(), rulepack.load(engine="sandbox")
    assert (compiled.engine, sandbox.engine) == ("compiled", "sandbox")
    return compiled, sandbox


# A few edits that break a valid document: a value of another type, or a key removed.
mutations = st.lists(st.tuples(st.integers(0, 2**16), st.one_of(st.just("delete"), ANY_VALUE)),
                     max_size=3)


@functools.cache
def _pack_facts(pack_id: str) -> st.SearchStrategy[dict[str, Any]]:
    from rulepack.testing import facts_for

    return facts_for(pack_id, bundled_libraries()[0])


@settings(max_examples=10, **PROFILE)
@pytest.mark.parametrize("pack_id", bundled_libraries()[0].ids)
@given(data=st.data(), edits=mutations)
def test_bundled_pack_verdicts_agree(pack_id: str, data: st.DataObject,
                                     edits: list[tuple[int, Any]]) -> None:
    """Property 2: each bundled pack gives the same verdict on both engines.

    Documents come from ``rulepack.testing.facts_for`` (the pack's facts, numbers next to its
    thresholds, dates next to as_of, a few facts left out), then up to three edits put values
    of the wrong type in or remove keys; evaluation skips validation, as batch callers may.
    """
    document = edited(data.draw(_pack_facts(pack_id), label="document"), edits,
                      top_level=True)
    note(f"document: {document!r}")
    compiled, sandbox = bundled_libraries()
    assert_same_evaluation(compiled, sandbox,
                           lambda lib: lib.evaluate(pack_id, document, validate=False), pack_id)


# -- holes inside list records -------------------------------------------------------------------

def _expression_texts(pack_id: str) -> list[str]:
    """The text of every expression of every version of one bundled pack."""
    from rulepack.engine.interpreter import atoms_of, expressions_of

    texts: list[str] = []
    for pack in models_of(bundled_libraries()[0]).versions(pack_id):
        texts += [atom.expr.text for atom in atoms_of(pack)]
        texts += [expr.text for expr in expressions_of(pack)]
    return texts


# The bundled packs whose expressions look into a list of records.
LIST_PACKS = sorted({
    pack_id for pack_id in bundled_libraries()[0].ids
    if any("for " in text for text in _expression_texts(pack_id))})


def _list_fields(document: Any) -> list[tuple[list[Any], int, str]]:
    """Every field of every record of every list in ``document``: (the list, the record's
    index, the field's key)."""
    out: list[tuple[list[Any], int, str]] = []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, dict):
                    out.extend((value, index, key) for key in item)
                    stack.append(item)
    return out


HOLES_AS_OF = dt.datetime(2026, 5, 20, 10, tzinfo=CHINA_TZ)


def _looped_lists(pack_id: str) -> list[str]:
    """The fact lists the pack's comprehensions loop over."""
    found = {match for text in _expression_texts(pack_id)
             for match in re.findall(r"for \w+ in ([a-z_.]+)", text)}
    return sorted(path for path in found if path in SCHEMA.fields)


def _record_value(draw: st.DrawFn, path: str) -> Any:
    """A valid value of one field of a list record, near the thresholds packs use: small
    counts and points, dates within a year or so of HOLES_AS_OF."""
    info = SCHEMA.fields[path]
    if info.enum is not None:
        return draw(st.sampled_from(info.enum))
    if info.kind == "boolean":
        return draw(st.booleans())
    if info.kind in ("integer", "number"):
        return draw(st.integers(0, 13))
    if info.kind == "date":
        return (HOLES_AS_OF.date() + dt.timedelta(days=draw(st.integers(-500, 30)))).isoformat()
    return draw(st.sampled_from(["a", "x y", ""]))


@st.composite
def holed_documents(draw: st.DrawFn, pack_id: str) -> dict[str, Any]:
    """A document of ``pack_id`` whose looped-over lists hold 0-6 complete records, then holes:
    fields removed or nulled in some records, and sometimes a list emptied; the other records
    stay complete."""
    document = copy.deepcopy(draw(_pack_facts(pack_id), label="document"))
    document.pop("as_of", None)
    for path in _looped_lists(pack_id):
        item = SCHEMA.fields[path].item_path
        fields = [p for p in SCHEMA.fields if p.startswith(f"{item}.") and "." not in
                  p[len(item) + 1:] and SCHEMA.fields[p].kind not in ("object", "array")]
        records = [{field.rsplit(".", 1)[-1]: _record_value(draw, field) for field in fields}
                   for _ in range(draw(st.integers(0, 6)))]
        parent: Any = document
        *heads, last = path.split(".")
        for head in heads:
            if not isinstance(parent.get(head), dict):
                parent[head] = {}
            parent = parent[head]
        parent[last] = records
    for _ in range(draw(st.integers(1, 3))):
        fields = _list_fields(document)
        if not fields:
            break
        items, index, key = draw(st.sampled_from(fields))
        record = items[index]
        if key not in record:
            continue  # removed by an earlier hole
        hole = draw(st.sampled_from(["absent", "absent", "absent", "null", "empty list"]))
        if hole == "absent":
            del record[key]
        elif hole == "null":
            record[key] = None
        else:
            items.clear()
    return document


@settings(max_examples=25, **PROFILE)
@pytest.mark.parametrize("pack_id", LIST_PACKS)
@given(data=st.data())
def test_holes_in_list_records_agree(pack_id: str, data: st.DataObject) -> None:
    """Property 2 where issue 13 changed the meaning: documents complete but for holes inside
    list records (absent fields, nulls, empty lists), on which known records decide what they
    can. The compiled path gives the reference's verdict, words and JSON."""
    document = data.draw(holed_documents(pack_id), label="holed")
    note(f"document: {document!r}")
    compiled, sandbox = bundled_libraries()
    assert_same_evaluation(
        compiled, sandbox,
        lambda lib: lib.evaluate(pack_id, document, as_of=HOLES_AS_OF, validate=False), pack_id)
    assert_same_json(compiled, sandbox, pack_id, document)


def assert_same_json(compiled: rulepack.Library, sandbox: rulepack.Library, pack_id: str,
                     document: Mapping[str, Any]) -> None:
    """The JSON the direct writer gives of both verdicts is the same text."""
    texts = []
    for library in (compiled, sandbox):
        verdict = library.evaluate(pack_id, document, as_of=HOLES_AS_OF, validate=False)
        texts.append([verdict.to_json(lang) for lang in ("zh", "en")])
    assert texts[0] == texts[1], pack_id


def test_holes_generator_makes_lists_with_holes_that_packs_read() -> None:
    """The generator above is not vacuous: the packs it runs on read lists of records, and
    a hole it can make is one a list quantifier meets."""
    assert {"xingtu.conduct", "xingtu.penalty_points", "kuaishou.signing.risk_warning",
            "kuaishou.signing.qualification"} <= set(LIST_PACKS)
    document = {"account": {"violations": [{"type": "private_order"}, {"points": 1}]}}
    assert [(index, key) for _, index, key in _list_fields(document)] == [(0, "type"),
                                                                         (1, "points")]


def demo_pack(name: str, quote: str, body: str) -> str:
    """A small pack ``demo.<name>`` of one account's facts, citing ``quote``: its header, then
    ``body`` (its params and rules)."""
    return (f"id: demo.{name}\nversion: 1.0.0\neffective_from: 2026-01-01\nsubject: account\n"
            "title: {zh: 演示, en: Demo}\ndescription: {zh: 演示包, en: A demo pack}\n"
            f"sources: [{{seed: s.txt, quote: {quote}}}]\n") + body


def on_both_engines(folder: Path, name: str, text: str,
                    document: dict[str, Any]) -> list[rulepack.Verdict]:
    """The verdicts of pack ``demo.<name>`` (``text``, written to ``folder``) on ``document``,
    the compiled engine's first, then the sandbox's."""
    (folder / f"demo.{name}.yaml").write_text(text, encoding="utf-8")
    return [rulepack.load(folder, engine=engine).evaluate(
        f"demo.{name}", document, as_of=HOLES_AS_OF, validate=False)
        for engine in ("compiled", "sandbox")]


LOOK_PACK = demo_pack("look", "违规", """\
rules:
  - id: tally
    kind: output
    title: {zh: 违规, en: Violations}
    source: {seed: s.txt, quote: 违规}
    set:
      heavy: "count([v for v in account.violations if v.type == 'fake_traffic' and v.points > 2])"
  - id: few
    title: {zh: 违规, en: Violations}
    source: {seed: s.txt, quote: 违规}
    require: result.heavy <= 1
""")


def test_a_look_reads_complete_records_as_evaluation_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A look into a list with a hole reads each complete record whole, as evaluating the
    comprehension over it alone would: the first record's `points` is text, which `> 2` would
    fail on, but its type already leaves it out, as Python's `and` does; only the second
    record, which lacks its type, is looked at node by node. So the count is 0 or 1, and the
    check decided. Both engines agree; the compiled one reads records by compiled code (the
    sandbox's reading is made to fail, and the compiled engine does not meet it)."""
    document = {"account": {"violations": [
        {"type": "private_order", "points": "oops"}, {"points": 5},
        {"type": "fake_traffic", "points": 1}]}}
    verdicts = on_both_engines(tmp_path, "look", LOOK_PACK, document)
    for verdict in verdicts:
        assert verdict.outcome == "pass"
        assert [r.status for r in verdict.reasons] == ["unknown", "pass"]
        assert verdict.missing == ("account.violations[1].type",)
    assert verdicts[0].to_json("en") == verdicts[1].to_json("en")

    def refused(*args: Any) -> Any:
        raise AssertionError("the sandbox read a record whole")

    monkeypatch.setattr(Sandbox, "alone", refused)
    compiled = rulepack.load(tmp_path).evaluate("demo.look", document, as_of=HOLES_AS_OF,
                                                validate=False)
    assert compiled.outcome == "pass"
    with pytest.raises(AssertionError, match="read a record whole"):
        rulepack.load(tmp_path, engine="sandbox").evaluate(
            "demo.look", document, as_of=HOLES_AS_OF, validate=False)


def test_a_look_reads_records_by_nodes_where_their_filter_reads_the_list_again(
        tmp_path: Path) -> None:
    """A filter that reads the list it loops over (its length here) cannot be read record by
    record alone, where the record would stand for the whole list: two records certainly
    count (3 records, more than 2), so `result.n <= 1` fails on both engines, whatever the
    third record's points."""
    pack = LOOK_PACK.replace(
        "count([v for v in account.violations if v.type == 'fake_traffic' and v.points > 2])",
        "count([v for v in account.violations if v.points > 0 and count(account.violations) > 2])")
    document = {"account": {"violations": [{"points": 3}, {"points": 4}, {"type": "x"}]}}
    for engine, verdict in zip(("compiled", "sandbox"),
                               on_both_engines(tmp_path, "look", pack, document), strict=True):
        assert verdict.outcome == "fail", engine
        assert verdict.missing == ("account.violations[2].points",)


BESIDE_PACK = demo_pack("beside", "封禁", """\
params:
  content_types: [vulgar, infringement]
  other_types: [fake_traffic]
rules:
  - id: type_in_category
    title: {zh: 封禁, en: Ban}
    source: {seed: s.txt, quote: 封禁}
    require:
      all:
        - >-
          account.ban.type in (params.content_types if account.ban.category == 'content'
          else params.other_types)
        - account.ban.level < account.fans
        - "account.ban.level >= (2 if account.ban.category == 'content' else 1)"
""")


@pytest.mark.parametrize("account", [
    {"fans": 5}, {"fans": 5, "ban": None}, {"fans": 5, "ban": {}},
    {"fans": 5, "ban": {"category": "content"}}, {"ban": {"type": "vulgar", "level": 9}},
    {"fans": 5, "ban": {"type": "vulgar", "category": "content", "level": 2}},
])
def test_atoms_whose_facts_share_one_absent_object_agree(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, account: dict[str, Any]) -> None:
    """An atom reading several facts of one object (account.ban), the one read first among
    them, is unknown on them all when the object is absent, in the order the interpreter finds
    them; an atom that also reads a fact elsewhere (account.fans) is not. Both engines agree
    on every document, and on the one without a ban the compiled engine takes the first atom's
    record as it stands, without the interpreter's search for missing facts."""
    document = {"account": account}
    verdicts = on_both_engines(tmp_path, "beside", BESIDE_PACK, document)
    for lang in ("en", "zh"):
        assert verdicts[0].to_json(lang) == verdicts[1].to_json(lang)
    assert verdicts[0].missing == verdicts[1].missing
    if "ban" not in account:
        assert verdicts[0].missing == (
            "account.ban.type", "account.ban.category", "account.ban.level")
        searched: list[str] = []
        search = interpreter._Run.missing_check

        def spy(run: Any, site: Any, expr: Any, first: str) -> Any:
            searched.append(expr.text)
            return search(run, site, expr, first)

        monkeypatch.setattr(interpreter._Run, "missing_check", spy)
        again = rulepack.load(tmp_path).evaluate("demo.beside", document, as_of=HOLES_AS_OF,
                                                 validate=False)
        assert again.to_json("en") == verdicts[0].to_json("en")
        assert searched == ["account.ban.level < account.fans"]


FIRST_READ_PACK = demo_pack("first", "封禁", """\
params:
  zero: 0
rules:
  - id: hours
    title: {zh: 封禁, en: Ban}
    source: {seed: s.txt, quote: 封禁}
    require: hours_between(account.ban.started_at, as_of) > 1
  - id: fails_first
    title: {zh: 封禁, en: Ban}
    source: {seed: s.txt, quote: 封禁}
    require: clamp(1 / params.zero, 3, account.ban.level) > 1
  - id: fails_after
    title: {zh: 封禁, en: Ban}
    source: {seed: s.txt, quote: 封禁}
    require: clamp(account.ban.level, 1 / params.zero, 3) > 1
""")


def test_an_atom_that_fails_before_it_reads_its_fact_says_so(tmp_path: Path) -> None:
    """Without the object that holds an atom's one fact, the atom is that fact's missing
    record only when evaluation begins by reading it (the first argument of a call); an atom
    that divides by zero first fails with that error, on both engines."""
    verdicts = on_both_engines(tmp_path, "first", FIRST_READ_PACK, {"account": {"fans": 1}})
    for lang in ("en", "zh"):
        assert verdicts[0].to_json(lang) == verdicts[1].to_json(lang)
    checks = [reason.checks[0] for reason in verdicts[0].reasons]
    assert [check.missing for check in checks] == [
        ("account.ban.started_at",), (), ("account.ban.level",)]
    assert checks[1].error is not None and "zero" in checks[1].error


@functools.lru_cache(maxsize=1)
def _schema_facts() -> st.SearchStrategy[dict[str, Any]]:
    from rulepack.testing import facts_for_schema

    return facts_for_schema(near=bundled_libraries()[0])


@st.composite
def schema_documents(draw: st.DrawFn) -> dict[str, Any]:
    return draw(_schema_facts())


@settings(max_examples=40, **PROFILE)
@given(document=schema_documents(), edits=mutations, as_of=st.sampled_from(MOMENTS))
def test_evaluate_all_agrees(document: dict[str, Any], edits: list[tuple[int, Any]],
                             as_of: dt.datetime) -> None:
    """Property 2, every pack at once: ``evaluate_all`` on documents over the whole schema."""
    document = edited(document, edits, top_level=True)
    note(f"document: {document!r}")
    compiled, sandbox = bundled_libraries()
    assert_same_evaluation(
        compiled, sandbox, lambda lib: lib.evaluate_all(document, as_of=as_of, validate=False),
        "evaluate_all")


BUNDLED_TEST_FILES = sorted((ROOT / "rules").rglob("*.test.yaml"))


@pytest.mark.parametrize("path", BUNDLED_TEST_FILES, ids=lambda p: p.name)
def test_bundled_test_cases_agree(path: Path) -> None:
    """Every case of the bundled test files gives the same verdict on both engines."""
    data = yaml_reader.load(path.read_text(encoding="utf-8")).data
    compiled, sandbox = bundled_libraries()
    assert data["cases"], f"{path.name} has no cases"
    for case in data["cases"]:
        assert_same_evaluation(
            compiled, sandbox,
            lambda lib, case=case: lib.evaluate(
                data["pack"], case["facts"], as_of=_as_of_of(case), version=case.get("version")),
            f"{path.name}::{case['name']}")


def _as_of_of(case: Mapping[str, Any]) -> Any:
    """The case's as_of; without one (and none in the facts), a fixed instant rather than now,
    which would differ between the two evaluations."""
    facts = case.get("facts")
    if case.get("as_of") is not None or (isinstance(facts, Mapping) and "as_of" in facts):
        return case.get("as_of")
    return MOMENTS[0]


# -- generated packs ----------------------------------------------------------------------------

# Params of generated packs: pack params are scalars or lists of scalars, never null, finite
# (RP209) and without control characters (RP102). The names stay, so that the expressions
# drawn for single evaluation read them in packs too; 1e308 still overflows to infinity.
PACK_PARAMS = {name: value for name, value in PARAMS.items() if name not in ("none", "mixed")}
PACK_PARAMS.update(quote="it's \"q\" \\ 粉\u2028", inf=1e308, nan=-1e308, nans=[1.5, -1e308])
# Table outputs that read no fact: params (a float too, and an infinite one, which no result
# field keeps), a list, and arithmetic of literals (one of them failing).
CONSTANT_OUTPUTS = ["params.n", "params.s", "params.f", "params.inf", "params.nums",
                    "params.n * 2 + 1", "7 // 2", "1 / params.zero"]
FALLBACK = {"bool": "account.fans >= params.n", "number": "account.fans - params.n",
            "any": "account.platform"}


class PackGrammar:
    """Random packs of every rule kind whose expressions load: each one is drawn from the
    expression grammar and kept only if it compiles and passes the loader's kind checks."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.results: list[str] = []

    def expression(self, kind: str) -> str:
        for _ in range(4):
            wanted = self.draw(st.sampled_from(KINDS)) if kind == "any" else kind
            text = Grammar(self.draw, tuple(self.results)).expr(
                wanted, self.draw(st.integers(0, 2)))
            if self.loads(text):
                return text
        return FALLBACK[kind]

    def loads(self, text: str) -> bool:
        scope = CompileScope(facts=SCHEMA.fields, params=PACK_PARAMS,
                             results=frozenset(self.results))
        try:
            compiled = compile_expression(text, scope)
        except CompileError:
            return False
        return not check_types(compiled, SCHEMA.fields)

    def atom(self) -> str:
        """An atom of the shapes packs are written in: a boolean fact, its negation, a fact
        against a threshold (either way round), a null test, a membership."""
        number = self.draw(st.sampled_from(INT_FACTS + NUMBER_FACTS))
        threshold = self.draw(st.sampled_from(["params.n", "params.f", "0", "1", "-1", "100000",
                                               "0.5", "params.big", "params.inf"]))
        op = self.draw(st.sampled_from(COMPARE_OPS))
        flag = self.draw(st.sampled_from(BOOL_FACTS))
        return self.draw(st.sampled_from([
            flag, f"not {flag}", f"not {flag}",
            f"{number} {op} {threshold}", f"{number} {op} {threshold}",
            f"{threshold} {op} {number}",
            f"{self.draw(st.sampled_from(FACTS))} is "
            f"{self.draw(st.sampled_from(['', 'not ']))}None",
            f"account.platform {self.draw(st.sampled_from(['in', 'not in']))} params.lst",
            f"{self.draw(st.sampled_from(DATE_FACTS))} {op} today",
            # Over the power limit for many documents: the check is unknown with RP505.
            f"{number} ** 2 {op} {threshold}",
            # A fact against what other facts of its object make (kuaishou.ban.level's shape).
            self.draw(st.sampled_from(SIBLING_ATOMS)).format(op=op),
        ]))

    def condition(self, depth: int) -> Any:
        form = self.draw(st.sampled_from(["expr", "expr", "atom", "atom", "atom", "labelled",
                                          "constant"]
                                         + (["all", "any", "not"] if depth > 0 else [])))
        if form == "atom":
            text = self.atom()
            return text if self.loads(text) else FALLBACK["bool"]
        if form == "expr":
            return self.expression("bool")
        if form == "labelled":
            return {"expr": self.expression("bool"), "label": {"zh": "值", "en": "value"}}
        if form == "constant":
            return self.draw(st.booleans())
        if form == "not":
            return {"not": self.condition(depth - 1)}
        return {form: [self.condition(depth - 1) for _ in range(self.draw(st.integers(1, 3)))]}

    def fresh(self) -> str:
        return f"r{len(self.results) + len(self.pending)}"

    def rule(self, index: int) -> dict[str, Any]:
        rule: dict[str, Any] = {"id": f"rule{index}", "title": {"zh": "规则", "en": "rule"},
                                "source": {"seed": "s.txt", "quote": "q"}}
        self.pending: list[str] = []
        if self.draw(st.integers(0, 2)) == 0:
            rule["when"] = self.condition(1)
        kind = self.draw(st.sampled_from(["check", "check", "output", "table", "score"]))
        if kind == "check":
            rule["require"] = self.condition(2)
            if self.draw(st.booleans()):
                rule["set"] = self.assignments()
        elif kind == "output":
            rule.update(kind="output", set=self.assignments())
        elif kind == "table":
            policy = self.draw(st.sampled_from(["unique", "first", "priority", "collect"]))
            outputs = [self.claim() for _ in range(self.draw(st.integers(1, 2)))]
            rows = []
            for row_index in range(self.draw(st.integers(1, 3))):
                row: dict[str, Any] = {"id": f"R{row_index}", "then": {}}
                if self.draw(st.integers(0, 3)):
                    row["when"] = self.condition(1)
                for name in outputs:
                    # An expression, one of params and literals alone (which a decided table
                    # evaluates once: Plan.table_shortcut), or a constant.
                    output = self.draw(st.integers(0, 4))
                    row["then"][name] = {"expr": self.expression("any")} if output < 2 else \
                        {"expr": self.draw(st.sampled_from(CONSTANT_OUTPUTS))} \
                        if output < 4 else self.draw(st.sampled_from([1, "A", 0, ["A", 1]]))
                if policy == "priority":
                    row["priority"] = self.draw(st.integers(0, 2))
                rows.append(row)
            rule.update(kind="table", hit_policy=policy, outputs=outputs, rows=rows)
        else:
            score, lost = self.claim(), self.claim()
            deductions = []
            for number in range(self.draw(st.integers(1, 2))):
                deduction: dict[str, Any] = {"id": f"d{number}",
                                             "points": self.expression("number")}
                if self.draw(st.booleans()):
                    deduction["when"] = self.condition(1)
                deductions.append(deduction)
            rule.update(kind="score", start=self.expression("number"), deductions=deductions,
                        into={"score": score, "deducted": lost})
            for key in ("floor", "ceiling"):
                if self.draw(st.booleans()):
                    rule[key] = self.expression("number")
        self.results.extend(self.pending)
        if kind == "score" and self.draw(st.booleans()):
            rule["pass_if"] = self.expression("bool")
        return rule

    def claim(self) -> str:
        """A field for the rule to set: a new one, or now and then one an earlier rule sets
        too (which this rule's expressions may then read: a field set by two rules)."""
        earlier = [name for name in self.results if name not in self.pending]
        if earlier and self.draw(st.integers(0, 3)) == 0:
            name = self.draw(st.sampled_from(earlier))
        else:
            name = self.fresh()
        self.pending.append(name)
        return name

    def assignments(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for _ in range(self.draw(st.integers(1, 2))):
            text = self.expression("any")
            out[self.claim()] = text
        return out


@st.composite
def generated_packs(draw: st.DrawFn) -> dict[str, Any]:
    grammar = PackGrammar(draw)
    pack: dict[str, Any] = {
        "id": "fast.generated", "version": "1.0.0", "effective_from": "2000-01-01",
        "subject": draw(st.sampled_from(["account", "organization", "task"])),
        "title": {"zh": "生成的包", "en": "generated pack"},
        "description": {"zh": "随机规则", "en": "random rules"},
        "sources": [{"seed": "s.txt", "quote": "q"}], "params": PACK_PARAMS,
    }
    if draw(st.integers(0, 4)) == 0:
        pack["when"] = grammar.condition(1)
    pack["rules"] = [grammar.rule(index) for index in range(draw(st.integers(1, 4)))]
    return pack


def load_both(pack: dict[str, Any], limits: Limits = DEFAULT_LIMITS, *, noted: bool = True) \
        -> tuple[rulepack.Library, rulepack.Library]:
    text = yaml.safe_dump(pack, allow_unicode=True, sort_keys=False, width=1000)
    if noted:  # (inside a hypothesis test only)
        note(f"pack:\n{text}")
    with tempfile.TemporaryDirectory(prefix="rulepack-fast-") as folder:
        path = Path(folder) / "pack.yaml"
        path.write_text(text, encoding="utf-8")
        return (rulepack.load(path, limits=limits),
                rulepack.load(path, limits=limits, engine="sandbox"))


@settings(max_examples=100, **PROFILE)
@given(pack=generated_packs(), documents=st.lists(fact_documents(), min_size=1, max_size=3),
       as_of=st.sampled_from(MOMENTS), limits=st.sampled_from([DEFAULT_LIMITS, SMALL_LIMITS]))
def test_generated_pack_verdicts_agree(pack: dict[str, Any], documents: list[dict[str, Any]],
                                       as_of: dt.datetime, limits: Limits) -> None:
    """Property 2 on random packs: conditions of every shape (all / any / not, labelled atoms,
    comparisons with facts on either side, negations, constants), assignments, table rows of
    every hit policy, score rules, and result fields read by later rules, with expressions from
    the grammar of property 1, on partial and wrongly typed documents, under the default and
    small limits (so that guards fire: RP505)."""
    compiled, sandbox = load_both(pack, limits)
    for document in documents:
        note(f"document: {document!r}")
        assert_same_evaluation(
            compiled, sandbox,
            lambda lib, document=document: lib.evaluate(
                "fast.generated", document, as_of=as_of, validate=False), "generated pack")


def _rule(rule_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": rule_id, "title": {"zh": "规则", "en": "rule"},
            "source": {"seed": "s.txt", "quote": "q"}, **fields}


# Rules that read a field they set, or set one an earlier rule set too: compiled code must
# leave the interpreter the field as it was when a rule is handed over, and a score rule's own
# fields read null while it is evaluated. (Each field below is the value both engines give.)
SHARED_FIELDS = {
    "an output that increments a field, then stops": (
        [_rule("a", kind="output", set={"x": "1"}),
         _rule("b", kind="output", when={"expr": "1 == 1"},
               set={"x": "result.x + 1", "y": "account.fans + 1"})],
        {"x": 2, "y": None}),
    "the same without a when": (
        [_rule("a", kind="output", set={"x": "1"}),
         _rule("b", kind="output", set={"x": "result.x + 1", "y": "account.fans + 1"})],
        {"x": 2, "y": None}),
    "a check that increments a field, then stops": (
        [_rule("a", kind="output", set={"x": "1"}),
         _rule("b", when={"expr": "1 == 1"}, require={"expr": "1 == 1"},
               set={"x": "result.x + 1", "y": "account.fans + 1"})],
        {"x": 2, "y": None}),
    "an output whose when reads the field it sets": (
        [_rule("a", kind="output", set={"x": "5"}),
         _rule("b", kind="output", when={"expr": "result.x > 3"},
               set={"x": "2", "y": "account.fans"})],
        {"x": 2, "y": None}),
    "a score that starts from its own field": (
        [_rule("a", kind="output", set={"s": "10"}),
         _rule("b", kind="score", start="result.s", deductions=[{"id": "d", "points": "1"}],
               into={"score": "s"})],
        {"s": None}),
    "a score whose when reads its own field, then fails": (
        [_rule("a", kind="output", set={"s": "1"}),
         _rule("b", kind="score", when={"expr": "result.s == 1"}, start="result.s",
               deductions=[{"id": "d", "points": "1"}], into={"score": "s"})],
        {"s": None}),
    "a score whose deduction reads its own deducted field": (
        [_rule("a", kind="output", set={"lost": "0"}),
         _rule("b", kind="score", start="10",
               deductions=[{"id": "d", "points": "4", "when": {"expr": "result.lost == 0"}}],
               into={"score": "s", "deducted": "lost"})],
        {"lost": 0, "s": 10}),
}


def test_a_rule_skipped_by_a_constant_when_compiles() -> None:
    """A table a constant `when: false` skips, whose row reads a loop item's field (found by
    the generated packs: compiling it failed on the field's place in the schema)."""
    pack = {"id": "fast.skipped", "version": "1.0.0", "effective_from": "2000-01-01",
            "subject": "account", "title": {"zh": "包", "en": "pack"},
            "description": {"zh": "包", "en": "pack"},
            "sources": [{"seed": "s.txt", "quote": "q"}], "params": PACK_PARAMS,
            "rules": [_rule("a", when=False, kind="table", hit_policy="priority",
                            outputs=["r"], rows=[{"id": "R", "priority": 0, "then": {"r": {
                                "expr": "[(as_of and v.points) for v in account.violations]"}}}])]}
    compiled, sandbox = load_both(pack, noted=False)
    document = {"account": {"violations": []}}
    assert_same_evaluation(
        compiled, sandbox,
        lambda lib: lib.evaluate("fast.skipped", document, as_of=MOMENTS[0], validate=False),
        "skipped table")


@pytest.mark.parametrize("name", list(SHARED_FIELDS))
def test_rules_that_read_or_share_their_own_fields_agree(name: str) -> None:
    rules, expected = SHARED_FIELDS[name]
    pack = {"id": "fast.shared", "version": "1.0.0", "effective_from": "2000-01-01",
            "subject": "account", "title": {"zh": "包", "en": "pack"},
            "description": {"zh": "包", "en": "pack"},
            "sources": [{"seed": "s.txt", "quote": "q"}], "rules": rules}
    compiled, sandbox = load_both(pack, noted=False)
    document = {"account": {"platform": "douyin"}}
    for library in (compiled, sandbox):
        verdict = library.evaluate("fast.shared", document, as_of=MOMENTS[0], validate=False)
        assert {k: verdict.result.get(k) for k in expected} == expected
    assert_same_evaluation(
        compiled, sandbox,
        lambda lib: lib.evaluate("fast.shared", document, as_of=MOMENTS[0], validate=False),
        name)


# -- conformance packs --------------------------------------------------------------------------

CONFORMANCE_FILES = sorted(CONFORMANCE.glob("*.yaml"))


@functools.cache
def _read_conformance(path: Path) -> dict[str, Any]:
    data = yaml_reader.load(path.read_text(encoding="utf-8")).data
    assert isinstance(data, dict) and data.get("cases"), f"{path.name} has no cases"
    return data


def _write_packs(packs: list[Any], folder: Path) -> None:
    """The packs of a conformance file as tests/test_conformance.py writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, pack in enumerate(packs):
        if isinstance(pack, str):
            text, stem = pack, f"pack{index:02d}"
        else:
            plain = json.loads(json.dumps(pack, ensure_ascii=False))
            text = yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=1000)
            stem = f"{index:02d}-{pack.get('id', 'pack')}-{pack.get('version', '')}"
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")


@functools.cache
def conformance_libraries(name: str, limits: tuple[tuple[str, Any], ...] = ()) \
        -> tuple[rulepack.Library, rulepack.Library]:
    """The packs of one conformance file, loaded for each engine."""
    data = _read_conformance(CONFORMANCE / name)
    chosen = Limits(**dict(limits))
    with tempfile.TemporaryDirectory(prefix="rulepack-fast-") as folder:
        _write_packs(data.get("packs") or [], Path(folder) / "rules")
        return (rulepack.load(Path(folder) / "rules", limits=chosen),
                rulepack.load(Path(folder) / "rules", limits=chosen, engine="sandbox"))


def _evaluation_cases(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [case for case in data["cases"]
            if "pack_text" not in case and "pack_files" not in case and "facts" in case]


@pytest.mark.parametrize("path", CONFORMANCE_FILES, ids=lambda p: p.name)
def test_conformance_cases_agree(path: Path) -> None:
    """Every evaluation case of tests/conformance gives the same verdict(s) on both engines."""
    data = _read_conformance(path)
    cases = _evaluation_cases(data)
    if not cases:
        pytest.skip(f"{path.name} holds load cases only")
    ids = list(dict.fromkeys(p["id"] if isinstance(p, dict) else yaml.safe_load(p)["id"]
                             for p in data.get("packs") or []))
    for case in cases:
        limits = tuple(sorted((case.get("limits") or {}).items()))
        compiled, sandbox = conformance_libraries(path.name, limits)
        pack_id = case.get("pack") or ids[0]
        call: Call
        if case.get("call") == "evaluate_all":
            def call(lib: rulepack.Library, case: Any = case) -> Any:
                return lib.evaluate_all(case["facts"], as_of=_as_of_of(case))
        else:
            def call(lib: rulepack.Library, case: Any = case, pack_id: str = pack_id) -> Any:
                return lib.evaluate(pack_id, case["facts"], as_of=_as_of_of(case),
                                    version=case.get("version"))
        assert_same_evaluation(compiled, sandbox, call, f"{path.name}::{case['name']}")


@functools.cache
def _conformance_packs() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path in CONFORMANCE_FILES:
        if _evaluation_cases(_read_conformance(path)):
            out.extend((path.name, pack_id) for pack_id in conformance_libraries(path.name)[0].ids)
    return out


@functools.cache
def _conformance_facts(name: str, pack_id: str) -> st.SearchStrategy[dict[str, Any]]:
    from rulepack.testing import facts_for

    return facts_for(pack_id, conformance_libraries(name)[0])


@settings(max_examples=5, **PROFILE)
@pytest.mark.parametrize(("name", "pack_id"), _conformance_packs())
@given(data=st.data(), edits=mutations)
def test_conformance_pack_verdicts_agree(name: str, pack_id: str, data: st.DataObject,
                                         edits: list[tuple[int, Any]]) -> None:
    """Property 2 on the conformance packs (every hit policy, scores, outputs, dates, errors),
    with generated and then broken documents as for the bundled packs."""
    document = edited(data.draw(_conformance_facts(name, pack_id), label="document"),
                      edits, top_level=True)
    note(f"document: {document!r}")
    compiled, sandbox = conformance_libraries(name)
    assert_same_evaluation(compiled, sandbox,
                           lambda lib: lib.evaluate(pack_id, document, validate=False),
                           f"{name}: {pack_id}")


@functools.cache
def _conformance_list_packs() -> list[tuple[str, str]]:
    """The conformance packs that loop over a list or read a result field (a collected list,
    a score): those holes in list records reach."""
    out: list[tuple[str, str]] = []
    for name, pack_id in _conformance_packs():
        models = models_of(conformance_libraries(name)[0])
        texts = [text for pack in models.versions(pack_id) for text in
                 (*(a.expr.text for a in interpreter.atoms_of(pack)),
                  *(e.text for e in interpreter.expressions_of(pack)))]
        if any("for " in text for text in texts) and any("result." in t for t in texts):
            out.append((name, pack_id))
    return out


@settings(max_examples=40, **PROFILE)
@pytest.mark.parametrize(("name", "pack_id"), _conformance_list_packs())
@given(data=st.data())
def test_conformance_packs_with_list_holes_agree(name: str, pack_id: str,
                                                 data: st.DataObject) -> None:
    """Property 2 where later rules read what incomplete lists left known: a collected list
    known in part, a count's interval, a score with a deduction whose `when` is open, on
    complete documents with holes in their list records (``facts_for(..., holes=True)``)."""
    from rulepack.testing import facts_for

    compiled, sandbox = conformance_libraries(name)
    document = data.draw(facts_for(pack_id, compiled, complete=True, holes=True),
                         label="holed")
    note(f"document: {document!r}")
    assert_same_evaluation(compiled, sandbox,
                           lambda lib: lib.evaluate(pack_id, document), f"{name}: {pack_id}")


def test_list_hole_packs_include_the_readers_of_collected_lists_and_open_scores() -> None:
    assert {("quantifiers_incomplete.yaml", "conf.quant.sanctions"),
            ("quantifiers_incomplete.yaml", "conf.quant.points"),
            ("scores.yaml", "conf.score.points")} <= set(_conformance_list_packs())


# -- 3. translation edge cases ------------------------------------------------------------------


def never_read(name: str) -> Any:
    raise AssertionError(f"`{name}` was read")


LOOPED = {"account": {"violations": [{"type": "fake_traffic", "points": 3, "on": "2026-05-01",
                                     "major": True},
                                    {"type": "private_order", "points": 2, "on": "2026-04-01"}],
                     "recent_video_plays": [1, 5, 9], "appeal": {"evidence": ["id", "video"]}},
          "organization": {"complaints": [{"on": "2026-05-02", "valid": True}, None]}}


@pytest.mark.parametrize("text", [
    "[v for v in account.recent_video_plays if v > 1]",
    "count([v for v in account.violations if v.major]) > 0",
    "account.fans > 1 and any_of([c.valid for c in organization.complaints])",
    "total(v.points for v in account.violations if v.type != 'fake_traffic')",
    "[v.on for v in account.violations if v.on <= today]",
    "[m for m in params.lst if m not in account.appeal.evidence]",
    "[[w for w in account.recent_video_plays if w > v] for v in account.recent_video_plays]",
    "[c.on for c in organization.complaints]",
    "[v.nope for v in params.mixed]",
    "[v for v in account.fans]",
    "[v + 1 for v in params.mixed]",
])
def test_comprehensions_compile_and_agree(text: str) -> None:
    tree = compile_text(text)
    assert codegen.compile_expression(tree, DEFAULT_LIMITS, SCHEMA.converters) is not None
    for document in (LOOPED, {}, {"account": {"fans": 3, "violations": None}}):
        assert_agree(text, document)


def test_a_comprehension_on_the_edges_of_its_limits_agrees() -> None:
    """Each limit the sandbox keeps inside loops, one item under it and one over: compiled
    loops stop, or leave the answer to the sandbox, exactly where the sandbox stops."""
    plays = {"account": {"recent_video_plays": list(range(50))}}
    text = "[v for v in account.recent_video_plays if v > 1]"
    assert assert_agree(text, plays, limits=Limits(max_items=50))[0] == "value"
    assert assert_agree(text, plays, limits=Limits(max_items=49))[0] == "raised"
    # Steps: the sandbox visits the loop's nodes, then each item's body.
    for steps in range(150, 260):
        assert_agree(text, plays, limits=Limits(max_steps=steps))
    assert assert_agree(text, plays, limits=Limits(max_steps=400))[0] == "value"
    assert assert_agree(text, plays, limits=Limits(max_steps=100))[0] == "raised"
    # Work: `in` against a long list is charged by its length, item by item.
    evidence = {"account": {"appeal": {"evidence": [f"e{i}" for i in range(300)]},
                            "recent_video_plays": [f"e{i}" for i in range(0, 600, 7)]}}
    member = "[v for v in account.recent_video_plays if v in account.appeal.evidence]"
    outcomes = {assert_agree(member, evidence, limits=Limits(max_work=work))[0]
                for work in (100, 5_000, 20_000, 26_000, 27_000, 40_000, 10**6)}
    assert outcomes == {"value", "raised"}
    # What a loop builds, against max_built.
    texts = {"account": {"recent_video_plays": ["x" * 40] * 10}}
    built = "[v for v in account.recent_video_plays]"
    assert assert_agree(built, texts, limits=Limits(max_built=410))[0] == "value"
    assert assert_agree(built, texts, limits=Limits(max_built=409))[0] == "raised"


def test_a_tree_bigger_than_the_step_budget_stays_in_the_sandbox() -> None:
    tree = compile_text("account.fans + 1 + 2 + 3")
    nodes = sum(1 for _ in ast.walk(tree.body))
    assert codegen.compile_expression(tree, Limits(max_steps=nodes - 1)) is None
    code = codegen.compile_expression(tree, Limits(max_steps=nodes))
    assert code is not None
    assert code(lambda name: 10) == 16


def test_the_step_budget_counts_as_the_sandbox_does() -> None:
    """At exactly max_steps nodes the sandbox does not stop, so compiled code may run it."""
    text = "(account.fans + 1) * 2 - 3"
    tree = compile_text(text)
    nodes = sum(1 for _ in ast.walk(tree.body))
    limits = Limits(max_steps=nodes)
    assert assert_agree(text, {"account": {"fans": 4}}, limits=limits) == ("value", 7, int)


@pytest.mark.parametrize("text", [
    "False and account.fans", "True or account.fans", "0 and account.fans > 1",
    "params.none and account.fans", "account.fans if False else 1",
    "1 if True else account.fans", "(1 > 2) and (account.fans > 0)",
    "1 > 2 > account.fans", "params.n in params.nums and account.fans",
])
def test_short_circuits_do_not_read(text: str) -> None:
    tree = compile_text(text)
    code = codegen.compile_expression(tree, DEFAULT_LIMITS)
    assert code is not None
    sandbox = Sandbox(never_read, SCHEMA.convert_item, DEFAULT_LIMITS)
    expected = sandbox.run(tree)
    actual = code(never_read)
    assert same_value(expected, actual), (expected, actual)


@pytest.mark.parametrize(("fans", "value"), [
    (0, False), (1, True), (5, True), (9, True), (10, False), (None, TypeError),
    ("5", TypeError), (5.5, True), (math.nan, False), (True, True),
])
def test_chained_comparisons(fans: Any, value: Any) -> None:
    result = assert_agree("1 <= account.fans < 10", {"account": {"fans": fans}})
    if value is TypeError:
        assert result[:2] == ("raised", TypeError)
    else:
        assert result == ("value", value, bool)


@pytest.mark.parametrize(("fans", "reads"), [(7, 2), (3, 1)])
def test_a_chain_reads_its_middle_once_and_stops_at_the_first_false_link(
        fans: int, reads: int) -> None:
    tree = compile_text("5 <= account.fans <= account.violations")
    document = {"account": {"fans": fans, "violations": 9}}
    expected, actual, sandbox_reads, compiled_reads = run_both(tree, document)
    assert_same_outcome(expected, actual, "chain")
    assert compiled_reads == sandbox_reads == ["account.fans", "account.violations"][:reads]


def test_chained_comparisons_return_the_deciding_value() -> None:
    assert assert_agree("1 < 2 < 3") == ("value", True, bool)
    assert assert_agree("1 < 3 < 2 < account.fans") == ("value", False, bool)
    assert assert_agree("'a' in 'abc' in ['abc']") == ("value", True, bool)
    assert assert_agree("(1 < 2) < 3") == ("value", True, bool)
    assert assert_agree("1 < (2 < 3)") == ("value", False, bool)
    assert assert_agree("not 1 < 2 == True") == ("value", True, bool)


STRING_CONSTANTS = [
    "", "it's", 'say "hi"', "back\\slash", "trailing\\", "line\nbreak\r\n", "tab\tand\x0bvt",
    "粉丝数量", "é and e\u0301", "\u2028\u2029", "\x00nul", "\U0001f600 emoji", "\ud800",
    "'''", '"""', "{not a placeholder}", "%s%%", "\\N{BULLET}", "\x7f\x85",
]


@pytest.mark.parametrize("value", STRING_CONSTANTS)
def test_string_constants_round_trip_exactly(value: str) -> None:
    # As a literal in the expression text, and as a param inlined by the compiler.
    for text, params in [(repr(value), PARAMS), ("params.text", {"text": value}),
                         ("[params.text, params.list]", {"text": value, "list": [value, "x"]})]:
        tree = compile_text(text, params=params)
        code = codegen.compile_expression(tree, DEFAULT_LIMITS)
        assert code is not None
        result = code(never_read)
        expected = Sandbox(never_read, SCHEMA.convert_item, DEFAULT_LIMITS).run(tree)
        assert same_value(result, expected), (text, result, expected)
        first = result[0] if isinstance(result, list) else result
        assert type(first) is str and first == value


@pytest.mark.parametrize("value", [0, -1, -(2**63), 10**30, 0.1, -0.0, math.inf, -math.inf,
                                   1e-300, True, False, None])
def test_scalar_params_round_trip_exactly(value: Any) -> None:
    texts = ["params.v", "(params.v,)", "params.v == params.v"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        texts.append("-params.v")  # `is True` is refused at load: the choice is made here
    for text in texts:
        tree = compile_text(text, params={"v": value})
        expected, actual, _, _ = run_both(tree, {})
        assert_same_outcome(expected, actual, text)


def test_a_negative_param_keeps_its_sign_next_to_tighter_operators() -> None:
    """Params are inlined as constants; one that is negative must not become -(x[0])."""
    for text in ["params.neg[0]", "params.neg ** 2", "params.neg % 2", "-params.neg",
                 "params.neg < params.neg * params.neg", "abs(params.neg)"]:
        assert_agree(text)


@pytest.mark.parametrize(("document", "value"), [
    ({"account": {"ban": None}}, True),
    ({"account": {"ban": {"level": 2}}}, False),
    ({"account": None}, True),
    ({"account": {"ban": 0}}, False),
])
def test_is_none(document: dict[str, Any], value: bool) -> None:
    assert assert_agree("account.ban is None", document) == ("value", value, bool)
    assert assert_agree("account.ban is not None", document) == ("value", not value, bool)
    assert assert_agree("account.ban.level is None", document)[0] in ("value", "raised")


def test_is_none_on_a_missing_fact_names_the_path() -> None:
    result = assert_agree("account.ban is None", {"account": {}})
    assert result == ("raised", Missing, "account.ban")
    result = assert_agree("account.ban.level is None or account.fans", {"account": {"ban": {}}})
    assert result == ("raised", Missing, "account.ban.level")


@pytest.mark.parametrize(("text", "message"), [
    ("1 / 0", "division by zero"),
    ("1.5 / 0", "float division by zero"),
    ("1 // 0", "integer division or modulo by zero"),
    ("1.0 // 0", "float floor division by zero"),
    ("1 % 0", "integer modulo by zero"),
    ("1.0 % 0.0", "float modulo"),
    ("account.fans / params.zero", "division by zero"),
    ("account.fans % (account.fans - account.fans)", "integer modulo by zero"),
    ("params.zero ** -1", "0.0 cannot be raised to a negative power"),
    ("days(1) / 0", "integer division or modulo by zero"),
    ("days(1) // 0", "integer division or modulo by zero"),
    ("days(1) / (days(1) - days(1))", "division by zero"),
])
def test_division_by_zero_has_the_same_message(text: str, message: str) -> None:
    result = assert_agree(text, {"account": {"fans": 3}})
    assert result == ("raised", ZeroDivisionError, message)  # the text verdicts show


@pytest.mark.parametrize(("text", "document"), [
    ("'ab' * 100", {}), ("100 * 'ab'", {}), ("[1] * 60", {}), ("account.region * 30", None),
    ("'x' * 30 + 'y' * 30", {}), ("params.lst + params.lst * 30", {}),
    ("2 ** 2000", {}), ("11 ** 2", {}), ("2 ** -11", {}), ("account.fans ** 3", None),
    ("-11 ** 2", {}), ("2.0 ** 10.5", {}),
])
def test_guards_fire_in_both(text: str, document: dict[str, Any] | None) -> None:
    document = document if document is not None else {"account": {"region": "ab", "fans": 99}}
    result = assert_agree(text, document, limits=SMALL_LIMITS)
    assert result[:2] == ("raised", LimitExceeded), result


@pytest.mark.parametrize("text", [
    "[[0] * 3] * 3", "3 * [[0]]", "[(1, 2)] * 2", "params.lst * 2 == params.lst * 2",
])
def test_repeating_a_list_of_lists_is_refused_in_both(text: str) -> None:
    # The copies share their inner lists: cheap to build, while comparing two of them walks
    # every item of every copy ([[0] * 100000] * 100000 == ... took 9 s).
    result = assert_agree(text, params={"lst": [[1], [2]]})
    assert result[:2] == ("raised", LimitExceeded), result


@pytest.mark.parametrize(("text", "refused"), [
    ("['a' * 9 + 'b'] * 10", True),    # 10 items of 10 characters, 110 in all: over 50
    ("['ab'] * 10", False),             # 30 in all
    ("params.lst * 5", True),           # 2 texts of 9: 20 a copy
    ("params.lst + params.lst + params.lst", True),
    ("params.lst + params.lst", False),
])
def test_what_repeating_or_joining_lists_builds_counts_their_texts_in_both(
        text: str, refused: bool) -> None:
    # A list repeated holds its texts again in every copy: cheap to build, but each copy
    # costs a comparison its full size (['a' * 100000] * 100000 is 10^10 characters).
    result = assert_agree(text, params={"lst": ["a" * 9, "b" * 9]}, limits=SMALL_LIMITS)
    assert (result[:2] == ("raised", LimitExceeded)) is refused, result


WORK_LIMITS = Limits(max_work=1_000)


@pytest.mark.parametrize(("text", "within"), [
    # Each item: two texts of 160 characters built (1 + 160 / 16 units each) and compared
    # (1 + 10): 33 units an item.
    ("any_of([('a' * 160) == ('a' * 160) for v in [0] * 30])", True),
    ("any_of([('a' * 160) == ('a' * 160) for v in [0] * 31])", False),
    # `in` over a list of 20 short texts: 1 + 20 units an item.
    ("count([v for v in [0] * 47 if 'abcd' in params.words]) >= 0", True),
    ("count([v for v in [0] * 48 if 'abcd' in params.words]) >= 0", False),
    # A library call walks its list: 1 + 100 units an item.
    ("total([total(account.recent_video_plays) for v in [0] * 9]) > 0", True),
    ("total([total(account.recent_video_plays) for v in [0] * 10]) > 0", False),
    # Outside a loop nothing is charged: the same work once is within any budget.
    ("'abcd' in params.words * 20", True),
])
def test_the_work_budget_of_loops(text: str, within: bool) -> None:
    document = {"account": {"recent_video_plays": [1] * 100}}
    result = assert_agree(text, document, params={"words": ["w" * 9] * 20},
                          limits=WORK_LIMITS)
    if within:
        assert result[0] == "value", result
    else:
        assert result[:2] == ("raised", LimitExceeded), result
        assert "more than 1,000 units of work" in str(result[2]), result


def test_the_work_budget_stops_a_loop_of_costly_comparisons_in_time() -> None:
    # Twenty comparisons of a text of 100,000 characters with 100,000 others (2 * 10^11
    # character comparisons, minutes): stopped before the list is built.
    text = "any_of([('a' * 100000) in [('a' * 99999) + 'b'] * 100000 for v in [0] * 20])"
    result = assert_agree(text)
    assert result[:2] == ("raised", LimitExceeded), result
    assert "units of work" in str(result[2]), result
    # Ten such texts are within every limit of a value; the loop stops once it has cost
    # the budget: at its 7th item (143,773 units an item: the texts built, 6,250 and 6,250
    # and 6,251, the list built, 62,511, and `in`, 62,511).
    text = "any_of([('a' * 100000) in [('a' * 99999) + 'b'] * 10 for v in [0] * 20])"
    result = assert_agree(text, limits=Limits(max_string=2_000_000))
    assert result[:2] == ("raised", LimitExceeded), result
    assert "units of work" in str(result[2]), result
    within = "any_of([('a' * 100000) in [('a' * 99999) + 'b'] * 10 for v in [0] * 6])"
    assert assert_agree(within, limits=Limits(max_string=2_000_000)) \
        == ("value", False, bool)


def test_products_of_ints_are_bounded_in_both() -> None:
    limits = Limits(max_int_bits=64)
    document = {"account": {"fans": 2**40}}
    assert assert_agree("account.fans * account.fans", document, limits=limits)[:2] == (
        "raised", LimitExceeded)
    assert assert_agree("account.fans * 1000", document, limits=limits) == (
        "value", 2**40 * 1000, int)


def test_what_a_loop_builds_is_bounded() -> None:
    limits = Limits(max_string=50, max_built=100)
    violations = [{"type": "spam", "on": "2026-01-01"}] * 5
    document = {"account": {"violations": violations}}
    # Five lists of 40 are each within max_string, and 205 items and lengths in all.
    result = assert_agree("[[0] * 40 for v in account.violations]", document, limits=limits)
    assert result[:2] == ("raised", LimitExceeded), result
    assert assert_agree("[[0] * 10 for v in account.violations]", document,
                        limits=limits) == ("value", [[0] * 10] * 5, list)


def test_a_deeply_nested_expression_is_refused_at_load() -> None:
    scope = CompileScope(facts=SCHEMA.fields, params={}, results=frozenset())
    with pytest.raises(CompileError) as raised:
        compile_expression("[" * 60 + "account.fans" + "]" * 60 + " == 1", scope)
    assert raised.value.code == "RP206" and "63 levels deep" in raised.value.message
    compile_expression("[" * 40 + "account.fans" + "]" * 40 + " == 1", scope)


def test_compiling_leaves_a_tree_too_deep_for_the_stack_to_the_sandbox() -> None:
    tree = compile_text("[" * 45 + "account.fans" + "]" * 45)
    # Room for the sandbox (a few frames a level), too little for copy.deepcopy (six or so).
    depth = len(inspect.stack(0)) + 120
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth)
    try:
        code = codegen.compile_expression(tree, DEFAULT_LIMITS)
    finally:
        sys.setrecursionlimit(old)
    assert code is None


def test_guards_let_what_is_within_the_limits_through() -> None:
    assert assert_agree("'ab' * 25", limits=SMALL_LIMITS) == ("value", "ab" * 25, str)
    assert assert_agree("2 ** 10", limits=SMALL_LIMITS) == ("value", 1024, int)
    assert assert_agree("(-10) ** 3", limits=SMALL_LIMITS) == ("value", -1000, int)


@pytest.mark.parametrize(("text", "document"), [
    ("account.fans + 'x'", {"account": {"fans": 1}}),
    ("account.platform < 3", {"account": {"platform": "douyin"}}),
    ("count(account.fans)", {"account": {"fans": 1}}),
    ("add_days(today, 1.5)", {}),
    ("round(account.like_play_ratio, 'x')", {"account": {"like_play_ratio": 0.5}}),
    ("params.nums[5]", {}),
    ("account.ban['nope']", {"account": {"ban": {"level": 1}}}),
    ("account.identity.id_expires_on > today", {"account": {"identity": {"id_expires_on": 5}}}),
    ("account.identity.id_expires_on > today",
     {"account": {"identity": {"id_expires_on": "2026-02-30"}}}),
    ("task.published_at < as_of", {"task": {"published_at": "bad"}}),
    ("version(account.app.version) >= version('12.10')", {"account": {"app": {"version": "x"}}}),
    ("minimum([])", {}),
    ("-account.platform", {"account": {"platform": "douyin"}}),
    ("account.phone.receives_sms", {"account": {"phone": 3}}),
])
def test_runtime_errors_have_the_same_text(text: str, document: dict[str, Any]) -> None:
    result = assert_agree(text, document)
    assert result[0] == "raised" and issubclass(result[1], (Missing, *RUNTIME_ERRORS)), result


def test_today_and_as_of() -> None:
    for moment in MOMENTS:
        assert assert_agree("today", as_of=moment) == (
            "value", moment.astimezone(CHINA_TZ).date(), dt.date)
        assert assert_agree("as_of", as_of=moment) == ("value", moment, dt.datetime)
        assert_agree("days_between(date_of(as_of), today)", as_of=moment)


def test_the_compiled_function_is_built_from_the_tree_not_from_the_text() -> None:
    """A tree edited after checking (as the loader's rewrites do) compiles as edited."""
    tree = compile_text("params.n + 1")
    assert isinstance(tree.body, ast.BinOp) and isinstance(tree.body.left, ast.Constant)
    tree.body.left.value = 41
    code = codegen.compile_expression(tree, DEFAULT_LIMITS)
    assert code is not None and code(never_read) == 42


# -- regressions --------------------------------------------------------------------------------
#
# Disagreements these tests found, each with its smallest example.
#
# Identity. Compiled code once wrote every constant as Python source, and CPython shares equal
# constants within a code object, while the sandbox evaluates each ast.Constant to its own
# object and builds a new tuple for every tuple display: `1000 is 1000` was True compiled and
# False in the sandbox, and a document string interned by Python matched a literal only in
# compiled code. `is` is now refused at load except with None (RP202), so neither engine sees
# these; `in` still does, through its identity shortcut: `params.nan in (params.nan,)`.

IDENTITY_CASES = [
    pytest.param("1000 is 1000", {}, id="int-literals"),
    pytest.param("1.5 is 1.5", {}, id="float-literals"),
    pytest.param("-7 is -7", {}, id="negated-literals"),
    pytest.param("(1, 2) is (1, 2)", {}, id="tuple-displays"),
    pytest.param("params.n is 1000", {"n": 1000}, id="param-and-literal"),
    pytest.param("params.s is 'douyin'", {"s": "douyin"}, id="string-param-and-literal"),
    pytest.param("params.t is params.t", {"t": [1, 2]}, id="list-param-twice"),
    pytest.param("account.platform is 'douyin'", {}, id="interned-fact-and-literal"),
    pytest.param("2.5 - 1 is 1.5", {}, id="folded-arithmetic"),
]


@pytest.mark.parametrize(("text", "params"), IDENTITY_CASES)
def test_identity_of_constants_is_refused_at_load(text: str, params: dict[str, Any]) -> None:
    with pytest.raises(CompileError) as caught:
        compile_text(text, params=params)
    assert caught.value.code == "RP202"


@pytest.mark.parametrize(("text", "params"), [
    pytest.param("params.nan in params.nans", {"nan": math.nan, "nans": [math.nan]},
                 id="nan-param-in-list-param"),
    pytest.param("params.nan in (params.nan,)", {"nan": math.nan}, id="nan-param-in-tuple"),
])
def test_identity_shortcut_of_in(text: str, params: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        assert_agree(text, {}, params=params)


def _one_rule_pack(folder: Path, pack_id: str, rule: dict[str, Any],
                   params: dict[str, Any] | None = None) -> None:
    pack = {
        "id": pack_id, "version": "1.0.0", "effective_from": "2020-01-01",
        "subject": "account", "title": {"zh": "包", "en": "pack"},
        "description": {"zh": "包", "en": "pack"}, "sources": [{"seed": "s.txt", "quote": "q"}],
        "params": params or {"k": 1},
        "rules": [{"id": "rule", "title": {"zh": "规则", "en": "rule"},
                   "source": {"seed": "s.txt", "quote": "q"}, **rule}],
    }
    (folder / "pack.yaml").write_text(
        yaml.safe_dump(pack, allow_unicode=True, width=10_000), encoding="utf-8")


# A condition that is one comparison compiles its two sides apart and compares them in code of
# its own (`_a is _t`); identity with a constant other than None is refused at load, by the
# loader both engines share, whatever the document.
@pytest.mark.parametrize("condition", [
    "account.platform is 'douyin'", "'douyin' is account.platform",
    "account.platform is not 'douyin'", "account.platform is params.s",
])
def test_identity_of_constants_in_a_pack_is_refused(tmp_path: Path, condition: str) -> None:
    _one_rule_pack(tmp_path, "fast.identity", {"require": condition}, {"s": "douyin"})
    for engine in ("compiled", "sandbox"):
        with pytest.raises(rulepack.PackError) as caught:
            rulepack.load(tmp_path, engine=engine)
        assert [p.code for p in caught.value.problems] == ["RP202"], engine


# A hex literal is short to write but may be an integer with more decimal digits than Python's
# int-to-str limit (4300), so writing it as source raised ValueError: the compiled engine failed
# where the sandbox evaluated. The default max_chars (2000) keeps literals below the limit; a
# larger one reaches it.
HUGE = "0x" + "f" * 3_700
HUGE_LIMITS = Limits(max_chars=5_000)


def test_a_huge_integer_literal_compiles_or_stays_in_the_sandbox() -> None:
    assert assert_agree(f"account.fans < {HUGE}", {"account": {"fans": 5}},
                        limits=HUGE_LIMITS) == ("value", True, bool)


def test_a_huge_integer_literal_in_a_pack(tmp_path: Path) -> None:
    _one_rule_pack(tmp_path, "fast.huge",
                   {"kind": "output", "set": {"small": f"account.fans < {HUGE}"}})
    compiled = rulepack.load(tmp_path, limits=HUGE_LIMITS)
    sandbox = rulepack.load(tmp_path, limits=HUGE_LIMITS, engine="sandbox")
    assert_same_evaluation(
        compiled, sandbox,
        lambda lib: lib.evaluate("fast.huge", {"account": {"fans": 5}}, as_of=MOMENTS[0]),
        "huge")


# The sandbox (simpleeval's _check_disallowed_items) walked every value it produced,
# recursively, and raised RecursionError out of evaluate() on a deeply nested fact value (a
# JSON document nested 990 deep parses fine); compiled code returned a verdict. Rendering such
# a value (to_dict) is recursive in both engines alike, so the verdicts are compared here by
# their decisions.
def test_a_deeply_nested_fact_value() -> None:
    nested: list[Any] = []
    for _ in range(3_000):
        nested = [nested]
    document = {"account": {"platform": "douyin", "fans": 5, "mcn_signed": False,
                            "violations": nested}}
    decisions = []
    for library in bundled_libraries():
        verdict = library.evaluate("xingtu.entry", document, as_of=MOMENTS[0], validate=False)
        decisions.append((verdict.outcome, verdict.missing, [
            (r.rule, r.status, r.error, [(c.expr, c.status, c.error) for c in r.checks])
            for r in verdict.reasons]))
    assert decisions[0] == decisions[1]


# List facts past the loop limit (10,000 items) and the size a kept value may have: each pack
# that reads a list, on a document whose list has 100,000 or more records.
LONG_LISTS = [
    ("kuaishou.signing.qualification", "organization", "documents",
     "business_license", 150_006),
    ("xingtu.penalty_points", "account", "violations",
     {"type": "private_order", "on": "2026-01-05", "points": 1}, 100_001),
    ("kuaishou.signing.risk_warning", "organization", "complaints",
     {"on": "2026-02-01", "valid": True}, 100_000),
    ("xingtu.conduct", "account", "violations", {"type": "fake_traffic", "on": "2026-01-05"},
     100_000),
]


@pytest.mark.parametrize(("pack_id", "subject", "field", "item", "size"), LONG_LISTS,
                         ids=[case[0] for case in LONG_LISTS])
def test_list_facts_of_100000_items_agree(pack_id: str, subject: str, field: str, item: Any,
                                          size: int) -> None:
    compiled, sandbox = bundled_libraries()
    document = {subject: {field: [copy.deepcopy(item) for _ in range(size)]}}
    assert_same_evaluation(
        compiled, sandbox,
        lambda lib: lib.evaluate(pack_id, document, as_of="2026-03-01", validate=False),
        pack_id)
    verdict = compiled.evaluate(pack_id, document, as_of="2026-03-01", validate=False)
    # The limits are what decided: some rule reading the list could not be told.
    assert "RP505" in verdict.to_json("en"), verdict.explain("en")


def test_check_lists_the_expressions_left_to_the_sandbox(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No bundled expression runs in the sandbox; one that must is named under its pack."""
    assert main(["check", "--sandboxed", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["sandboxed"]) == len(rulepack.load().packs)
    assert report["sandboxed"] == {pack: [] for pack in report["sandboxed"]}
    folder = tmp_path / "rules"
    shutil.copytree(bundled("rules") / "xingtu", folder)
    entry = folder / "entry.yaml"
    # A chain of comparisons in a loop, one link costing what the data decides.
    loop = "count([v for v in account.violations if 0 < v.points < account.fans]) == 0"
    entry.write_text(entry.read_text("utf-8").replace(
        "expr: count(account.violations) == 0", f"expr: {loop}"), "utf-8")
    assert main(["check", str(folder), "--sandboxed"]) == 0
    out = capsys.readouterr().out
    assert f"xingtu.entry@1.0.0: 1 expression(s) run in the sandbox\n  {loop}\n" in out
    assert "xingtu.conduct@1.0.0: every expression compiled\n" in out
