"""The step every batch front end shares: one raw fact document in, its records out.

A front end (JSON Lines, Arrow record batches, Spark) reads documents its own way and writes
records its own way; between the two, every one of them must judge a document the same way:
the same packs, the same versions, and, for a document that cannot be judged, the same error
codes and words. :class:`Judge` owns that step, and nothing else: it does no I/O, keeps no
state between documents, and hands back data for the front end to write.

What a document gives, in order:

- not JSON (bytes that are not UTF-8, text that is not JSON, a key written twice, a blank
  input): one RP701 failure per error pack;
- JSON that is not a valid fact document: one RP702 failure per error pack, its ``value`` the
  JSON path of the first problem and ``problems`` every one;
- with packs asked for: one record per pack, in the order asked, a verdict or the failure of
  that pack alone (an evaluation error, such as RP502 no version in force, keeps its code);
- without: one verdict per pack that applies, in pack id order, or no record at all when none
  applies (the front end writes its own "not applicable" record), or one failure with pack
  ``None`` when evaluating fails;
- a bug while evaluating or rendering: RP703 failures in place of everything the document had
  given, so that one bad document never costs the others theirs.

The error packs are the packs asked for, or ``(None,)`` without: N documents always give N
records per pack asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rulepack.core.errors import EvaluationError, FactsError, Problem, RulepackError
from rulepack.facts.reading import DuplicateKey, read_json, refusal_words
from rulepack.library import Library, models_of
from rulepack.verdict.data import Verdict

_T = TypeVar("_T")

# What a front end may hand over: the raw bytes or text of one document, or a parsed value.
RawDocument = bytes | str | Mapping[str, Any]


@dataclass(frozen=True)
class Failure:
    """A document (``pack`` None) or one pack of it that could not be judged.

    ``error`` is the error object as ``rulepack eval --batch`` writes it: ``code``,
    ``message``, ``value``, ``hint``, and for RP702 ``problems``.
    """

    pack: str | None
    error: Mapping[str, Any]


@dataclass(frozen=True)
class Judged(Generic[_T]):
    """The records of one document: rendered verdicts and failures, in output order.

    ``records`` is empty only when no pack was asked for and none applies. ``failed`` is true
    when any record is a failure.
    """

    records: tuple[_T | Failure, ...]
    failed: bool


class Judge(Generic[_T]):
    """Judges one document at a time with a library, as ``eval --batch`` judges a line.

    ``render`` turns each verdict into what the front end keeps (its JSON text, a row of
    columns); it runs inside the same guard as evaluation, so a rendering bug is an RP703
    failure of that document like an evaluation bug. ``as_of`` is the instant for documents
    without their own, fixed once per run so that every worker judges at the same instant;
    with ``overrides``, it is the instant of every document, whatever its own ``as_of`` says,
    as ``rulepack eval --as-of`` judges a file (the document's own ``as_of`` must still be
    valid: it is checked with the rest of the document first).
    """

    def __init__(self, library: Library, *, as_of: dt.datetime, render: Callable[[Verdict], _T],
                 packs: Sequence[str] = (), version: str | None = None,
                 overrides: bool = False) -> None:
        self._library = library
        self._overrides = overrides
        self._problems = models_of(library).schema.problems
        self._as_of = as_of
        self._render = render
        self._packs = tuple(packs)
        self._version = version
        self._error_packs: tuple[str | None, ...] = self._packs or (None,)

    @property
    def error_packs(self) -> tuple[str | None, ...]:
        """The packs a failure of the whole document is recorded for."""
        return self._error_packs

    def judge(self, raw: RawDocument | None) -> Judged[_T]:
        """The records of one document: bytes or text of JSON, or a value already parsed.

        ``None`` (a missing value in a column) reads as an empty input: RP701, blank.
        """
        if raw is None:
            raw = ""
        if isinstance(raw, (bytes, str)):
            try:
                doc = read_json(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
            except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
                return self._failed(not_json(raw, exc))
        else:
            doc = raw
        problems = self._problems(doc)
        if problems:
            return self._failed(invalid(problems))
        if self._overrides and isinstance(doc, Mapping):
            doc = {**doc, "as_of": self._as_of}
        try:
            if self._packs:
                return self._each_pack(doc)
            return self._applicable(doc)
        except Exception as exc:  # a bug must not cost the other documents theirs
            return self._failed(internal(exc))

    def _each_pack(self, doc: Mapping[str, Any]) -> Judged[_T]:
        records: list[_T | Failure] = []
        failed = False
        for pack in self._packs:
            try:
                verdict = self._library.evaluate(pack, doc, as_of=self._as_of,
                                                 version=self._version, validate=False)
            except (EvaluationError, FactsError) as exc:
                records.append(Failure(pack, first_problem(exc)))
                failed = True
                continue
            records.append(self._render(verdict))  # pinned by evaluate when version is set
        return Judged(tuple(records), failed)

    def _applicable(self, doc: Mapping[str, Any]) -> Judged[_T]:
        try:
            verdicts = self._library.evaluate_all(doc, as_of=self._as_of, validate=False)
        except (EvaluationError, FactsError) as exc:
            return Judged((Failure(None, first_problem(exc)),), True)
        return Judged(tuple([self._render(verdict) for verdict in verdicts]), False)

    def _failed(self, error: Mapping[str, Any]) -> Judged[_T]:
        return Judged(tuple([Failure(pack, error) for pack in self._error_packs]), True)


# -- the words of each failure ----------------------------------------------------------------


def not_json(raw: bytes | str, exc: Exception) -> dict[str, Any]:
    """RP701: the input is not JSON, in the words ``eval --batch`` uses for a line."""
    decoded = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    text = decoded.rstrip("\r\n")
    if isinstance(exc, UnicodeDecodeError):
        message = f"the line is not UTF-8: byte {exc.start + 1} cannot be decoded"
    elif isinstance(exc, DuplicateKey):
        return {"code": "RP701", "message": refusal_words(exc, "line"),
                "value": _shorten(text), "hint": "keep one of them"}
    elif isinstance(exc, RecursionError):
        message = refusal_words(exc, "line")
    elif not text.strip():
        message = "the line is blank"
    else:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        column = ""
        if isinstance(exc, json.JSONDecodeError):
            # A line read with its newline fails at its end one past the newline, on "line 2":
            # its column is one past the last character. The same bound keeps the column of
            # text that holds newlines inside (a pretty-printed cell) an offset into the text.
            column = f" at column {min(exc.pos + 1, len(text) + 1)}"
        message = f"the line is not JSON: {detail}{column}"
    return {"code": "RP701", "message": message, "value": _shorten(text),
            "hint": "a JSON Lines file holds one JSON object on each line"}


def invalid(problems: Sequence[Problem]) -> dict[str, Any]:
    """RP702: JSON, but not a valid fact document; the first problem leads, all are listed."""
    first = problems[0]
    return {
        "code": "RP702",
        "message": f"the line is not a valid fact document: {first.message}",
        "value": first.value,
        "hint": first.hint,
        "problems": [{"code": p.code, "message": p.message, "value": p.value, "hint": p.hint}
                     for p in problems],
    }


def internal(exc: Exception) -> dict[str, Any]:
    """RP703: evaluating the document failed on a bug, which the message names."""
    return {"code": "RP703",
            "message": f"the line could not be evaluated: internal error "
                       f"{type(exc).__name__}: {exc}",
            "value": None,
            "hint": "this is a bug; please report it with the line"}


def first_problem(exc: RulepackError) -> dict[str, Any]:
    """An evaluation error as an error object: its first problem, with its own code."""
    problem = exc.problems[0]
    return {"code": problem.code, "message": problem.message, "value": problem.value,
            "hint": problem.hint}


def _shorten(text: str) -> str:
    return text if len(text) <= 200 else text[:197] + "..."
