"""Errors a user can cause, each with a stable code, a location, the offending value and a hint.

Codes are grouped by the step that finds them:

- ``RP1xx`` reading and validating a pack file,
- ``RP2xx`` compiling an expression or a message template,
- ``RP3xx`` reading and validating a fact document,
- ``RP4xx`` test case files,
- ``RP5xx`` evaluation (unknown pack, no version in force, limits),
- ``RP6xx`` static analysis and verification of packs (``rulepack check``, ``rulepack verify``),
- ``RP7xx`` batch evaluation of JSON Lines.

A code never changes meaning once released; new problems get new codes.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# The codes and what they mean; the README's error table is made from the same words.
CODES: dict[str, str] = {
    "RP100": "the file is not valid YAML",
    "RP101": "a key appears twice in one mapping",
    "RP102": "a value has the wrong shape or type for the pack format",
    "RP103": "a key the pack format does not know",
    "RP104": "a version that is not semver",
    "RP105": "a date that is not ISO 8601",
    "RP106": "two rules (or rows) share an id",
    "RP107": "two files declare the same pack id and version",
    "RP108": "two versions of one pack are in force on the same day",
    "RP109": "effective_until comes before effective_from",
    "RP110": "the file cannot be read, or is over the size limit (1,000,000 bytes)",
    "RP111": "a retired_from not after effective_from, or not the day after effective_until",
    "RP112": "days between two versions of one pack on which no version is in force",
    "RP201": "an expression does not parse",
    "RP202": "an expression uses syntax the sandbox forbids",
    "RP203": "a name that is not a fact path, param, result field or loop variable",
    "RP204": "a function that is not in the library",
    "RP205": "a function called with the wrong number of arguments",
    "RP206": "an expression over the size limit",
    "RP207": "a message placeholder that names nothing the rule can fill",
    "RP208": "a result field read before any rule sets it",
    "RP209": "a param that is not a number, string, boolean or list of them",
    "RP210": "an operator or comparison between values of types that cannot meet",
    "RP211": "a literal outside the enum of the fact it is compared with",
    "RP212": "a function given an argument of the wrong kind",
    "RP213": "a property that names a result field or fact the pack does not have",
    "RP214": "a param written as text that reads as a number (10万, 100,000, 1e5)",
    "RP215": "labels for a result field that no rule of the pack sets",
    "RP301": "the fact document does not match the fact schema",
    "RP302": "the fact document is not valid JSON or YAML",
    "RP303": "an as_of that is not an ISO 8601 instant or date",
    "RP401": "a test case without an expectation",
    "RP402": "a test case names a pack or version that does not exist",
    "RP403": "a test case file has the wrong shape",
    "RP501": "no pack with that id",
    "RP502": "no version of the pack is in force at as_of",
    "RP503": "no such version of the pack",
    "RP504": "an expression failed while evaluating",
    "RP505": "an expression exceeded a work limit",
    "RP506": "more than one row matched under the unique hit policy",
    "RP507": "an expression gave a number that is not finite (NaN or infinity)",
    "RP601": "two rows of a unique-hit table can match the same input",
    "RP602": "an input that no row of a table matches, where the table must always decide",
    "RP603": "a row that can never win because earlier rows of a first-hit table match first",
    "RP604": "a declared bounds property does not hold",
    "RP605": "a declared monotone property does not hold",
    "RP606": "a declared exclusive property does not hold",
    "RP607": "a citation names a source file that is not among the sources",
    "RP608": "a quote that does not occur in the source it cites",
    "RP609": "a quote states an amount that no param or literal of its rule equals (a warning)",
    "RP701": "a JSON Lines input line that is not JSON",
    "RP702": "a JSON Lines input line that is not a valid fact document",
    "RP703": "a JSON Lines input line whose evaluation failed on an internal error",
}


@functools.total_ordering
@dataclass(frozen=True)
class Problem:
    """One finding: what went wrong, where, with what value, and what to do about it."""

    # Field order is the sort order: by file, then position (a field that is None sorts as
    # the empty text: two findings at one place may differ only in a rule they name).
    file: str = ""
    line: int = 0
    column: int = 0
    code: str = ""
    message: str = ""
    pack: str | None = None
    rule: str | None = None
    value: str | None = None
    hint: str | None = None

    def _order(self) -> tuple[str, int, int, str, str, str, str, str, str]:
        return (self.file, self.line, self.column, self.code, self.message, self.pack or "",
                self.rule or "", self.value or "", self.hint or "")

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return self._order() < other._order()

    def location(self) -> str:
        if not self.file:
            return ""
        if self.line and self.column:
            return f"{self.file}:{self.line}:{self.column}"
        if self.line:
            return f"{self.file}:{self.line}"
        return self.file

    def __str__(self) -> str:
        head = f"{self.location()}: " if self.file else ""
        where = ", ".join(
            part
            for part in (
                f"pack `{_one_line(self.pack)}`" if self.pack else "",
                f"rule `{_one_line(self.rule)}`" if self.rule else "",
            )
            if part
        )
        text = f"{head}{self.code}: {self.message}"
        if where:
            text += f" ({where})"
        if self.value is not None:
            text += f"\n  value: {_one_line(self.value)}"
        if self.hint:
            text += f"\n  help: {self.hint}"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "file": self.file or None,
            "line": self.line or None,
            "column": self.column or None,
            "pack": self.pack,
            "rule": self.rule,
            "value": self.value,
            "hint": self.hint,
        }


@dataclass(frozen=True)
class RuntimeFailure:
    """Why one step of an evaluation gave no value (the check or result it served is then
    unknown): a stable code and its words, and the result field it was computing, if any.

    Kept as data while the evaluation runs; written as text (``x: RP504: words``) only where
    a check or a reason takes its ``error``.
    """

    code: str
    message: str
    subject: str | None = None

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{self.subject}: {text}" if self.subject else text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _one_line(text: str) -> str:
    """``text`` with its control characters escaped (``\\n``, ``\\x1b``): a name or value
    from a pack that is refused for holding one must not break the line that refuses it."""
    return _CONTROL.sub(lambda found: repr(found.group())[1:-1], text)


class RulepackError(Exception):
    """Base of every error rulepack raises on purpose; anything else is a bug."""

    code: str = "RP000"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        first = self.problems[0] if self.problems else None
        self.code = first.code if first else self.code
        super().__init__("\n".join(str(p) for p in self.problems) or self.__class__.__name__)


class PackError(RulepackError):
    """One or more rule pack files are broken; ``problems`` lists every finding, sorted."""


class FactsError(RulepackError):
    """A fact document cannot be read or does not match the fact schema."""


class EvaluationError(RulepackError):
    """An evaluation request cannot be served: unknown pack, no version in force."""


@dataclass
class ProblemSink:
    """Collects problems for one file so that all of them are reported together."""

    file: str
    pack: str | None = None
    problems: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set, repr=False)

    def add(
        self,
        code: str,
        message: str,
        *,
        at: tuple[int, int] | None = None,
        rule: str | None = None,
        value: object = None,
        hint: str | None = None,
    ) -> None:
        line, column = at if at else (0, 0)
        problem = Problem(
            file=self.file,
            line=line,
            column=column,
            code=code,
            message=message,
            pack=self.pack,
            rule=rule,
            value=None if value is None else _show(value),
            hint=hint,
        )
        self.extend((problem,))

    def extend(self, problems: Iterable[Problem]) -> None:
        # The schema can reach one mistake by two routes (both branches of an anyOf): a sink
        # holds each problem once.
        for problem in problems:
            if problem not in self._seen:
                self._seen.add(problem)
                self.problems.append(problem)


def _show(value: object) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def json_shown(value: Any) -> str:
    """A value as a YAML or JSON document spells it (JSON: null, true), cut short."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a container that holds itself
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def not_of_type(instance: Any, expected: str | list[str]) -> tuple[str, str]:
    """The words of a JSON Schema type error: ``'"x" is not an integer'``, and the types
    expected (``integer or null``), for a hint."""
    names = expected if isinstance(expected, list) else [expected]
    articled = " or ".join(f"{'an' if n[0] in 'aeiou' else 'a'} {n}" for n in names)
    return f"{json_shown(instance)} is not {articled}", " or ".join(names)


def not_utf8(data: bytes, error: UnicodeDecodeError) -> tuple[int, int, str]:
    """The line, column and wording of the first byte of ``data`` that is not UTF-8."""
    before = data[:error.start]
    line = before.count(b"\n") + 1
    # Columns count characters, as everywhere else: 四川 is two, not six bytes.
    column = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
    return line, column, (f"the file is not UTF-8: byte 0x{data[error.start]:02x} cannot be "
                          "decoded")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known name, or ``None`` when nothing is close."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1,
                                        cutoff=0.6)
    return f"did you mean `{matches[0]}`?" if matches else None
