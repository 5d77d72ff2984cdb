"""Hypothesis strategies and assertions behind :mod:`rulepack.testing`."""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from rulepack.analysis import properties
from rulepack.facts.schema import CHINA_TZ, FactSchema, parse_instant
from rulepack.lang.expressions import FieldInfo
from rulepack.library import Library, fact_schema, load, models_of
from rulepack.model.description import PackInfo
from rulepack.model.pack import Pack
from rulepack.verdict.data import Verdict

Document = dict[str, Any]
Pair = tuple[Document, Document]

# How far from its anchor a drawn date may fall; the anchor is the document's as_of.
_MAX_DAYS = 1_500
# Thresholds up to this size are also tried as list lengths, day and hour offsets.
_MAX_SIZE_HINT = 25
_MAX_DAY_HINT = 3_660
_MAX_HOUR_HINT = 1_000
# Without a pack, documents are anchored somewhere in this span (as the packs' own dates are).
_SPAN = (dt.date(2020, 1, 1), dt.date(2030, 12, 31))
# An open-ended pack version is judged up to this many years after it starts.
_OPEN_WINDOW_YEARS = 6
_UTC = dt.UTC
_BOOLEANS = st.booleans()
# A position in a list of any length: drawn once, taken modulo the length (shrinks to 0).
_INDEX = st.integers(0, 2**16)


# -- the schema as a tree -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """One fact path of the schema: its field info and, for objects and lists, what is inside."""

    info: FieldInfo
    children: tuple[_Node, ...] = ()
    required: frozenset[str] = frozenset()
    items: _Node | None = None
    min_items: int = 0

    @property
    def path(self) -> str:
        return self.info.path

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]


_ROOT_INFO = FieldInfo(path="", kind="object", label_zh="", label_en="")


def _resolve(defs: Mapping[str, Any], node: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(node)
    while "$ref" in merged:
        merged = {**defs[merged.pop("$ref").rsplit("/", 1)[-1]], **merged}
    return merged


@functools.lru_cache(maxsize=8)
def _tree(schema: FactSchema) -> _Node:
    """The whole fact schema as nodes; ``as_of`` is left out (documents get it separately)."""
    defs = schema.schema.get("$defs", {})

    def build(raw: Mapping[str, Any], info: FieldInfo) -> _Node:
        node = _resolve(defs, raw)
        children = tuple(
            build(sub, schema.fields[f"{info.path}.{name}" if info.path else name])
            for name, sub in node.get("properties", {}).items()
            if info.path or name != "as_of"
        )
        items = None
        if info.item_path is not None and "items" in node:
            items = build(node["items"], schema.fields[info.item_path])
        return _Node(info, children, frozenset(node.get("required", ())), items)

    return build(schema.schema, _ROOT_INFO)


def _needed(reads: Iterable[str]) -> frozenset[str]:
    """Every path read, and every path above one (``account``, ``account.violations``...)."""
    out: set[str] = set()
    for path in reads:
        while path:
            out.add(path)
            cut = max(path.rfind("."), path.rfind("[]"))
            path = path[:cut] if cut > 0 else ""
    return frozenset(out)


def _prune(node: _Node, reads: frozenset[str], needed: frozenset[str]) -> _Node:
    """The part of ``node`` a pack reads: a path read as a whole keeps all that is under it."""
    if node.path in reads and node.path:
        return node
    children = tuple(_prune(child, reads, needed) for child in node.children
                     if child.path in needed)
    items = node.items
    if items is not None and items.path in needed:
        items = _prune(items, reads, needed)
    return dataclasses.replace(node, children=children, items=items)


def _forced(node: _Node, path: str) -> _Node:
    """``node`` with every object on the way to ``path`` holding it, never leaving it out."""
    if node.path == path:
        return node
    if node.items is not None and path.startswith(node.items.path):
        # A list on the way to an item field needs an item to hold it.
        return dataclasses.replace(node, items=_forced(node.items, path), min_items=1)
    for index, child in enumerate(node.children):
        if path == child.path or path.startswith((child.path + ".", child.path + "[]")):
            children = list(node.children)
            children[index] = _forced(child, path)
            return dataclasses.replace(node, children=tuple(children),
                                       required=node.required | {child.name})
    return node


# -- what a pack reads and compares against -----------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    """What values are drawn near: the numbers and strings some pack compares against, in all
    and by the fact path they are compared with (``account.fans`` → 99,999 / 100,000 / ...)."""

    numbers: tuple[float, ...] = ()
    strings: tuple[str, ...] = ()
    by_path: Mapping[str, tuple[float, ...]] = dataclasses.field(default_factory=dict)

    def near(self, path: str) -> tuple[float, ...]:
        """The numbers compared with ``path``, or with the list that holds it."""
        holder = path.split("[]", 1)[0]
        return tuple(sorted(set(self.by_path.get(path, ())) | set(self.by_path.get(holder, ()))))

    def sizes(self, path: str) -> tuple[int, ...]:
        return tuple(sorted({int(n) for n in (*self.near(path), *self.numbers)
                             if float(n).is_integer() and 0 < n <= _MAX_SIZE_HINT}))

    def offsets(self, limit: int) -> tuple[int, ...]:
        """0, ±1, and ± each whole threshold up to ``limit``, nearest first."""
        values = {0, 1} | {abs(int(n)) for n in self.numbers
                           if float(n).is_integer() and abs(n) <= limit}
        return tuple(sign * v for v in sorted(values) for sign in (1, -1) if sign > 0 or v)


def _step(value: float) -> float:
    """One unit of the last digit written: 1 for 12, 0.001 for 0.015, 0.1 for 12.5."""
    if isinstance(value, int) or float(value).is_integer():
        return 1
    exponent = Decimal(repr(value)).as_tuple().exponent
    return float(Decimal(1).scaleb(int(exponent))) if isinstance(exponent, int) else 1


def _around(value: float) -> list[float]:
    step = _step(value)
    if step == 1 and float(value).is_integer():
        whole = int(value)
        return [whole - 1, whole, whole + 1]
    exact, delta = Decimal(repr(value)), Decimal(repr(step))
    return [float(exact - delta), value, float(exact + delta)]


def _numbers_in(value: Any) -> list[float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)) and abs(value) < 1e15:
        return _around(value)
    if isinstance(value, (list, tuple)):
        return [n for item in value for n in _numbers_in(item)]
    return []


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings_in(item)]
    return []


def _fact_paths_in(node: ast.AST) -> set[str]:
    """Fact paths in an expression tree: rewritten names and marked item fields."""
    out: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and "." in sub.id and not sub.id.startswith("result."):
            out.add(sub.id)
        elif isinstance(path := getattr(sub, "rp_path", None), str):
            out.add(path)
    return out


def _vocabulary(packs: Iterable[Pack]) -> _Vocabulary:
    numbers: set[float] = {0, 1}
    strings: set[str] = set()
    by_path: dict[str, set[float]] = {}
    for pack in packs:
        for value in pack.params.values():
            numbers.update(_numbers_in(value))
            strings.update(_strings_in(value))
        for expr in properties.expressions_of(pack):
            for node in ast.walk(expr.tree):
                if isinstance(node, ast.Constant):
                    numbers.update(_numbers_in(node.value))
                    strings.update(_strings_in(node.value))
                elif isinstance(node, ast.Compare):
                    # Params are inlined as constants, so a comparison names its thresholds.
                    found = [n for sub in ast.walk(node) if isinstance(sub, ast.Constant)
                             for n in _numbers_in(sub.value)]
                    for path in _fact_paths_in(node):
                        by_path.setdefault(path, set()).update(found)
    return _Vocabulary(tuple(sorted(numbers)), tuple(sorted(strings)),
                       {path: tuple(sorted(found)) for path, found in by_path.items()})


# -- plausible values for free-text facts that rules parse --------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _resident_id(region: str, born: dt.date, serial: int) -> str:
    """An 18-character PRC resident ID with a valid check digit (GB 11643)."""
    body = f"{region}{born:%Y%m%d}{serial:03d}"
    weighted = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[weighted % 11]


def _resident_ids() -> st.SearchStrategy[str]:
    return st.builds(_resident_id, st.sampled_from(["110105", "440524", "310101"]),
                     st.dates(dt.date(1940, 1, 1), dt.date(2010, 12, 31)), st.integers(0, 999))


def _version_strings() -> st.SearchStrategy[str]:
    return st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=4).map(
        lambda parts: ".".join(map(str, parts)))


# Keyed by fact path: the bundled vocabulary's free-text facts that some function parses.
_STRING_HINTS: dict[str, Callable[[], st.SearchStrategy[str]]] = {
    "account.app.version": _version_strings,
    "account.app.latest_version": _version_strings,
    "account.identity.id_number": lambda: st.one_of(
        _resident_ids(), st.text(alphabet="0123456789X", min_size=17, max_size=19)),
    "account.phone.country_code": lambda: st.sampled_from(["+86", "+852", "+1", "86", ""]),
    "account.region": lambda: st.sampled_from(["广东", "北京", "上海", "新疆"]),
}


# -- drawing documents --------------------------------------------------------------------------


@dataclass
class _Context:
    """One document being drawn: its anchor (as_of) and the moments drawn so far, which later
    dates and instants may fall near (a removal exactly 30 days after a publication)."""

    anchor: dt.datetime
    moments: list[dt.datetime] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.moments.append(self.anchor)


class _Drawer:
    """Draws documents shaped like one (pruned) schema tree, near one vocabulary."""

    def __init__(self, tree: _Node, vocabulary: _Vocabulary) -> None:
        self.tree = tree
        self.vocabulary = vocabulary
        self._leaves: dict[str, st.SearchStrategy[Any]] = {}
        self._sizes: dict[str, st.SearchStrategy[int]] = {}
        self._left_out: dict[tuple[str, ...], st.SearchStrategy[frozenset[str]]] = {}
        self.days = st.one_of(st.sampled_from(vocabulary.offsets(_MAX_DAY_HINT)),
                              st.integers(-_MAX_DAYS, _MAX_DAYS))
        # Whole hours and days mostly, so that instants meet deadlines exactly.
        self.hours = st.one_of(st.just(0), st.sampled_from(vocabulary.offsets(_MAX_HOUR_HINT)),
                               st.integers(-23, 23))
        self.minutes = st.one_of(st.just(0), st.sampled_from([1, -1, 30]))
        self.zones = st.sampled_from([CHINA_TZ, _UTC])

    def document(self, draw: st.DrawFn, context: _Context, *, complete: bool,
                 holes: bool = False) -> Document:
        """One document; ``complete`` keeps every key, but with ``holes`` a record of a list
        may still lack some of its fields (what any other record has)."""
        value = self.node(draw, self.tree, context, complete, holes)
        assert isinstance(value, dict)
        return value

    def node(self, draw: st.DrawFn, node: _Node, context: _Context, complete: bool,
             holes: bool = False) -> Any:
        kind = node.info.kind
        if node.info.nullable and draw(_BOOLEANS):
            return None
        if kind == "object":
            return self.mapping(draw, node, context, complete, holes)
        if kind == "array":
            if node.items is None:
                return []
            size = max(draw(self.sizes(node.path)), node.min_items)
            if size > 1 and draw(_BOOLEANS):
                # Copies of one item: counts over a window (6 complaints this month) reach
                # their thresholds only when many items qualify at once; with holes, one
                # copy may lack a field the others have (the one record a list waits on).
                item = self.node(draw, node.items, context, complete, holes)
                items = [copy.deepcopy(item) for _ in range(size)]
                if holes:
                    at = draw(_INDEX) % size
                    items[at] = self.record(draw, node.items, context, complete, holes)
                return items
            return [self.record(draw, node.items, context, complete, holes)
                    for _ in range(size)]
        if kind in ("date", "instant"):
            return self.moment(draw, kind, context)
        return draw(self.leaf(node.info))

    def moment(self, draw: st.DrawFn, kind: str, context: _Context) -> str:
        base = context.moments[draw(_INDEX) % len(context.moments)]
        if kind == "date":
            day = base.date() + dt.timedelta(days=draw(self.days))
            context.moments.append(dt.datetime.combine(day, dt.time(), CHINA_TZ))
            return day.isoformat()
        moved = base + dt.timedelta(days=draw(self.days), hours=draw(self.hours),
                                    minutes=draw(self.minutes))
        context.moments.append(moved)
        return moved.astimezone(draw(self.zones)).isoformat()

    def record(self, draw: st.DrawFn, node: _Node, context: _Context, complete: bool,
               holes: bool) -> Any:
        """One item of a list; with ``holes``, drawn as incomplete half of the time."""
        if holes and complete and draw(_BOOLEANS):
            complete = False
        return self.node(draw, node, context, complete, holes)

    def mapping(self, draw: st.DrawFn, node: _Node, context: _Context,
                complete: bool, holes: bool = False) -> Document:
        left_out: frozenset[str] = frozenset()
        if not complete and node.children:
            left_out = draw(self.left_out(node))
        return {child.name: self.node(draw, child, context, complete, holes)
                for child in node.children
                if child.name not in left_out or child.name in node.required}

    def left_out(self, node: _Node) -> st.SearchStrategy[frozenset[str]]:
        names = tuple(child.name for child in node.children)
        if names not in self._left_out:
            # Most keys present (so that packs decide), a few left out (so they are missing).
            self._left_out[names] = st.one_of(
                st.just(frozenset()), st.frozensets(st.sampled_from(names), max_size=1),
                st.frozensets(st.sampled_from(names)))
        return self._left_out[names]

    def sizes(self, path: str) -> st.SearchStrategy[int]:
        if path not in self._sizes:
            # Empty or short lists mostly; now and then one as long as a threshold (6 complaints).
            short = st.one_of(st.just(0), st.integers(0, 3))
            hints = self.vocabulary.sizes(path)
            self._sizes[path] = st.one_of(short, short, st.sampled_from(hints)) if hints \
                else short
        return self._sizes[path]

    def leaf(self, info: FieldInfo) -> st.SearchStrategy[Any]:
        if info.path not in self._leaves:
            self._leaves[info.path] = self._leaf(info)
        return self._leaves[info.path]

    def _leaf(self, info: FieldInfo) -> st.SearchStrategy[Any]:
        if info.enum is not None:
            return st.sampled_from([v for v in info.enum if v is not None])
        if info.kind in ("integer", "number"):
            return self._number(info)
        if info.kind == "boolean":
            return _BOOLEANS
        if info.kind == "string":
            options = [st.text(max_size=8)]
            if info.path in _STRING_HINTS:
                options.insert(0, _STRING_HINTS[info.path]())
            if self.vocabulary.strings:
                options.insert(0, st.sampled_from(self.vocabulary.strings))
            return st.one_of(options)
        raise ValueError(f"the fact schema has a kind of fact no strategy draws: "
                         f"{info.path} ({info.kind})")

    def _number(self, info: FieldInfo) -> st.SearchStrategy[Any]:
        low = info.minimum if info.minimum is not None else -1_000_000
        high = info.maximum if info.maximum is not None else low + 1_000_000_000
        whole = info.kind == "integer"

        def fitting(values: Iterable[float]) -> list[Any]:
            return sorted({int(n) if whole else n for n in values
                           if low <= n <= high and (not whole or float(n).is_integer())})

        general: st.SearchStrategy[Any] = st.integers(int(low), int(high))
        if not whole:
            general = st.one_of(general, st.floats(low, high, allow_nan=False,
                                                   allow_infinity=False))
        # Thresholds first: shrinking prefers them, so a counterexample shows the boundary;
        # the thresholds this fact is compared with come before every other constant.
        near, anywhere = fitting(self.vocabulary.near(info.path)), \
            fitting(self.vocabulary.numbers)
        options = [st.sampled_from(values) for values in (near, near, anywhere) if values]
        return st.one_of(*options, general)


# -- public strategies --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _bundled() -> Library:
    return load()


def _versions(pack: PackInfo | str, library: Library | None) -> tuple[Pack, ...]:
    """The models of the versions ``pack`` names: one version (looked up in ``library`` by id
    and version), or every version of a pack id."""
    models = models_of(library or _bundled())
    if isinstance(pack, PackInfo):
        return (models.of(pack),)
    return models.versions(pack)


def _window(pack: Pack) -> tuple[dt.date, dt.date]:
    start = pack.effective_from
    end = pack.effective_until or start.replace(year=start.year + _OPEN_WINDOW_YEARS)
    return start, end


def _midnight_plus(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), CHINA_TZ)


_HOURS = st.integers(0, 23)


def _as_of(packs: Sequence[Pack]) -> st.SearchStrategy[dt.datetime]:
    """An instant in the effective window of one of ``packs``, on the hour, China time."""
    return st.one_of([st.builds(_midnight_plus, st.dates(*_window(pack)), _HOURS)
                      for pack in packs])


def _pack_drawer(packs: Sequence[Pack], schema: FactSchema, extra: Iterable[str] = ()) \
        -> _Drawer:
    reads = frozenset().union(*(properties.pack_reads(p) for p in packs), extra)
    # The subject is always there, so that every document is one the pack judges.
    reads_and_subjects = reads | {p.subject for p in packs}
    needed = _needed(reads_and_subjects)
    tree = _prune(_tree(schema), frozenset(reads), needed)
    for subject in {p.subject for p in packs}:
        tree = _forced(tree, subject)
    return _Drawer(tree, _vocabulary(packs))


def facts_for(pack: PackInfo | str, library: Library | None = None, *,
              complete: bool = False, holes: bool = False) -> st.SearchStrategy[Document]:
    """Fact documents for one pack: the facts it reads, near its thresholds.

    ``pack`` is a pack id (every version of it, from ``library``, default the bundled packs)
    or one version (a :class:`rulepack.PackInfo`, looked up in ``library`` by id and version).
    Each document has the pack's subject, an ``as_of`` inside the effective window of a version
    (so evaluation picks that version), numbers at each threshold the pack compares against and
    one step either side (99,999 / 100,000 / 100,001 fans), and dates and instants close to
    ``as_of``. With ``complete=True`` every fact the pack reads is present (it may still be
    ``null`` where the schema allows); otherwise a few are left out at random, so ``unknown``
    verdicts are drawn too::

        @given(facts_for("xingtu.entry", complete=True))
        def test_entry_always_decides(facts):
            assert library.evaluate("xingtu.entry", facts).outcome != "unknown"

    With ``holes=True`` as well, the records of lists are incomplete half of the time (a
    violation without its ``type``), beside complete ones and empty lists: what a pack decides
    from the records it knows is then tested too.
    """
    return facts_of(_versions(pack, library), models_of(library or _bundled()).schema,
                    complete=complete, holes=holes)


def facts_of(versions: Sequence[Pack], schema: FactSchema, *,
             complete: bool = False, holes: bool = True) -> st.SearchStrategy[Document]:
    """:func:`facts_for` over pack models (internal: for ``rulepack verify``, whose properties
    and tables must hold on lists with incomplete records too: holes by default)."""
    drawer = _pack_drawer(versions, schema)
    as_of = _as_of(versions)

    @st.composite
    def documents(draw: st.DrawFn) -> Document:
        context = _Context(draw(as_of))
        return {"as_of": context.anchor.isoformat(),
                **drawer.document(draw, context, complete=complete, holes=holes)}

    return documents()


def facts_for_schema(*, complete: bool = False, near: Library | None = None) \
        -> st.SearchStrategy[Document]:
    """Fact documents over the whole fact schema, without ``as_of``.

    Every object of the schema may appear; with ``complete=False`` (the default) each object
    leaves out a few of its keys at random, the top level included, so documents range from
    ``{}`` to every fact. Dates fall within a few years of a random day of 2020-2030. With
    ``near`` (a library), numbers and strings are drawn near the constants its packs
    compare against, as :func:`facts_for` does::

        @given(facts_for_schema(near=library), instants)
        def test_every_verdict_renders(facts, as_of):
            for verdict in library.evaluate_all(facts, as_of=as_of):
                assert verdict.explain("en")
    """
    models = models_of(near) if near is not None else None
    schema = models.schema if models is not None else fact_schema()
    drawer = _Drawer(_tree(schema), _vocabulary(models.packs if models is not None else ()))

    anchors = st.builds(_midnight_plus, st.dates(*_SPAN), _HOURS)

    @st.composite
    def documents(draw: st.DrawFn) -> Document:
        return drawer.document(draw, _Context(draw(anchors)), complete=complete)

    return documents()


def pairs_for(pack: PackInfo | str, fact: str, library: Library | None = None, *,
              complete: bool = False, holes: bool = False) -> st.SearchStrategy[Pair]:
    """Pairs ``(lower, higher)`` of documents for ``pack`` that differ only in ``fact``.

    ``fact`` is a number, date or instant fact (``account.fans``): ``higher`` has a larger
    value; an item field of a list (``account.violations[].points``): one item's value is
    larger in ``higher``; or a list (``account.violations``): ``higher`` has one more item.
    Both documents share their ``as_of`` and every other fact, drawn as :func:`facts_for`
    draws them (``complete`` and ``holes`` mean what they mean there), and both hold ``fact``::

        @given(pairs_for("xingtu.penalty_points", "account.violations[].points"))
        def test_more_points_never_leave_more_remaining(pair):
            fewer, more = pair
            assert_monotone(library, "xingtu.penalty_points", fewer, more, of="result",
                            field="remaining", direction="decreasing")
    """
    return pairs_of(_versions(pack, library), fact, models_of(library or _bundled()).schema,
                    complete=complete, holes=holes)


def pairs_of(versions: Sequence[Pack], fact: str, schema: FactSchema, *,
             complete: bool = False, holes: bool = True) -> st.SearchStrategy[Pair]:
    """:func:`pairs_for` over pack models (internal: for ``rulepack verify``, with holes by
    default as :func:`facts_of`)."""
    if fact not in schema.fields:
        raise ValueError(f"`{fact}` is not a fact path of the fact schema")
    drawer = _pack_drawer(versions, schema, extra=[fact])
    drawer.tree = _forced(drawer.tree, fact)
    mover = _Mover(drawer, schema, fact)

    as_of = _as_of(versions)

    @st.composite
    def pairs(draw: st.DrawFn) -> Pair:
        context = _Context(draw(as_of))
        lower = {"as_of": context.anchor.isoformat(),
                 **drawer.document(draw, context, complete=complete, holes=holes)}
        return mover.move(draw, lower, context)

    return pairs()


class _Mover:
    """Makes the ``higher`` document of a pair from the ``lower`` one."""

    def __init__(self, drawer: _Drawer, schema: FactSchema, fact: str) -> None:
        self.drawer = drawer
        self.fact = fact
        info = schema.fields[fact]
        self.info = info
        self.list_path, _, self.rest = fact.partition("[]")
        self.node = _find(drawer.tree, fact)
        if info.kind == "array":
            self.item = _find(drawer.tree, info.item_path or "")
        elif info.kind not in ("integer", "number", "date", "instant"):
            raise ValueError(f"`{fact}` is a {info.kind}; a pair moves a number, a date, an "
                             "instant or the length of a list")

    def move(self, draw: st.DrawFn, lower: Document, context: _Context) -> Pair:
        higher = copy.deepcopy(lower)
        if self.info.kind == "array":
            items = _get(higher, self.fact)
            at = draw(_INDEX) % (len(items) + 1)
            items.insert(at, self.drawer.node(draw, self.item, context, False))
            return lower, higher
        low, high = self.values(draw, context)
        if "[]" in self.fact:
            index = draw(_INDEX) % len(_get(lower, self.list_path))
            for document, value in ((lower, low), (higher, high)):
                items = _get(document, self.list_path)
                if self.rest:
                    _put(items[index], self.rest.lstrip("."), value)
                else:
                    items[index] = value
        else:
            _put(lower, self.fact, low)
            _put(higher, self.fact, high)
        return lower, higher

    def values(self, draw: st.DrawFn, context: _Context) -> tuple[Any, Any]:
        node = dataclasses.replace(self.node, info=dataclasses.replace(self.info, nullable=False))
        first = self.drawer.node(draw, node, context, True)
        second = self.drawer.node(draw, node, context, True)
        key = _order_key(self.info.kind)
        assume(key(first) != key(second))
        return (first, second) if key(first) < key(second) else (second, first)


def _order_key(kind: str) -> Callable[[Any], Any]:
    if kind == "date":
        return dt.date.fromisoformat
    if kind == "instant":
        return parse_instant
    return lambda value: value


def _find(node: _Node, path: str) -> _Node:
    if node.path == path:
        return node
    if node.items is not None and path.startswith(node.items.path):
        return _find(node.items, path)
    for child in node.children:
        if path == child.path or path.startswith((child.path + ".", child.path + "[]")):
            return _find(child, path)
    raise KeyError(path)


def _get(document: Any, path: str) -> Any:
    node = document
    for part in path.split("."):
        node = node[part]
    return node


def _put(document: Any, path: str, value: Any) -> None:
    parts = path.split(".")
    node = document
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


# -- assertions ---------------------------------------------------------------------------------


def assert_bounds(verdict: Verdict, field: str, lo: float | None = None,
                  hi: float | None = None) -> None:
    """Assert that result ``field``, when known (not ``null``), is a number within
    ``[lo, hi]`` (either end may be ``None``)::

        assert_bounds(library.evaluate("xingtu.penalty_points", facts), "remaining", 0, 12)
    """
    problem = properties.bounds_violation(verdict, field, lo, hi)
    if problem is not None:
        raise AssertionError(f"{verdict.pack} {verdict.version}: {problem}")


def assert_monotone(library: Library, pack_id: str, lower: Mapping[str, Any],
                    higher: Mapping[str, Any], *, direction: str = "increasing",
                    of: str = "outcome", field: str | None = None,
                    version: str | None = None) -> None:
    """Assert that going from ``lower`` to ``higher`` moves the pack only in ``direction``.

    ``lower`` and ``higher`` differ in one fact, larger in ``higher`` (see :func:`pairs_for`).
    With ``of="outcome"``: ``increasing`` means ``higher`` never fails where ``lower``
    passes, ``decreasing`` that it never passes where ``lower`` fails (``unknown`` on either
    side proves nothing). With ``of="result"``: result ``field`` never goes down
    (``increasing``) or up (``decreasing``) when it is known on both sides.
    """
    low = library.evaluate(pack_id, lower, version=version)
    high = library.evaluate(pack_id, higher, version=version)
    problem = properties.monotone_violation(low, high, direction=direction, of=of, field=field)
    if problem is not None:
        raise AssertionError(f"{pack_id} {low.version}: {problem}")


def assert_exclusive(verdict: Verdict, entries: Sequence[str]) -> None:
    """Assert that at most one of ``entries`` holds in ``verdict``.

    An entry is a rule id (holds when the rule passes), ``RULE.ROW`` (holds when that row of
    table ``RULE`` matched) or ``result.FIELD`` (holds when the field is ``true``).
    """
    problem = properties.exclusive_message(properties.exclusive_holding(verdict, entries), entries)
    if problem is not None:
        raise AssertionError(f"{verdict.pack} {verdict.version}: {problem}")


def assert_properties(library: Library, pack_id: str, facts: Mapping[str, Any]) -> Verdict:
    """Evaluate ``facts`` and assert every bounds and exclusive property the pack declares.

    Monotone properties compare two documents; check those with :func:`pairs_for` and
    :func:`assert_monotone`. Returns the verdict.
    """
    verdict = library.evaluate(pack_id, facts)
    pack = models_of(library).select(pack_id, version=verdict.version)
    for prop in pack.properties:
        problem = properties.single_document_violation(prop, verdict)
        if problem is not None:
            raise AssertionError(f"{pack_id} {verdict.version}: property `{prop.id}`: {problem}")
    return verdict
