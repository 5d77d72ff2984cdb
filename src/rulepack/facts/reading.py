"""Fact documents read from text and files: one YAML or JSON document, or JSON Lines.

Every reader of fact documents (``rulepack eval``, ``--batch``, :func:`read_facts`) goes
through here, so that one document reads the same whichever way it arrives: YAML through the
safe, position-keeping reader of :mod:`rulepack.core.yaml_reader`, JSON refusing a key written
twice (as YAML does), a byte order mark dropped, and every way a text can fail to be read
worded as a problem (RP302) at its file, line and column.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import FactsError, Problem, not_utf8
from rulepack.core.yaml_reader import MAX_INT_DIGITS


class DuplicateKey(ValueError):
    """A JSON object holds one key twice (json would keep the last, YAML the first)."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key `{key}` appears twice in one object")
        self.key = key


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    made = dict(pairs)
    if len(made) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return made


class LongInt(ValueError):
    """A JSON int of more digits than a fact document may hold (as YAML's reader refuses)."""

    def __init__(self, digits: int) -> None:
        super().__init__(f"{digits:,} digits, more than {MAX_INT_DIGITS:,}")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise LongInt(digits)
    return int(text)


# json.loads refusing a key written twice in one object: the same document must not say
# `fans: 99999` read as YAML and `fans: 250000` read as JSON. (A decoder made once costs
# nothing over json.loads.)
_read_json = json.JSONDecoder(object_pairs_hook=_unique).decode
# The same, refusing an int of more than MAX_INT_DIGITS digits, as YAML does (a sum of two
# ints of Python's own limit, 4,300 digits, could not be written in a verdict). Its int hook
# halves the speed of int-heavy documents, so it reads only a text that has such a run of
# digits somewhere.
_read_json_bounded = json.JSONDecoder(object_pairs_hook=_unique, parse_int=_bounded_int).decode
_LONG_DIGITS = re.compile(rf"\d{{{MAX_INT_DIGITS + 1}}}")


def read_json(text: str) -> Any:
    """One JSON text, refusing a key written twice and an int of over MAX_INT_DIGITS digits."""
    if len(text) > MAX_INT_DIGITS and _LONG_DIGITS.search(text):
        return _read_json_bounded(text)
    return _read_json(text)


def refusal_words(exc: ValueError | RecursionError, what: str) -> str:
    """The words for a JSON text (``what``: "file", "line") read_json refused for anything
    but its syntax."""
    if isinstance(exc, DuplicateKey):
        return str(exc)
    if isinstance(exc, LongInt):
        return f"the {what} holds a number of more digits than can be read ({exc})"
    if isinstance(exc, RecursionError):
        return f"the {what} nests arrays or objects too deeply to read"
    # json reads no int of more than 4,300 digits (Python's limit)
    return f"the {what} holds a number of more digits than can be read"


def _not_json(exc: ValueError | RecursionError, file: str, what: str,
              line: int | None) -> Problem:
    """The problem of a JSON text read_json refused: where, when it says."""
    if isinstance(exc, json.JSONDecodeError):
        return Problem(file=file, line=exc.lineno if line is None else line, column=exc.colno,
                       code="RP302", message=f"the {what} is not JSON: {exc.msg}")
    duplicate = exc.key if isinstance(exc, DuplicateKey) else None
    return Problem(file=file, line=line or 0, code="RP302", message=refusal_words(exc, what),
                   value=duplicate, hint="keep one of them" if duplicate else None)


def read_facts(path: str | os.PathLike[str]) -> Any:
    """The fact document in a YAML or JSON file, read as ``rulepack eval`` reads it.

    YAML is read safely and as the packs are: ``on``, ``yes`` and ``no`` stay strings (a
    violation's ``on`` is a key), dates stay ISO strings, and a key written twice is an error.
    Raises :class:`FactsError` (RP302) naming the file, line and column of what cannot be
    read. The document is not checked against the fact schema: ``evaluate`` does that.
    """
    shown = os.fspath(path)
    if shown.endswith((".jsonl", ".ndjson")):
        raise FactsError([Problem(file=shown, code="RP302", message="a JSON Lines file holds "
                                  "many documents", hint="read it line by line, or use "
                                  "`rulepack eval --batch`")])
    for _, document in read_documents(read_text(Path(path), shown), shown):
        return document
    return None


def read_text(path: Path, shown: str) -> str:
    """The text of a fact file; raise :class:`FactsError` (RP302) when it cannot be read,
    placing a byte that is not UTF-8."""
    try:
        data = path.read_bytes()
        return data.decode("utf-8")
    except OSError as exc:
        raise FactsError([Problem(file=shown, code="RP302",
                                  message=f"cannot read the file: {exc}")]) from None
    except UnicodeDecodeError as exc:
        line, column, message = not_utf8(data, exc)
        raise FactsError([Problem(file=shown, line=line, column=column, code="RP302",
                                  message=message, hint="save the file as UTF-8")]) from None


def text_kind(name: str, text: str) -> str:
    """How to read ``text``: "jsonl", "json" or "yaml", by the suffix of ``name``, or for a
    name without one (standard input, a pipe) by what the text holds."""
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lowered.endswith(".json"):
        return "json"
    text = text.removeprefix("\ufeff")
    if lowered.endswith((".yaml", ".yml")) or not text.lstrip().startswith("{"):
        return "yaml"
    if _reads(read_json, text):
        return "json"
    # Several lines, one of them an object on its own: JSON Lines (its bad lines are
    # reported one by one). Else YAML when it reads as YAML (a flow mapping, `{fans: 1}`),
    # and else one JSON document, whose error is then reported.
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) > 1 and any(line.lstrip().startswith("{") and _reads(read_json, line)
                              for line in lines):
        return "jsonl"
    return "yaml" if _reads(yaml_reader.load, text) else "json"


def _reads(reader: Callable[[str], Any], text: str) -> bool:
    try:
        reader(text)
    except (ValueError, RecursionError, yaml_reader.YamlSyntaxError):
        return False
    return True


def read_documents(text: str, file: str, kind: str | None = None) -> Iterator[tuple[int, Any]]:
    """The fact documents in a file: one JSON or YAML document, or JSON Lines; ``kind`` as
    :func:`text_kind` gives it (by default, from the file's name).

    Yields (line number, document); a line that is not JSON yields a :class:`FactsError`
    in place of the document so that batch callers keep one output per input line.
    """
    text = text.removeprefix("\ufeff")  # a byte order mark, as Windows editors write
    kind = kind or text_kind(file, text)
    if kind == "jsonl":
        # Lines end at "\n" only, as in `--batch`: str.splitlines would also split inside a
        # string holding U+2028 or U+0085.
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                yield number, read_json(line)
            except (ValueError, RecursionError) as exc:
                yield number, FactsError([_not_json(exc, file, "line", number)])
        return
    if kind == "json":
        try:
            document = read_json(text)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, and a huge int
            raise FactsError([_not_json(exc, file, "file", None)]) from None
        yield 1, document
        return
    try:
        loaded = yaml_reader.load(text)
    except yaml_reader.YamlSyntaxError as exc:
        row, col = exc.position
        raise FactsError([Problem(file=file, line=row, column=col, code="RP302",
                                  message=f"the file is not YAML: {exc}")]) from None
    if loaded.duplicates:
        raise FactsError([dup.problem(file, "RP302") for dup in loaded.duplicates])
    yield 1, loaded.data


# -- where a problem of a document stands ------------------------------------------------------
#
# Fact-schema problems name the offending value by its JSON path ($.account.violations[0].on).
# A document read from a file also has a place in it: the functions below find it, only for a
# document that has problems, so reading a valid one costs nothing more.


def placed(problems: Sequence[Problem], text: str, kind: str, *, line: int = 0) \
        -> list[Problem]:
    """``problems`` of the document read from ``text`` (``kind`` "json" or "yaml" for a whole
    file; "jsonl" for the one line ``line`` of JSON Lines), each without a line of its own
    placed at the line and column of the value its JSON path names. A problem whose path
    the text does not have (or names none) is returned as it is."""
    text = text.removeprefix("\ufeff")
    out: list[Problem] = []
    for problem in problems:
        where = None
        if not problem.line and problem.value and problem.value.startswith("$"):
            try:
                where = _place(problem.value, text, kind)
            except (ValueError, RecursionError, IndexError, yaml_reader.YamlSyntaxError):
                where = None  # a text that does not read as it did: no place to give
        if where is None:
            out.append(problem)
        else:
            row, column = where
            out.append(dataclasses.replace(problem, line=row + max(line - 1, 0),
                                           column=column))
    return out


def _place(path: str, text: str, kind: str) -> tuple[int, int] | None:
    if kind == "yaml":
        loaded = yaml_reader.load(text)
        parts = _path_parts(path, loaded.data)
        return None if parts is None else loaded.positions.get(parts)
    parts = _path_parts(path, read_json(text))
    offset = None if parts is None else _json_offset(text, parts)
    if offset is None:
        return None
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _path_parts(path: str, data: Any) -> tuple[str | int, ...] | None:
    """A JSON path as written by the fact schema's problems, split by the document it names:
    a key holding a dot or a bracket (``$.account.a.b[c]``) is one key when the document has
    it (the longest such key wins)."""
    rest = path[1:]
    parts: list[str | int] = []
    while rest:
        if isinstance(data, list) and rest.startswith("["):
            end = rest.find("]")
            if end < 0 or not rest[1:end].isdigit() or int(rest[1:end]) >= len(data):
                return None
            index = int(rest[1:end])
            parts.append(index)
            data, rest = data[index], rest[end + 1:]
        elif isinstance(data, dict) and rest.startswith("."):
            keys = [key for key in data if isinstance(key, str) and rest[1:].startswith(key)
                    and rest[1 + len(key):][:1] in ("", ".", "[")]
            if not keys:
                return None
            key = max(keys, key=len)
            parts.append(key)
            data, rest = data[key], rest[1 + len(key):]
        else:
            return None
    return tuple(parts)


_SPACE_AT = re.compile(r"[ \t\n\r]*")
_skip_value = json.JSONDecoder().raw_decode
_read_key = json.decoder.scanstring  # type: ignore[attr-defined]


def _json_offset(text: str, parts: Sequence[str | int]) -> int | None:
    """The offset in a JSON text of the value at ``parts``, found by walking the text along
    them and skipping every other value whole."""

    def space(at: int) -> int:
        match = _SPACE_AT.match(text, at)
        return match.end() if match else at

    at = space(0)
    for part in parts:
        if isinstance(part, int):
            if text[at] != "[":
                return None
            at = space(at + 1)
            for _ in range(part):
                at = space(_skip_value(text, at)[1])
                if text[at] != ",":
                    return None
                at = space(at + 1)
            continue
        if text[at] != "{":
            return None
        at = space(at + 1)
        while True:
            if text[at] != '"':
                return None
            key, at = _read_key(text, at + 1)
            at = space(space(at) + 1)  # past the colon
            if key == part:
                break
            at = space(_skip_value(text, at)[1])
            if text[at] != ",":
                return None
            at = space(at + 1)
    return at
