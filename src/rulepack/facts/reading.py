"""Fact documents read from text and files: one YAML or JSON document, or JSON Lines.

Every reader of fact documents (``rulepack eval``, ``--batch``, :func:`read_facts`) goes
through here, so that one document reads the same whichever way it arrives: YAML through the
safe, position-keeping reader of :mod:`rulepack.core.yaml_reader`, JSON refusing a key written
twice (as YAML does), a byte order mark dropped, and every way a text can fail to be read
worded as a problem (RP302) at its file, line and column.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
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
