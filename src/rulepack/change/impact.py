"""Who a change affects: the verdicts of old and new rules over a corpus, side by side.

For every document and pack, each side gives a state: the verdict's outcome (``pass``,
``fail``, ``unknown``), ``not_applicable`` (the pack's subject is absent, the account is on
another of the pack's platforms, no version is in force, the pack's ``when`` does not hold, or
the side has no such pack) or ``error``. A pack's report counts the transitions between the
two states, the rules whose status changed within each, the result fields that changed (a
value's old and new, a list's items gained and lost), a few example lines per transition, and
for transitions whose outcome changed the range of each number the changed rules read (“all
between 80,000 and 99,999 fans”).

Memory is flat: every count is bounded (distinct result values past :data:`MAX_VALUES` per
field are counted together), examples are kept a few per transition, and documents are read
a chunk at a time. With ``jobs`` above 1, chunks are judged in worker processes and their
counts merged in input order, so the report is the same as with one job.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any, Literal

from rulepack.batch import documents
from rulepack.batch.jsonl import Chunk, chunks
from rulepack.change.sources import PackSet, from_path
from rulepack.core.errors import EvaluationError, FactsError
from rulepack.facts.reading import read_json
from rulepack.library import Library, models_of
from rulepack.verdict.data import Verdict, to_jsonable

State = Literal["pass", "fail", "unknown", "not_applicable", "error"]
STATES: tuple[State, ...] = ("pass", "fail", "unknown", "not_applicable", "error")
EXAMPLES = 3
MAX_VALUES = 50
UNREADABLE_EXAMPLES = 5
WINDOW_PER_JOB = 3
_encode = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


# -- the report, as data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    """A corpus line in a transition: where it is, and how its rules' statuses changed."""

    input: str
    line: int
    rules: tuple[str, ...] = ()  # "audience: fail → pass"

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "line": self.line, "rules": list(self.rules)}


@dataclass(frozen=True)
class RuleChange:
    """How many documents of a transition saw one rule go from one status to another."""

    rule: str
    old: str
    new: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "old": self.old, "new": self.new, "count": self.count}


@dataclass(frozen=True)
class Range:
    """The smallest and largest value of one fact among a transition's documents."""

    path: str
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "min": self.low, "max": self.high}


@dataclass(frozen=True)
class Transition:
    """Documents whose state went from ``old`` to ``new``; ``share`` is of the documents the
    pack applies to on either side."""

    old: State
    new: State
    count: int
    share: float
    rules: tuple[RuleChange, ...] = ()
    examples: tuple[Example, ...] = ()
    ranges: tuple[Range, ...] = ()

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "count": self.count,
                "share": round(self.share, 6), "rules": [r.to_dict() for r in self.rules],
                "examples": [e.to_dict() for e in self.examples],
                "ranges": [r.to_dict() for r in self.ranges]}


@dataclass(frozen=True)
class FieldChange:
    """Documents whose result field went from one value to another (JSON values)."""

    field: str
    old: Any
    new: Any
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "old": self.old, "new": self.new, "count": self.count}


@dataclass(frozen=True)
class ItemChange:
    """How many documents gained, and how many lost, one item of a list result field."""

    field: str
    item: Any
    gained: int
    lost: int

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "item": self.item, "gained": self.gained,
                "lost": self.lost}


@dataclass(frozen=True)
class PackImpact:
    """One pack's side-by-side verdicts over the corpus."""

    pack: str
    documents: int  # lines the pack applies to on at least one side
    neither: int  # lines it applies to on neither side
    transitions: tuple[Transition, ...]
    fields: tuple[FieldChange, ...] = ()
    items: tuple[ItemChange, ...] = ()
    other_values: int = 0  # field changes past MAX_VALUES distinct ones, counted together
    versions: tuple[tuple[str, str, int], ...] = ()  # (old version, new version, lines)

    @property
    def changed(self) -> int:
        """Documents whose state changed."""
        return sum(t.count for t in self.transitions if t.changed)

    def transition(self, old: State, new: State) -> Transition:
        for transition in self.transitions:
            if (transition.old, transition.new) == (old, new):
                return transition
        raise KeyError((old, new))

    def to_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "documents": self.documents, "not_applicable": self.neither,
                "changed": self.changed,
                "transitions": [t.to_dict() for t in self.transitions],
                "fields": [f.to_dict() for f in self.fields],
                "items": [i.to_dict() for i in self.items], "other_values": self.other_values,
                "versions": [{"old": o, "new": n, "count": c} for o, n, c in self.versions]}


@dataclass(frozen=True)
class Unreadable:
    """Corpus lines that could not be judged, by code (RP701 not JSON, RP702 not a valid fact
    document): counted, with the first few."""

    code: str
    count: int
    examples: tuple[tuple[str, int, str], ...]  # (input, line, message)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "count": self.count,
                "examples": [{"input": i, "line": n, "message": m}
                             for i, n, m in self.examples]}


@dataclass(frozen=True)
class Impact:
    """The old and new rules' verdicts over a corpus, compared."""

    old: str
    new: str
    lines: int
    unreadable: tuple[Unreadable, ...]
    packs: tuple[PackImpact, ...]

    @property
    def unreadable_lines(self) -> int:
        return sum(u.count for u in self.unreadable)

    @property
    def changed(self) -> bool:
        """Whether any document's state changed for any pack."""
        return any(p.changed for p in self.packs)

    def pack(self, pack_id: str) -> PackImpact:
        for pack in self.packs:
            if pack.pack == pack_id:
                return pack
        raise KeyError(pack_id)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "lines": self.lines,
                "unreadable_lines": self.unreadable_lines,
                "unreadable": [u.to_dict() for u in self.unreadable],
                "changed": self.changed, "packs": [p.to_dict() for p in self.packs]}


# -- judging one document -------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of the comparison: a library, and the version to pin, if any."""

    library: Library
    label: str
    version: str | None = None


def judge(side: Side, pack_id: str, doc: Mapping[str, Any], as_of: Any) \
        -> tuple[State, Verdict | None]:
    """The state of one pack on one document, as :meth:`Library.evaluate_all` would see it,
    and the verdict where there is one."""
    library = side.library
    if pack_id not in library.ids:
        return "not_applicable", None
    versions = library.versions(pack_id)
    subject = doc.get(versions[0].subject)
    if subject is None:
        return "not_applicable", None
    try:
        verdict = library.evaluate(pack_id, doc, as_of=as_of, version=side.version,
                                   validate=False)
    except EvaluationError as exc:
        if exc.problems and exc.problems[0].code == "RP502":
            return "not_applicable", None  # no version in force that day
        return "error", None
    except FactsError:
        return "error", None
    if not verdict.applicable:
        return "not_applicable", verdict
    platform = subject.get("platform") if isinstance(subject, Mapping) else None
    if platform is not None:
        for pack in versions:
            if pack.version == verdict.version and pack.platforms \
                    and platform not in pack.platforms:
                return "not_applicable", verdict
    outcome: State = "fail" if verdict.outcome == "fail" else \
        "pass" if verdict.outcome == "pass" else "unknown"
    return outcome, verdict


def read_line(raw: bytes, library: Library) -> tuple[Any, tuple[str, str] | None]:
    """A corpus line's document, or why it cannot be judged: (code, message), in the words
    ``eval --batch`` uses for the same line (rulepack.batch.documents)."""
    try:
        doc = read_json(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        error = documents.not_json(raw, exc)
        return None, (error["code"], error["message"])
    return doc, invalid(doc, library)


def invalid(doc: Any, library: Library) -> tuple[str, str] | None:
    """Why ``doc`` is not a valid fact document (RP702), or None."""
    problems = models_of(library).schema.problems(doc)
    if problems:
        error = documents.invalid(problems)
        return error["code"], error["message"]
    return None


# -- counting -----------------------------------------------------------------------------------


@dataclass
class _PackCounts:
    """What one pack's report is made from: plain counters, so that they pickle and merge."""

    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    rules: dict[tuple[str, str], Counter[tuple[str, str, str]]] = field(default_factory=dict)
    examples: dict[tuple[str, str], list[Example]] = field(default_factory=dict)
    ranges: dict[tuple[str, str], dict[str, list[float]]] = field(default_factory=dict)
    values: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    other_values: int = 0
    gained: Counter[tuple[str, str]] = field(default_factory=Counter)
    lost: Counter[tuple[str, str]] = field(default_factory=Counter)
    versions: Counter[tuple[str, str]] = field(default_factory=Counter)

    def merge(self, other: _PackCounts, examples: int) -> None:
        self.transitions.update(other.transitions)
        for key, counter in other.rules.items():
            self.rules.setdefault(key, Counter()).update(counter)
        for key, found in other.examples.items():
            kept = self.examples.setdefault(key, [])
            kept.extend(found[:max(0, examples - len(kept))])
        for key, ranges in other.ranges.items():
            mine = self.ranges.setdefault(key, {})
            for path, (low, high) in ranges.items():
                if path in mine:
                    mine[path] = [min(mine[path][0], low), max(mine[path][1], high)]
                else:
                    mine[path] = [low, high]
        for value_key, count in other.values.items():
            self._count_value(value_key, count)
        self.other_values += other.other_values
        self.gained.update(other.gained)
        self.lost.update(other.lost)
        self.versions.update(other.versions)

    def _count_value(self, key: tuple[str, str, str], count: int = 1) -> None:
        if key in self.values or sum(1 for k in self.values if k[0] == key[0]) < MAX_VALUES:
            self.values[key] += count
        else:
            self.other_values += count


@dataclass
class Tally:
    """The counts of some lines of a corpus: plain data, so that workers can send it back."""

    lines: int = 0
    per_pack: dict[str, _PackCounts] = field(default_factory=dict)
    unreadable: Counter[str] = field(default_factory=Counter)
    unreadable_examples: dict[str, list[tuple[str, int, str]]] = field(default_factory=dict)


class Counts:
    """The running counts of an impact run; :meth:`add` one document at a time."""

    def __init__(self, old: Side, new: Side, packs: Sequence[str], *, as_of: Any = None,
                 examples: int = EXAMPLES) -> None:
        self.old, self.new, self.packs = old, new, tuple(packs)
        self.as_of = as_of
        self.examples = examples
        self.tally = self.fresh()

    def fresh(self) -> Tally:
        """Empty counts for these packs."""
        return Tally(per_pack={p: _PackCounts() for p in self.packs})

    def add_line(self, name: str, number: int, raw: bytes) -> None:
        """Read and judge one raw corpus line."""
        doc, refusal = read_line(raw, self.old.library)
        if refusal is not None:
            self.add_unreadable(name, number, *refusal)
        else:
            self.add(name, number, doc)

    def add(self, name: str, number: int, doc: Any) -> None:
        """Judge one document (counted unreadable, RP702, if it is not a valid fact one)."""
        refusal = invalid(doc, self.old.library)
        if refusal is not None:
            self.add_unreadable(name, number, *refusal)
            return
        self.tally.lines += 1
        for pack_id in self.packs:
            self._pack(pack_id, name, number, doc)

    def add_unreadable(self, name: str, number: int, code: str, message: str) -> None:
        self.tally.lines += 1
        self.tally.unreadable[code] += 1
        kept = self.tally.unreadable_examples.setdefault(code, [])
        if len(kept) < UNREADABLE_EXAMPLES:
            kept.append((name, number, message[:300]))

    def _pack(self, pack_id: str, name: str, number: int, doc: dict[str, Any]) -> None:
        counts = self.tally.per_pack[pack_id]
        before, old = judge(self.old, pack_id, doc, self.as_of)
        after, new = judge(self.new, pack_id, doc, self.as_of)
        key = (before, after)
        counts.transitions[key] += 1
        if old is not None and new is not None and before not in ("not_applicable", "error") \
                and after not in ("not_applicable", "error"):
            counts.versions[(old.version, new.version)] += 1
            # The same pack content gives the same verdict: nothing more to compare.
            if old.digest == new.digest:
                return
            changes = self._rules(counts, key, old, new)
            self._results(pack_id, counts, old, new)
            if before != after:
                self._ranges(counts, key, new, changes)
        elif before != after:
            changes = ()
        else:
            return
        kept = counts.examples.setdefault(key, [])
        if len(kept) < self.examples and (before != after or changes):
            kept.append(Example(name, number, tuple(f"{r}: {a} → {b}" for r, a, b in changes)))

    def _rules(self, counts: _PackCounts, key: tuple[str, str], old: Verdict, new: Verdict) \
            -> tuple[tuple[str, str, str], ...]:
        before = {r.rule: r.status for r in old.reasons}
        after = {r.rule: r.status for r in new.reasons}
        changes = tuple((rule, before.get(rule, "absent"), after.get(rule, "absent"))
                        for rule in dict.fromkeys([*before, *after])
                        if before.get(rule) != after.get(rule))
        if changes:
            counts.rules.setdefault(key, Counter()).update(changes)
        return changes

    def _results(self, pack_id: str, counts: _PackCounts, old: Verdict, new: Verdict) -> None:
        for name in dict.fromkeys([*old.result, *new.result]):
            a, b = old.result.get(name), new.result.get(name)
            if a == b:
                continue
            if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
                first, second = {_encode(to_jsonable(x)) for x in a}, \
                    {_encode(to_jsonable(x)) for x in b}
                for item in second - first:
                    counts.gained[(name, item)] += 1
                for item in first - second:
                    counts.lost[(name, item)] += 1
                continue
            counts._count_value((name, _encode(to_jsonable(a)), _encode(to_jsonable(b))))

    def _ranges(self, counts: _PackCounts, key: tuple[str, str], new: Verdict,
                changes: tuple[tuple[str, str, str], ...]) -> None:
        changed = {rule for rule, _, _ in changes}
        ranges = counts.ranges.setdefault(key, {})
        for reason in new.reasons:
            if reason.rule not in changed:
                continue
            for path, value in reason.values.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                if path in ranges:
                    low, high = ranges[path]
                    ranges[path] = [min(low, value), max(high, value)]
                else:
                    ranges[path] = [value, value]

    def merge(self, other: Tally) -> None:
        """Add the counts of a later chunk (examples keep input order)."""
        tally = self.tally
        tally.lines += other.lines
        for pack_id, counts in other.per_pack.items():
            tally.per_pack[pack_id].merge(counts, self.examples)
        tally.unreadable.update(other.unreadable)
        for code, found in other.unreadable_examples.items():
            kept = tally.unreadable_examples.setdefault(code, [])
            kept.extend(found[:max(0, UNREADABLE_EXAMPLES - len(kept))])

    def result(self) -> Impact:
        packs = tuple(self._pack_report(p) for p in self.packs)
        tally = self.tally
        unreadable = tuple(Unreadable(code, count,
                                      tuple(tally.unreadable_examples.get(code, ())))
                           for code, count in sorted(tally.unreadable.items()))
        return Impact(self.old.label, self.new.label, tally.lines, unreadable, packs)

    def _pack_report(self, pack_id: str) -> PackImpact:
        counts = self.tally.per_pack[pack_id]
        neither = counts.transitions.get(("not_applicable", "not_applicable"), 0)
        documents = sum(counts.transitions.values()) - neither
        order: dict[str, int] = {s: i for i, s in enumerate(STATES)}
        transitions = []
        for (old, new), count in sorted(counts.transitions.items(),
                                        key=lambda kv: (kv[0][0] == kv[0][1], -kv[1],
                                                        order[kv[0][0]], order[kv[0][1]])):
            if (old, new) == ("not_applicable", "not_applicable"):
                continue
            rules = tuple(RuleChange(r, a, b, n) for (r, a, b), n in sorted(
                counts.rules.get((old, new), Counter()).items(), key=lambda kv: -kv[1]))
            ranges = tuple(Range(path, low, high) for path, (low, high) in
                           sorted(counts.ranges.get((old, new), {}).items()))
            transitions.append(Transition(old, new, count,  # type: ignore[arg-type]
                                          count / documents if documents else 0.0, rules,
                                          tuple(counts.examples.get((old, new), ())), ranges))
        fields = tuple(FieldChange(f, json.loads(a), json.loads(b), n) for (f, a, b), n in
                       sorted(counts.values.items(), key=lambda kv: (kv[0][0], -kv[1])))
        items = tuple(ItemChange(f, json.loads(item), counts.gained.get((f, item), 0),
                                 counts.lost.get((f, item), 0))
                      for f, item in sorted(set(counts.gained) | set(counts.lost)))
        versions = tuple((o, n, c) for (o, n), c in sorted(counts.versions.items()))
        return PackImpact(pack_id, documents, neither, tuple(transitions), fields, items,
                          counts.other_values, versions)


# -- running over a corpus ----------------------------------------------------------------------


Rules = Library | PackSet | str | os.PathLike[str] | None


def _side(rules: Rules, version: str | None) -> Side:
    if isinstance(rules, Library):
        return Side(rules, "library", version)
    packs = rules if isinstance(rules, PackSet) else \
        from_path(Path(rules) if rules is not None else None)
    return Side(packs.library(), packs.label, version)


def impact(old: Rules, new: Rules, documents: Iterable[Mapping[str, Any]] | Sequence[str], *,
           packs: Sequence[str] | None = None, as_of: Any = None,
           old_version: str | None = None, new_version: str | None = None,
           examples: int = EXAMPLES, jobs: int = 1) -> Impact:
    """The verdicts of ``old`` and ``new`` rules (libraries, pack sets, folders or files;
    None for the bundled packs) over ``documents``, compared pack by pack.

    ``documents`` are fact documents (mappings, numbered from 1 as ``<documents>``), or the
    paths of JSON Lines files (``-`` for standard input), read a chunk at a time. ``packs``
    limits the report to some pack ids (default: every id on either side);
    ``old_version`` / ``new_version`` pin a version on each side (two versions of one pack);
    ``as_of`` judges documents without their own. ``jobs`` above 1 judges files in that many
    processes (where the platform can fork).
    """
    before, after = _side(old, old_version), _side(new, new_version)
    chosen = tuple(packs) if packs else tuple(sorted(set(before.library.ids)
                                                     | set(after.library.ids)))
    counts = Counts(before, after, chosen, as_of=as_of, examples=examples)
    if _are_paths(documents):
        for part in judged(counts, chunks([str(d) for d in documents]), jobs):
            counts.merge(part)
        return counts.result()
    for number, doc in enumerate(documents, start=1):
        counts.add("<documents>", number, doc)
    return counts.result()


def _are_paths(documents: Any) -> bool:
    return isinstance(documents, (list, tuple)) and bool(documents) and all(
        isinstance(d, (str, os.PathLike)) for d in documents)


def judge_chunk(counts: Counts, chunk: Chunk) -> Tally:
    """The counts of one chunk of lines, judged as ``counts`` judges."""
    mine = counts.tally
    counts.tally = counts.fresh()
    try:
        for number, raw in enumerate(chunk.lines, start=chunk.first):
            counts.add_line(chunk.input, number, raw)
        return counts.tally
    finally:
        counts.tally = mine


def judged(counts: Counts, work: Iterator[Chunk], jobs: int) -> Iterator[Tally]:
    """The tally of each chunk, in input order, with ``jobs`` processes where the platform
    can fork (else in this one)."""
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in work:
            yield judge_chunk(counts, chunk)
        return
    # A window of pending chunks bounds what is read ahead (Pool.imap would read it all).
    pending: deque[AsyncResult[Tally]] = deque()
    with _pool(counts, jobs) as pool:
        for chunk in work:
            if len(pending) >= jobs * WINDOW_PER_JOB:
                yield pending.popleft().get()
            pending.append(pool.apply_async(_judge_in_worker, (chunk,)))
        while pending:
            yield pending.popleft().get()


# In a worker, the Counts it judges with: forked with the pool (a fork's arguments are not
# pickled, and the libraries, being compiled code, could not be).
_WORKER: dict[str, Counts] = {}


@contextmanager
def _pool(counts: Counts, jobs: int) -> Iterator[Pool]:
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker,
                                                  initargs=(counts,)) as pool:
        yield pool


def _start_worker(counts: Counts) -> None:
    # Ctrl-C reaches the whole process group; the parent alone handles it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["counts"] = counts


def _judge_in_worker(chunk: Chunk) -> Tally:
    return judge_chunk(_WORKER["counts"], chunk)
