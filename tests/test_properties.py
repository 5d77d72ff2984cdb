"""Hypothesis properties of rulepack: robustness, determinism and Kleene monotonicity.

What each test proves is in its docstring. In short:

1. Loading: whatever text a pack file holds, ``rulepack.load`` either returns a library or raises
   :class:`rulepack.PackError` whose problems each carry a stable code, the file and (for
   problems about a place in the file) a real line and column. Three generators feed it:
   arbitrary YAML-ish text, JSON-like trees dumped as YAML, and mutations of a real pack.
2. Evaluating: packs built from random but well-formed expressions, on random valid fact
   documents, always give a :class:`rulepack.Verdict` whose statuses are the four known ones.
3. Determinism: the same pack on the same document gives the same verdict, through one library
   or two, and evaluating never changes the document.
4. / 5. Missing facts only ever add ``unknown``: removing a fact from a document never turns a
   pack outcome, or a check rule's status, from ``pass`` into ``fail`` or back.

Fact documents are drawn from ``schemas/facts.schema.json`` itself by the public strategy
``rulepack.testing.facts_for_schema`` (see ``fact_documents``), so new facts in the schema are
exercised without touching this file; numbers are drawn near the bundled packs' thresholds.
The bundled packs are whatever ``rulepack.load()`` finds at run time.

When a property fails, Hypothesis prints the falsifying arguments (the document, the removed
path, the pack text) and the ``note`` lines written below.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import functools
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

import rulepack
from rulepack.core.errors import CODES
from rulepack.lang.expressions import CompiledExpr
from rulepack.library import models_of
from rulepack.testing import facts_for_schema

ROOT = Path(__file__).resolve().parents[1]
ENTRY_PACK = ROOT / "rules" / "xingtu" / "entry.yaml"

CODE = re.compile(r"RP\d{3}")
STATUSES = {"pass", "fail", "unknown", "skipped"}
OUTCOMES = {"pass", "fail", "unknown"}
CHINA = dt.timezone(dt.timedelta(hours=8))

# Generating schema-shaped documents and packs draws many values per example, which is the
# point of these tests; Hypothesis' "too slow" / "too large" health checks would only flag that
# the inputs are big by design, so they are suppressed where such inputs are drawn.
BIG_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large]


# -- shared helpers -----------------------------------------------------------------------------


def _entry_text() -> str:
    """The text of the bundled Xingtu entry pack, the seed of the mutation tests."""
    return ENTRY_PACK.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def bundled_library() -> rulepack.Library:
    """The bundled packs, loaded once per test session."""
    return rulepack.load()


@functools.lru_cache(maxsize=1)
def second_bundled_library() -> rulepack.Library:
    """The bundled packs loaded a second, independent time (for the determinism property)."""
    return rulepack.load()


def load_document(document: str | bytes) -> rulepack.Library | rulepack.PackError:
    """Write ``document`` to a fresh pack file and load it.

    Returns the library, or the PackError after checking that every problem is well formed;
    any other exception propagates and fails the calling property.
    """
    with tempfile.TemporaryDirectory(prefix="rulepack-prop-") as folder:
        path = Path(folder) / "pack.yaml"
        if isinstance(document, bytes):
            path.write_bytes(document)
        else:
            path.write_text(document, encoding="utf-8")
        try:
            return rulepack.load(path)
        except rulepack.PackError as error:
            assert_problems_well_formed(error, path, document)
            return error


def assert_problems_well_formed(error: rulepack.PackError, path: Path,
                                document: str | bytes) -> None:
    assert isinstance(error, rulepack.RulepackError)
    assert error.problems, "a PackError must list at least one problem"
    text = document.decode("utf-8", "replace") if isinstance(document, bytes) else document
    # PyYAML may point just past the last line (end of stream), so allow one more line.
    last_line = len(text.splitlines()) + 1
    for problem in error.problems:
        shown = f"problem {problem!s}"
        assert CODE.fullmatch(problem.code), shown
        assert problem.code in CODES, f"undocumented code: {shown}"
        assert problem.file, f"problem names no file: {shown}"
        assert Path(problem.file).name == path.name, shown
        if problem.code != "RP110":  # RP110 (cannot read the file) is about no place in it
            assert 1 <= problem.line <= last_line, f"line out of the file: {shown}"
            assert problem.column >= 1, f"column before the line: {shown}"


def _instants() -> st.SearchStrategy[dt.datetime]:
    return st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31),
                        timezones=st.just(CHINA))


# -- 1. loader robustness -----------------------------------------------------------------------

YAML_FRAGMENTS = [
    "\n", "\n  ", "\t", "  ", "- ", ": ", ":", "{", "}", "[", "]", ",", "? ", "|\n  ", ">-\n  ",
    "#", "---\n", "...\n", "%YAML 1.1\n", "%TAG !e! tag:e.com,2000:\n", "&a ", "*a", "&b [1, 2]",
    "*b", "*undefined", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!timestamp ",
    "!!binary ", "!!set ", "!!omap ", "!!pairs ", "!!seq ", "!!map ", "!e!thing ", "!local ",
    "!!python/object/apply:os.system ", "<<: ", "<<: *b", "=: ", '"', "'", '"\\0"', '"\\ud800"',
    '"\\x85"', "\\", "id: ", "version: ", "rules: ", "require: ", "params: ", "- id: a\n",
    "1e999", ".nan", "-.inf", "0x1F", "0o17", "0b101", "1_000", "~", "null", "true", "yes", "on",
    "2020-02-30", "2020-12-09", "1.0.0", "\ufeff", "\x85", "\u2028", "\x00", "\x1b", "\x7f",
    "é", "粉丝", "account.fans >= params.x", "maybe", "x",
]

deep_nesting = st.builds(
    lambda n, opener: opener * n,
    st.integers(min_value=1, max_value=3_000),
    st.sampled_from(["[", "{", "- ", "a: {", "[{a: ", "? ", "a:\n "]),
)
long_digits = st.integers(min_value=1, max_value=6_000).map(lambda n: "9" * n)

yamlish_text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=20),
        st.sampled_from(YAML_FRAGMENTS),
        deep_nesting,
        long_digits,
    ),
    max_size=25,
).map("".join)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # Python's parser on hostile expressions
@settings(max_examples=300, deadline=None)
@example(document="id: a\x7f\n")
@example(document="[" * 2000)
@example(document="id: " + "9" * 5000)
@example(document="id: !!int x")
@example(document="<<: 1")
@example(document="id: !!int ''")
@given(document=st.one_of(yamlish_text, st.binary(max_size=300)))
def test_loader_arbitrary_text_loads_or_raises_pack_error(document: str | bytes) -> None:
    """Property 1a: any text (or bytes) in a pack file loads or raises PackError, nothing else.

    The text mixes random characters with YAML fragments (indentation, tabs, flow brackets,
    anchors and aliases, tags, merge keys, directives, escapes, deep nesting, huge numbers).
    Every reported problem has a documented RPnnn code, names the file, and, unless the file
    could not be read at all (RP110), a line inside the file and a column >= 1.
    """
    load_document(document)


def _json_trees(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(),
        st.text(st.characters(codec="utf-8"), max_size=15),
        st.sampled_from(["account.fans >= params.x", "1.0.0", "2020-01-01", "check", "table",
                         "first", "unique", "collect", "priority", "zh", "en", "{why}", "{"]),
    )
    keys = st.one_of(st.text(max_size=8), st.sampled_from(PACK_KEYS))
    return st.recursive(
        scalars,
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(keys, children, max_size=5)),
        max_leaves=max_leaves,
    )


PACK_KEYS = [
    "id", "version", "effective_from", "effective_until", "subject", "title", "description",
    "sources", "params", "when", "rules", "properties", "kind", "source", "seed", "quote",
    "require", "set", "message", "decisive", "all", "any", "not", "expr", "label", "zh", "en",
    "pass", "fail", "unknown", "skipped", "hit_policy", "outputs", "rows", "then", "priority",
    "complete", "start", "deductions", "points", "floor", "ceiling", "into", "score",
    "deducted", "pass_if",
]

# A pack with every rule kind, so that tree mutations reach every part of the pack builder.
RICH_PACK: dict[str, Any] = {
    "id": "prop.rich",
    "version": "1.0.0",
    "effective_from": "2020-01-01",
    "effective_until": None,
    "subject": "account",
    "title": {"zh": "示例", "en": "example"},
    "description": {"zh": "示例", "en": "example"},
    "sources": [{"seed": "s.txt", "quote": "q"}],
    "params": {"min_fans": 100, "platforms": ["douyin", "xigua"], "cap": 12.5, "on": True},
    "when": {"not": "account.overseas"},
    "rules": [
        {"id": "fans", "title": {"zh": "粉丝", "en": "fans"},
         "source": {"seed": "s.txt", "quote": "q"},
         "when": "account.platform in params.platforms",
         "require": {"all": ["account.fans >= params.min_fans",
                             {"any": ["account.mcn_signed", {"expr": "not account.overseas",
                                                             "label": {"zh": "境内",
                                                                       "en": "domestic"}}]}]},
         "set": {"gap": "params.min_fans - account.fans"},
         "message": {"fail": {"zh": "差 {result.gap}：{why}", "en": "{account.fans}: {why}"}}},
        {"id": "tier", "kind": "table", "title": {"zh": "档", "en": "tier"},
         "source": {"seed": "s.txt", "quote": "q"}, "hit_policy": "priority",
         "outputs": ["tier", "deposit"],
         "rows": [{"id": "A", "priority": 2, "when": "result.gap <= 0",
                   "then": {"tier": "A", "deposit": {"expr": "params.min_fans * 2"}}},
                  {"id": "B", "priority": 1, "then": {"tier": "B", "deposit": [1, 2]}}]},
        {"id": "points", "kind": "score", "title": {"zh": "分", "en": "score"},
         "source": {"seed": "s.txt", "quote": "q"}, "start": "12",
         "deductions": [{"id": "v", "points": "total([v.points for v in account.violations])",
                         "when": "count(account.violations) > 0",
                         "label": {"zh": "违规", "en": "violations"}}],
         "floor": "0", "ceiling": "params.cap", "into": {"score": "score", "deducted": "lost"},
         "pass_if": "result.score > 0"},
        {"id": "due", "kind": "output", "title": {"zh": "期", "en": "due"},
         "source": {"seed": "s.txt", "quote": "q"},
         "set": {"due": "add_working_days(today, 3)"}},
    ],
}


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _paths(value, prefix + (index,))


@st.composite
def mutated_trees(draw: st.DrawFn) -> Any:
    """A valid pack (bundled Xingtu entry or RICH_PACK) with a few subtrees replaced."""
    base = draw(st.sampled_from(["entry", "rich"]))
    tree = copy.deepcopy(yaml.safe_load(_entry_text()) if base == "entry" else RICH_PACK)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = list(_paths(tree))
        path = draw(st.sampled_from(paths))
        if not path:
            continue
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_json_trees(8))
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(PACK_KEYS))] = draw(_json_trees(8))
        else:
            parent.insert(path[-1], draw(_json_trees(8)))
    return tree


def _dump(tree: Any) -> str:
    return str(yaml.safe_dump(tree, allow_unicode=True, sort_keys=False))


@settings(max_examples=200, deadline=None, suppress_health_check=BIG_INPUTS)
@given(tree=st.one_of(_json_trees(), mutated_trees()))
def test_loader_yaml_trees_load_or_raise_pack_error(tree: Any) -> None:
    """Property 1b: any JSON-like tree dumped as YAML loads or raises a well-formed PackError.

    Trees are either arbitrary (scalars, lists, mappings with pack-format keys) or a valid pack
    with random subtrees replaced, deleted or added, so that schema checking and the pack
    builder behind it both see shapes they were not written for.
    """
    text = _dump(tree)
    note(f"pack file:\n{text}")
    load_document(text)


EXPRESSION_TOKENS = [
    "account.fans", "account.platform", "account.mcn_signed", "account.violations",
    "params.x", "params.douyin_min_fans", "result.x", "v.points", "v", "today", "as_of",
    "(", ")", "[", "]", ",", ".", "and", "or", "not", "in", "is", "if", "else", "for",
    "__class__", "__import__", "lambda", "lambda: 0", "1e999", "**", "*", "+", "-", "/", "//",
    "%", ">=", "==", "<", "!=", "0", "1", "-1", "999", "0x10", "1_0", "9" * 60, "True", "None",
    "'douyin'", "'", '"', "f'", "b'", "count(", "avg_newest(", "min(", "add_days(today, ",
    "[v for v in account.violations]", "[v.points for v in account.violations if v.major]",
    "x", "_", ":", "{", "}", "\\", "#", ";", "=", ":=", "...", "yield", "await",
]


@st.composite
def expressions(draw: st.DrawFn) -> str:
    tokens = draw(st.lists(st.sampled_from(EXPRESSION_TOKENS), min_size=1, max_size=12))
    return draw(st.sampled_from([" ", ""])).join(tokens)


def _scalar_text(draw: st.DrawFn) -> str:
    """A random value as YAML text: a dumped scalar, a raw expression or a quoted one."""
    kind = draw(st.sampled_from(["scalar", "expression", "quoted"]))
    if kind == "expression":
        return draw(expressions())
    if kind == "quoted":
        return json.dumps(draw(expressions()), ensure_ascii=False)
    value = draw(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                           st.text(st.characters(codec="utf-8"), max_size=12)))
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) \
        else yaml.safe_dump(value).split("\n")[0]


@st.composite
def mutated_entry_texts(draw: st.DrawFn) -> str:
    """rules/xingtu/entry.yaml with lines deleted, duplicated, re-valued or new expressions."""
    lines = _entry_text().splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[i]
        action = draw(st.sampled_from(["delete", "duplicate", "value", "expression", "insert"]))
        indent = line[:len(line) - len(line.lstrip())]
        body = line.strip()
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, line)
        elif action == "value" and ": " in line:
            head = line.split(": ", 1)[0]
            lines[i] = f"{head}: {_scalar_text(draw)}"
        elif action == "expression" and (body.startswith("- ") or ": " in body):
            head = indent + "- " if body.startswith("- ") else line.split(": ", 1)[0] + ": "
            expression = draw(expressions())
            quoted = draw(st.booleans())
            lines[i] = head + (json.dumps(expression, ensure_ascii=False) if quoted
                               else expression)
        elif action == "insert":
            expression = draw(expressions())
            lines.insert(i + 1, f"{indent}- {json.dumps(expression, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # Python's parser on hostile expressions
@settings(max_examples=250, deadline=None)
@example(text=_entry_text() + "# \x7f\n")
@given(text=mutated_entry_texts())
def test_loader_mutated_pack_loads_or_raises_pack_error(text: str) -> None:
    """Property 1c: mutations of a real pack load or raise a well-formed PackError.

    Starting from rules/xingtu/entry.yaml, lines are deleted or duplicated, values replaced by
    random scalars, and expressions replaced or inserted from a token grammar (fact paths,
    params, brackets, and/or/not, dunder names, lambda, 1e999, **, comprehensions, quotes...),
    so the expression compiler sees near-valid and hostile input alike.
    """
    note(f"pack file:\n{text}")
    load_document(text)


@st.composite
def expression_mutated_entry_texts(draw: st.DrawFn) -> str:
    """rules/xingtu/entry.yaml with expressions replaced or inserted, always as valid YAML."""
    lines = _entry_text().splitlines()
    spots = [i for i, line in enumerate(lines)
             if line.strip().startswith(("- account", "- count", "expr:", "- expr:", "require:"))
             or (line.strip().startswith("- ") and "." in line and ":" not in line)]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        i = draw(st.sampled_from(spots)) if spots else draw(
            st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[i]
        indent = line[:len(line) - len(line.lstrip())]
        expression = json.dumps(draw(expressions()))  # a YAML double-quoted scalar
        if draw(st.booleans()) and ": " in line:
            lines[i] = line.split(": ", 1)[0] + ": " + expression
        elif line.strip().startswith("- ") and ":" not in line.strip()[2:]:
            lines[i] = f"{indent}- {expression}"
        else:
            lines.insert(i + 1, f"{indent}- {expression}")
    return "\n".join(lines) + "\n"


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # Python's parser on hostile expressions
@settings(max_examples=200, deadline=None)
@given(text=expression_mutated_entry_texts())
def test_loader_mutated_expressions_load_or_raise_pack_error(text: str) -> None:
    """Property 1c, expressions only: hostile expressions in a real pack give a PackError.

    Like 1c but every mutation keeps the file valid YAML and only swaps or adds expression
    strings from the token grammar, so every example reaches the expression compiler (which
    1c's YAML-level findings would otherwise mask). Problems are well formed as in 1a.
    """
    note(f"pack file:\n{text}")
    load_document(text)


# -- fact documents from the fact schema --------------------------------------------------------


def _native(kind: str, value: str) -> dt.date | dt.datetime:
    return dt.date.fromisoformat(value) if kind == "date" else dt.datetime.fromisoformat(value)


def _with_native_dates(draw: st.DrawFn, value: Any, path: str = "") -> Any:
    """``value`` with some of its ISO dates and instants handed over as Python objects, as
    Python callers may pass them (documents read from files carry the strings)."""
    if isinstance(value, dict):
        return {key: _with_native_dates(draw, item, f"{path}.{key}" if path else key)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_with_native_dates(draw, item, f"{path}[]") for item in value]
    info = bundled_schema_fields().get(path)
    if isinstance(value, str) and info is not None and info.kind in ("date", "instant") \
            and draw(st.booleans()):
        return _native(info.kind, value)
    return value


@st.composite
def _documents(draw: st.DrawFn, documents: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    return dict(_with_native_dates(draw, draw(documents)))


@functools.lru_cache(maxsize=1)
def fact_documents() -> st.SearchStrategy[dict[str, Any]]:
    """Valid fact documents from the public strategy: random subsets of every object's facts,
    numbers near the bundled packs' thresholds, some dates as Python objects. Deferred, so that
    collecting the tests does not load the packs."""
    return st.deferred(lambda: _documents(facts_for_schema(near=bundled_library())))


def removable_paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key of every mapping (leaf or subtree); list items themselves are not facts."""
    out: list[tuple[Any, ...]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            out.append(prefix + (key,))
            out.extend(removable_paths(value, prefix + (key,)))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            out.extend(removable_paths(value, prefix + (index,)))
    return out


def without(document: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    smaller = copy.deepcopy(document)
    parent: Any = smaller
    for part in path[:-1]:
        parent = parent[part]
    del parent[path[-1]]
    return smaller


def evaluate_each(library: rulepack.Library, document: dict[str, Any],
                  as_of: dt.datetime) -> dict[str, rulepack.Verdict]:
    """The verdict of every pack with a version in force at ``as_of``, by pack id."""
    out: dict[str, rulepack.Verdict] = {}
    library.check_facts(document)  # once, rather than once per pack
    for pack_id in library.ids:
        try:
            out[pack_id] = library.evaluate(pack_id, document, as_of=as_of, validate=False)
        except rulepack.EvaluationError:
            continue  # no version in force then; the same for every document
    return out


def assert_unknown_is_explained(verdict: rulepack.Verdict) -> None:
    """An unknown outcome names the missing facts, or some rule reports a coded error."""
    if verdict.outcome != "unknown":
        return
    if verdict.missing:
        return
    errors = [reason.error for reason in verdict.reasons if reason.error]
    errors += [check.error for reason in verdict.reasons for check in reason.checks
               if check.error]
    assert any(re.search(r"RP5\d\d", e) for e in errors), (
        f"{verdict.pack}: outcome unknown, but `missing` is empty and no rule reports a coded "
        f"error (errors: {errors}); reasons: "
        + "; ".join(f"{r.rule}={r.status}" for r in verdict.reasons))


# -- 2. generated packs: robustness at evaluation -----------------------------------------------


def _fields(kind: str, *, nullable: bool | None = None, enums: bool = True) -> list[str]:
    schema = bundled_schema_fields()
    return sorted(p for p, info in schema.items()
                  if info.kind == kind and "[]" not in p
                  and (nullable is None or info.nullable == nullable)
                  and (enums or info.enum is None))


@functools.lru_cache(maxsize=1)
def bundled_schema_fields() -> dict[str, Any]:
    from rulepack.library import fact_schema
    return fact_schema().fields


NUMBER_LITERALS = ["0", "1", "-1", "2", "2.5", "0.1", "999", "1000", "1e999", "100000"]
NUMBER_OPS = ["+", "-", "*", "/", "//", "%", "**"]
COMPARISONS = [">=", ">", "<=", "<", "==", "!="]
NUMBER_LISTS = [
    "account.recent_video_plays", "[v.points for v in account.violations]",
    "[v.points for v in account.violations if v.major]",
    "[v.points for v in organization.violations if same_year(v.on, today)]",
    "[p for p in account.recent_video_plays if p > params.k]", "[1, 2, params.k]",
    "[account.fans, organization.fans]",
]
BOOL_LISTS = ["[v.major for v in account.violations]", "[c.valid for c in organization.complaints]",
              "[p.major for p in organization.admin_penalties]", "[True, account.mcn_signed]"]


class Grammar:
    """Typed random expressions over real fact paths, params, results and library calls."""

    def __init__(self, draw: st.DrawFn, results: dict[str, str]) -> None:
        self.draw = draw
        self.results = results  # result field -> "number" | "list" | "any"

    def pick(self, options: list[str]) -> str:
        return self.draw(st.sampled_from(options))

    def leaf_number(self) -> str:
        results = [f"result.{name}" for name, kind in self.results.items() if kind == "number"]
        if results and self.draw(st.integers(0, 2)) == 0:
            return self.pick(results)  # results flow between rules: read them often
        # No enum-valued numbers (ban levels): `level == 2.5` is a load-time type finding.
        return self.pick(_fields("integer", enums=False) + _fields("number", enums=False)
                         + NUMBER_LITERALS + [
            "params.n1", "params.n2", "params.k", "params.zero"])

    def number(self, depth: int) -> str:
        if depth <= 0 or self.draw(st.integers(0, 3)) == 0:
            return self.leaf_number()
        d = depth - 1
        form = self.pick(["binop", "neg", "abs", "round", "round2", "clamp", "if", "count", "total",
                          "avg", "avg_newest", "minimum", "maximum", "days_between",
                          "hours_between"])
        if form == "binop":
            return f"({self.number(d)} {self.pick(NUMBER_OPS)} {self.number(d)})"
        if form == "neg":
            return f"-{self.number(d)}"
        if form in ("abs", "round"):
            return f"{form}({self.number(d)})"
        if form == "round2":
            return f"round({self.number(d)}, {self.pick(['0', '1', '2', 'params.k', '-1'])})"
        if form == "clamp":
            return f"clamp({self.number(d)}, {self.number(d)}, {self.number(d)})"
        if form == "if":
            return f"({self.number(d)} if {self.boolean(d)} else {self.number(d)})"
        if form == "avg_newest":
            return f"avg_newest({self.number_list()}, {self.pick(['0', '1', '3', 'params.k'])})"
        if form == "days_between":
            return f"days_between({self.date(d)}, {self.date(d)})"
        if form == "hours_between":
            return f"hours_between({self.instant(d)}, {self.instant(d)})"
        return f"{form}({self.number_list()})"

    def number_list(self) -> str:
        options = NUMBER_LISTS + [f"result.{n}" for n, k in self.results.items() if k == "list"]
        return self.pick(options)

    def date(self, depth: int) -> str:
        if depth <= 0 or self.draw(st.booleans()):
            return self.pick(_fields("date") + ["today"])
        d = depth - 1
        form = self.pick(["add_days", "add_years", "add_working_days", "month_start", "month_end",
                          "quarter_start", "quarter_end", "year_start", "year_end", "date_of"])
        if form in ("add_days", "add_years", "add_working_days"):
            return f"{form}({self.date(d)}, {self.pick(['0', '1', '-3', '30', 'params.k'])})"
        if form == "date_of":
            return f"date_of({self.instant(d)})"
        return f"{form}({self.date(d)})"

    def instant(self, depth: int) -> str:
        if depth <= 0 or self.draw(st.booleans()):
            return self.pick(_fields("instant") + ["as_of"])
        unit = self.pick(["days", "hours", "minutes"])
        return f"({self.instant(depth - 1)} {self.pick(['+', '-'])} {unit}({self.number(0)}))"

    def boolean(self, depth: int) -> str:
        if depth <= 0 or self.draw(st.integers(0, 3)) == 0:
            return self.pick(_fields("boolean") + ["True", "False", "params.flag"])
        d = depth - 1
        form = self.pick(["compare", "compare", "dates", "instants", "and", "or", "not", "enum",
                          "in", "same", "any_of", "all_of", "id", "version", "none"]
                         + ["none"] * 3 * bool(self.results))
        if form == "compare":
            return f"{self.number(d)} {self.pick(COMPARISONS)} {self.number(d)}"
        if form == "dates":
            return f"{self.date(d)} {self.pick(COMPARISONS)} {self.date(d)}"
        if form == "instants":
            return f"{self.instant(d)} {self.pick(COMPARISONS)} {self.instant(d)}"
        if form in ("and", "or"):
            return f"({self.boolean(d)} {form} {self.boolean(d)})"
        if form == "not":
            return f"not {self.boolean(d)}"
        if form == "enum":
            return f"account.platform == '{self.pick(['douyin', 'xigua', 'kuaishou'])}'"
        if form == "in":
            return self.pick(["account.platform in params.names",
                              "account.platform not in ('douyin', 'xigua')",
                              "'app' in account.appeal.channels",
                              "'business_license' in organization.documents"])
        if form == "same":
            return f"{self.pick(['same_year', 'same_month', 'same_quarter'])}" \
                   f"({self.date(d)}, {self.date(d)})"
        if form in ("any_of", "all_of"):
            return f"{form}({self.pick(BOOL_LISTS)})"
        if form == "id":
            return "resident_id_valid(account.identity.id_number)"
        if form == "version":
            return "version(account.app.version) < version(account.app.latest_version)"
        nullable = _fields("instant", nullable=True) + ["task.retention_days_agreed"]
        if self.results and bool(self.draw(st.booleans())):
            nullable = [f"result.{name}" for name in self.results]
        return f"{self.pick(nullable)} {self.pick(['is None', 'is not None', '== None'])}"

    def condition(self, depth: int) -> Any:
        form = self.pick(["expr", "expr", "expr", "all", "any", "not", "labelled", "constant"]
                         if depth > 0 else ["expr", "labelled", "constant"])
        if form == "expr":
            return bounded(self.boolean(2), "True")
        if form == "labelled":
            return {"expr": bounded(self.boolean(2), "True"), "label": {"zh": "值", "en": "value"}}
        if form == "constant":
            return self.draw(st.booleans())
        if form == "not":
            return {"not": self.condition(depth - 1)}
        members = self.draw(st.integers(min_value=1, max_value=3))
        return {form: [self.condition(depth - 1) for _ in range(members)]}


def bounded(expression: str, fallback: str) -> str:
    """``expression`` if it is within the default load limits, else ``fallback``."""
    nodes = sum(1 for _ in ast.walk(ast.parse(expression, mode="eval")))
    return expression if nodes <= 250 and len(expression) <= 1_500 else fallback


def _rule_base(rule_id: str) -> dict[str, Any]:
    return {"id": rule_id, "title": {"zh": rule_id, "en": rule_id},
            "source": {"seed": "s.txt", "quote": "q"}}


def _pinned_pack(*rules: dict[str, Any]) -> dict[str, Any]:
    """A minimal generated-style pack, for the @example of a known failure."""
    return {"id": "prop.generated", "version": "1.0.0", "effective_from": "2000-01-01",
            "subject": "account", "title": {"zh": "包", "en": "pack"},
            "description": {"zh": "包", "en": "pack"}, "sources": [{"seed": "s.txt", "quote": "q"}],
            "params": {"k": 1}, "rules": list(rules)}


# Engine bug 1: a rule whose `when` is unknown still runs and sets its result fields (and a rule
# whose `when` is false sets them to null), so a later reader of those fields flips.
WHEN_UNKNOWN_SETS_RESULTS = _pinned_pack(
    {**_rule_base("rule0"), "kind": "output", "when": "account.mcn_signed",
     "set": {"r0": "account.fans"}},
    {**_rule_base("rule1"), "require": "result.r0 is None"},
)
# ... and through a chain of such fields a pack outcome flips from fail to pass.
WHEN_UNKNOWN_CHAIN = _pinned_pack(
    {**_rule_base("rule0"), "kind": "output", "when": "account.mcn_signed",
     "set": {"r0": "params.k"}},
    {**_rule_base("rule1"), "kind": "output", "when": "result.r0 is None",
     "set": {"r1": "0"}},
    {**_rule_base("rule2"), "require": "result.r1 is None"},
)
# A table `then: {expr: ...}` reading a missing fact: once an unknown outcome with an uncoded
# error "missing" and an empty `missing` list (found by this file, fixed since); kept pinned.
TABLE_THEN_MISSING = _pinned_pack(
    {**_rule_base("rule0"), "kind": "table", "hit_policy": "first", "outputs": ["r0"],
     "rows": [{"id": "R0", "then": {"r0": {"expr": "account.fans"}}}]},
)
# Engine bug 3: score arithmetic (start - deductions, floor, ceiling) runs outside the sandbox's
# error handling, so a null, text or date value raises TypeError out of evaluate().
SCORE_OF_NULL = _pinned_pack(
    {**_rule_base("rule0"), "kind": "score", "start": "task.retention_days_agreed",
     "deductions": [{"id": "d0", "points": "1"}], "into": {"score": "r0"}},
)
CHINA_NOON = dt.datetime(2026, 1, 1, 12, tzinfo=CHINA)
# The pack whose verdict held NaN (not equal to itself) before a number that is not finite
# made its check and result unknown.
NOT_A_NUMBER = _pinned_pack(
    {**_rule_base("rule0"), "kind": "check", "require": "1e999 - 1e999 > 0",
     "set": {"r0": "1e999 - 1e999"}},
)


ALL_KINDS = ("check", "check", "output", "table", "score")


# One branch per rule kind and part, drawn in the order a pack file lists them.
@st.composite
def generated_packs(  # noqa: C901
        draw: st.DrawFn, kinds: tuple[str, ...] = ALL_KINDS) -> dict[str, Any]:
    """A pack of random rules (check, output, table, score) over random valid expressions."""
    results: dict[str, str] = {}
    grammar = Grammar(draw, results)
    pack: dict[str, Any] = {
        "id": "prop.generated", "version": "1.0.0", "effective_from": "2000-01-01",
        "subject": draw(st.sampled_from(["account", "organization", "task"])),
        "title": {"zh": "生成的包", "en": "generated pack"},
        "description": {"zh": "随机规则", "en": "random rules"},
        "sources": [{"seed": "s.txt", "quote": "q"}],
        "params": {"n1": draw(st.integers(0, 200_000)), "n2": draw(st.floats(0, 1)),
                   "k": draw(st.integers(0, 5)), "zero": 0, "flag": draw(st.booleans()),
                   "names": ["douyin", "xigua"]},
    }
    if draw(st.integers(0, 4)) == 0:
        pack["when"] = grammar.condition(1)
    rules: list[dict[str, Any]] = []
    counter = iter(range(1_000))

    def fresh() -> str:
        return f"r{next(counter)}"

    for index in range(draw(st.integers(min_value=1, max_value=5))):
        rule = _rule_base(f"rule{index}")
        kind = draw(st.sampled_from(kinds))
        if draw(st.integers(0, 2)) == 0:
            rule["when"] = grammar.condition(1)
        if kind == "check":
            rule["require"] = grammar.condition(2)
            if draw(st.booleans()):
                rule["set"] = {name: bounded(grammar.number(2), "0")
                               for name in [fresh() for _ in range(draw(st.integers(1, 2)))]}
                results.update({name: "number" for name in rule["set"]})
            if draw(st.integers(0, 3)) == 0:
                rule["decisive"] = False
        elif kind == "output":
            rule["kind"] = "output"
            rule["set"] = {name: bounded(grammar.number(2), "0")
                           for name in [fresh() for _ in range(draw(st.integers(1, 2)))]}
            if draw(st.integers(0, 3)) == 0:
                rule["decisive"] = True
            results.update({name: "number" for name in rule["set"]})
        elif kind == "table":
            policy = draw(st.sampled_from(["unique", "first", "priority", "collect"]))
            outputs = [fresh() for _ in range(draw(st.integers(1, 2)))]
            rows = []
            for row_index in range(draw(st.integers(min_value=1, max_value=4))):
                row: dict[str, Any] = {"id": f"R{row_index}", "then": {}}
                if draw(st.integers(0, 3)) > 0:
                    row["when"] = grammar.condition(1)
                for name in outputs:
                    if draw(st.booleans()):
                        row["then"][name] = {"expr": bounded(grammar.number(1), "0")}
                    else:
                        row["then"][name] = draw(st.sampled_from([1, 2.5, [1, 2], 0, 7]))
                if policy == "priority":
                    row["priority"] = draw(st.integers(0, 3))
                rows.append(row)
            rule.update(kind="table", hit_policy=policy, outputs=outputs, rows=rows)
            if draw(st.integers(0, 3)) == 0:
                rule["complete"] = draw(st.booleans())
            results.update({name: "list" if policy == "collect" else "any" for name in outputs})
        else:
            score, lost = fresh(), fresh()
            rule.update(kind="score", start=bounded(grammar.number(1), "12"),
                        deductions=[], into={"score": score, "deducted": lost})
            for deduction_index in range(draw(st.integers(min_value=1, max_value=3))):
                deduction: dict[str, Any] = {"id": f"d{deduction_index}",
                                             "points": bounded(grammar.number(1), "1")}
                if draw(st.booleans()):
                    deduction["when"] = grammar.condition(1)
                rule["deductions"].append(deduction)
            if draw(st.booleans()):
                rule["floor"] = bounded(grammar.number(1), "0")
            if draw(st.booleans()):
                rule["ceiling"] = bounded(grammar.number(1), "100")
            results.update({score: "number", lost: "number"})
            if draw(st.booleans()):
                rule["pass_if"] = f"result.{score} {grammar.pick(COMPARISONS)} {grammar.number(1)}"
        rules.append(rule)
    pack["rules"] = rules
    return pack


def load_generated(pack: dict[str, Any]) -> rulepack.Library:
    """Load a generated pack; such packs are valid by construction and must load."""
    text = _dump(pack)
    note(f"generated pack:\n{text}")
    outcome = load_document(text)
    assert isinstance(outcome, rulepack.Library), f"a generated pack did not load:\n{outcome}"
    return outcome


def _assert_evaluates(library: rulepack.Library, pack: dict[str, Any],
                      documents: list[dict[str, Any]], as_of: dt.datetime) -> None:
    for document in documents:
        verdict = library.evaluate("prop.generated", document, as_of=as_of)
        assert isinstance(verdict, rulepack.Verdict)
        assert verdict.outcome in OUTCOMES
        assert [r.rule for r in verdict.reasons] == [r["id"] for r in pack["rules"]]
        for reason in verdict.reasons:
            assert reason.status in STATUSES, reason
            for check in reason.checks:
                assert check.status in STATUSES - {"skipped"}, check
        for lang in ("en", "zh"):
            json.dumps(verdict.to_dict(lang))
            assert verdict.explain(lang)


@settings(max_examples=120, deadline=None, suppress_health_check=BIG_INPUTS)
@example(pack=SCORE_OF_NULL, documents=[{"task": {"retention_days_agreed": None}}],
         as_of=CHINA_NOON)
@given(pack=generated_packs(), documents=st.lists(fact_documents(), min_size=1, max_size=3),
       as_of=_instants())
def test_generated_expressions_evaluate_to_a_verdict(
        pack: dict[str, Any], documents: list[dict[str, Any]], as_of: dt.datetime) -> None:
    """Property 2: a pack of well-formed expressions never makes evaluate() raise.

    Packs are generated from a typed grammar over real numeric, boolean, date and instant fact
    paths, params, literals (including 999, 1e999), arithmetic with ** and //, comparisons,
    and/or/not, x if c else y, comprehensions and library calls with the right arity, in check,
    output, table (every hit policy) and score rules. On random valid fact documents, evaluate()
    returns a Verdict, the outcome is pass/fail/unknown, every rule status is one of
    pass/fail/unknown/skipped, there is one reason per rule, and the verdict renders to a
    JSON-serialisable dict and an explanation in both languages.
    """
    _assert_evaluates(load_generated(pack), pack, documents, as_of)


@settings(max_examples=60, deadline=None, suppress_health_check=BIG_INPUTS)
@given(document=fact_documents(), as_of=_instants())
def test_bundled_evaluation_is_deterministic_and_pure(document: dict[str, Any],
                                                      as_of: dt.datetime) -> None:
    """Property 3 (bundled packs): same pack + same document -> same verdict; no mutation.

    Each bundled pack is evaluated twice through one Library and once through a second,
    separately loaded Library; the three to_dict("en") outputs are equal and their to_json
    texts identical, evaluate_all agrees too, and the fact document is deep-equal to a copy
    taken before evaluating.
    """
    before = copy.deepcopy(document)
    first, second = bundled_library(), second_bundled_library()
    assert first is not second
    for pack_id in first.ids:
        try:
            verdicts = [first.evaluate(pack_id, document, as_of=as_of),
                        first.evaluate(pack_id, document, as_of=as_of),
                        second.evaluate(pack_id, document, as_of=as_of)]
        except rulepack.EvaluationError:
            continue
        dicts = [v.to_dict("en") for v in verdicts]
        assert dicts[0] == dicts[1] == dicts[2], pack_id
        assert len({v.to_json("en") for v in verdicts}) == 1, pack_id
    all_first = [v.to_dict("en") for v in first.evaluate_all(document, as_of=as_of)]
    all_second = [v.to_dict("en") for v in second.evaluate_all(document, as_of=as_of)]
    assert all_first == all_second
    assert document == before, "evaluation changed the fact document"


@settings(max_examples=60, deadline=None, suppress_health_check=BIG_INPUTS)
@example(pack=NOT_A_NUMBER, document={}, as_of=CHINA_NOON)
@given(pack=generated_packs(), document=fact_documents(), as_of=_instants())
def test_generated_evaluation_is_deterministic_and_pure(
        pack: dict[str, Any], document: dict[str, Any], as_of: dt.datetime) -> None:
    """Property 3 (generated packs): the same determinism and purity for random rule packs.

    The generated pack is loaded twice into two Library objects; evaluating it twice through
    the first and once through the second gives equal to_dict("en") outputs and identical
    to_json texts (in the same bytes: a verdict holds no NaN, which no `==` would find equal to
    itself), and the document is unchanged.
    """
    before = copy.deepcopy(document)
    first, second = load_generated(pack), load_generated(pack)
    verdicts = [first.evaluate("prop.generated", document, as_of=as_of),
                first.evaluate("prop.generated", document, as_of=as_of),
                second.evaluate("prop.generated", document, as_of=as_of)]
    dicts = [v.to_dict("en") for v in verdicts]
    assert dicts[0] == dicts[1] == dicts[2]
    for lang in ("en", "zh"):
        assert len({v.to_json(lang) for v in verdicts}) == 1, lang
    assert document == before, "evaluation changed the fact document"


# -- 4. / 5. Kleene monotonicity: missing facts only add unknown --------------------------------

FLIPS = {("pass", "fail"), ("fail", "pass")}

# Removals are drawn as (prefer a fact the packs read?, index) pairs rather than with st.data(),
# so that known failures can be pinned with @example.
removal_picks = st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=2**16)),
                         min_size=1, max_size=4)


def read_paths(library: rulepack.Library) -> frozenset[str]:
    """Every fact path (``account.violations[].points`` for item fields) some pack reads."""
    out: set[str] = set()
    seen: set[int] = set()

    def visit(value: Any) -> None:
        if id(value) in seen or isinstance(value, (str, int, float, bool, type(None))):
            return
        seen.add(id(value))
        if isinstance(value, CompiledExpr):
            out.update(r for r in value.reads if not r.startswith("result."))
            out.update(node.rp_path for node in ast.walk(value.tree)  # type: ignore[attr-defined]
                       if isinstance(getattr(node, "rp_path", None), str))
        elif dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                visit(getattr(value, item.name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)

    for pack in models_of(library).packs:
        visit(pack)
    return frozenset(out)


def _schema_path(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out = out + "[]" if isinstance(part, int) else (f"{out}.{part}" if out else part)
    return out


def choose_removals(document: dict[str, Any], reads: frozenset[str],
                    picks: list[tuple[bool, int]]) -> list[tuple[Any, ...]]:
    """The document paths to remove, one at a time; half of them, facts the packs read."""
    paths = removable_paths(document)
    relevant = [p for p in paths if any(
        r == s or r.startswith((s + ".", s + "[]")) for s in [_schema_path(p)] for r in reads)]
    chosen: list[tuple[Any, ...]] = []
    for prefer_read, index in picks:
        pool = relevant if prefer_read and relevant else paths
        if pool and pool[index % len(pool)] not in chosen:
            chosen.append(pool[index % len(pool)])
    note(f"removed, one at a time: {['.'.join(map(str, p)) for p in chosen]}")
    return chosen


def _check_outcomes(before: dict[str, rulepack.Verdict], after: dict[str, rulepack.Verdict],
                    path: tuple[Any, ...]) -> None:
    assert after.keys() == before.keys()
    for pack_id, verdict in before.items():
        assert (verdict.outcome, after[pack_id].outcome) not in FLIPS, (
            f"{pack_id}: removing {'.'.join(map(str, path))} turned the outcome "
            f"{verdict.outcome} -> {after[pack_id].outcome}; rules before: "
            + ", ".join(f"{r.rule}={r.status}" for r in verdict.reasons) + "; after: "
            + ", ".join(f"{r.rule}={r.status}" for r in after[pack_id].reasons))


def _check_rule_statuses(before: dict[str, rulepack.Verdict],
                         after: dict[str, rulepack.Verdict], path: tuple[Any, ...]) -> None:
    for pack_id, verdict in before.items():
        later = {r.rule: r for r in after[pack_id].reasons}
        for reason in verdict.reasons:
            if reason.kind != "check":
                continue
            status = later[reason.rule].status
            assert (reason.status, status) not in FLIPS, (
                f"{pack_id}: removing {'.'.join(map(str, path))} turned check rule "
                f"`{reason.rule}` {reason.status} -> {status}\nbefore: "
                f"{reason.to_dict('en')}\nafter: {later[reason.rule].to_dict('en')}")


@settings(max_examples=100, deadline=None, suppress_health_check=BIG_INPUTS)
@given(document=fact_documents(), as_of=_instants(), picks=removal_picks)
def test_bundled_missing_facts_never_flip_outcome(document: dict[str, Any], as_of: dt.datetime,
                                                  picks: list[tuple[bool, int]]) -> None:
    """Property 4 (bundled packs): removing a fact never flips a pack outcome pass <-> fail.

    For every pack rulepack.load() returns and a random valid document, deleting any one
    present key (a leaf fact, an object, a list, or a field of a list item; half of the
    removals pick a fact some pack reads) may change an outcome only to or from `unknown`
    (Kleene monotonicity). Every unknown outcome, before or after, names its missing facts or
    carries a coded (RP5xx) rule error.
    """
    library = bundled_library()
    before = evaluate_each(library, document, as_of)
    for verdict in before.values():
        assert_unknown_is_explained(verdict)
    for path in choose_removals(document, read_paths(library), picks):
        after = evaluate_each(library, without(document, path), as_of)
        _check_outcomes(before, after, path)
        for verdict in after.values():
            assert_unknown_is_explained(verdict)


@settings(max_examples=100, deadline=None, suppress_health_check=BIG_INPUTS)
@given(document=fact_documents(), as_of=_instants(), picks=removal_picks)
def test_bundled_missing_facts_never_flip_a_check_rule(document: dict[str, Any],
                                                       as_of: dt.datetime,
                                                       picks: list[tuple[bool, int]]) -> None:
    """Property 5 (bundled packs): removing a fact never flips a check rule pass <-> fail.

    Same documents and removals as property 4, compared rule by rule for every `check` rule
    of every bundled pack.
    """
    library = bundled_library()
    before = evaluate_each(library, document, as_of)
    for path in choose_removals(document, read_paths(library), picks):
        _check_rule_statuses(before, evaluate_each(library, without(document, path), as_of), path)


@settings(max_examples=150, deadline=None, suppress_health_check=BIG_INPUTS)
@example(pack=WHEN_UNKNOWN_SETS_RESULTS, document={"account": {"mcn_signed": False, "fans": 5}},
         as_of=CHINA_NOON, picks=[(True, 1)])
@example(pack=WHEN_UNKNOWN_CHAIN, document={"account": {"mcn_signed": False}},
         as_of=CHINA_NOON, picks=[(True, 1)])
@given(pack=generated_packs(), document=fact_documents(), as_of=_instants(), picks=removal_picks)
def test_generated_missing_facts_never_flip(pack: dict[str, Any], document: dict[str, Any],
                                            as_of: dt.datetime,
                                            picks: list[tuple[bool, int]]) -> None:
    """Properties 4 and 5 on generated packs: the engine, not just today's packs, is monotone.

    With random packs (every rule kind, `when` on packs and rules, results read by later
    rules), removing a present fact never flips the outcome, or a check rule's status,
    between pass and fail.
    """
    library = load_generated(pack)
    before = evaluate_each(library, document, as_of)
    for path in choose_removals(document, read_paths(library), picks):
        after = evaluate_each(library, without(document, path), as_of)
        _check_outcomes(before, after, path)
        _check_rule_statuses(before, after, path)


@settings(max_examples=100, deadline=None, suppress_health_check=BIG_INPUTS)
@example(pack=TABLE_THEN_MISSING, document={"account": {"fans": 5}}, as_of=CHINA_NOON,
         picks=[(True, 1)])
@given(pack=generated_packs(), document=fact_documents(), as_of=_instants(),
       picks=removal_picks)
def test_generated_unknown_is_explained(pack: dict[str, Any], document: dict[str, Any],
                                        as_of: dt.datetime,
                                        picks: list[tuple[bool, int]]) -> None:
    """Property 4's second half on generated packs: every unknown outcome is explained.

    For the document and for each document with one fact removed, an `unknown` outcome comes
    with a non-empty `missing` list or a rule (or check) error carrying an RP5xx code.
    """
    library = load_generated(pack)
    documents = [document] + [without(document, path) for path in
                              choose_removals(document, read_paths(library), picks)]
    for each in documents:
        for verdict in evaluate_each(library, each, as_of).values():
            assert_unknown_is_explained(verdict)


def test_rich_template_pack_loads() -> None:
    """The RICH_PACK mutation seed is itself a valid pack (else property 1b tests less)."""
    assert isinstance(load_document(_dump(RICH_PACK)), rulepack.Library)
