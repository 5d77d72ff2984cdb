"""The strings stage: every name of a pack matches its pattern whole, and no text holds a
control character, for everything a pack names or says reaches verdicts, terminals and logs.

The pack schema gives the patterns, but JSON Schema matches a ``pattern`` with ``re.search``,
where ``$`` also matches before a final line break: ``"demo.entry\\n"`` passes it. Here each
name is matched whole (``fullmatch``); tests/test_hostile_load.py keeps these patterns equal
to the schema's.

Texts: no C0 control character, DEL or C1 control character (U+0000-U+001F, U+007F-U+009F),
with one exception: the texts that may span lines (descriptions, message templates, source
quotes and expressions) may hold line breaks (U+000A) and tabs (U+0009). A carriage return,
an escape (the start of a terminal colour or cursor sequence) or a NUL is refused everywhere,
and so is a line break in a one-line text (an id, a title, a label, a param), where it could
make one verdict line read as two.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import ProblemSink

__all__ = ["NAME", "PACK_ID", "ROW_ID", "SEMVER", "check_strings", "text_position"]

# The patterns of schemas/pack.schema.json, without their ^ and $: matched whole here.
PACK_ID = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+"
NAME = r"[a-z][a-z0-9_]*"
ROW_ID = r"[A-Za-z0-9_]+"
FACT_PATH = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*|\[\])*"
OUTCOME = r"(result\.[a-z][a-z0-9_]*|[a-z][a-z0-9_]*(\.[A-Za-z0-9_]+)?)"
SEMVER = (r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?"
          r"(?:\+[0-9A-Za-z.-]+)?")

_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Keys whose string value is an expression (a condition, an assignment's value is another).
_EXPRESSIONS = frozenset({"when", "require", "pass_if", "expr", "start", "floor", "ceiling",
                          "points", "not"})

Path = tuple[Any, ...]


def check_strings(sink: ProblemSink, doc: yaml_reader.Positioned) -> None:
    """Add a problem for every name off its pattern (RP102, RP104 for the version) and every
    control character in a key or text (RP102). Runs on a pack that passed the schema."""
    named = set()
    for path, is_key, value, pattern, code in _names(doc.data):
        named.add((path, is_key))
        if not re.fullmatch(pattern, value):
            at = doc.key_position(path) if is_key else doc.position(path)
            what = "the version" if code == "RP104" else "the name"
            sink.add(code, f"{what} {value!r} does not match `^{pattern}$` whole",
                     at=at, rule=_rule_id(doc.data, path), value=repr(value),
                     hint="a name ends with its last letter or digit: no line break after it"
                     if value.rstrip() != value else
                     "use lowercase letters, digits and _ (ids of packs are dotted)")
    # A text that YAML aliases repeat stands at one place: it is reported there once.
    reported: set[tuple[int, int]] = set()
    for path, is_key, value in _strings(doc.data, ()):
        if (path, is_key) in named:
            continue  # a name off its pattern is reported once, above
        multi_line = not is_key and _may_span_lines(path)
        found = (_MULTI_LINE if multi_line else _ONE_LINE).search(value)
        if found is None:
            continue
        offset = found.start()
        at = doc.key_position(path) if is_key else text_position(doc, path, value, offset)
        if at in reported:
            continue
        reported.add(at)
        start = max(0, offset - 20)
        sink.add("RP102", f"a control character, U+{ord(found.group()):04X}, at character "
                 f"{offset + 1} of {'a key' if is_key else 'a text'}",
                 at=at, rule=_rule_id(doc.data, path), value=repr(value[start:offset + 21]),
                 hint="descriptions, messages, quotes and expressions may hold line breaks and "
                 "tabs, but no other control character"
                 if multi_line else "ids, names, titles, labels, params and values are one "
                 "line: no line break, tab or other control character")


def text_position(doc: yaml_reader.Positioned, path: Path, text: str, offset: int) \
        -> tuple[int, int]:
    """The line and column of character ``offset`` of the text at ``path``: inside a block
    scalar, a one-line quoted scalar (whose escapes are longer as written) or a plain one."""
    line, column = doc.position(path)
    quoted = doc.quoted_column(path, offset)
    shift = 1 if path in doc.quoted else 0
    return doc.offset_position(path, offset) or (
        (line, column + quoted) if quoted is not None else
        (line, column + shift + offset) if "\n" not in text else (line, column))


def _names(data: dict[str, Any]) -> Iterator[tuple[Path, bool, str, str, str]]:
    """Every name of a pack that passed the schema: (path, is a key, name, pattern, code)."""
    yield ("id",), False, data["id"], PACK_ID, "RP102"
    yield ("version",), False, data["version"], SEMVER, "RP104"
    for name in data.get("params") or {}:
        yield ("params", name), True, name, NAME, "RP102"
    for index, rule in enumerate(data["rules"]):
        path: Path = ("rules", index)
        yield path + ("id",), False, rule["id"], NAME, "RP102"
        for name in rule.get("set") or {}:
            yield path + ("set", name), True, name, NAME, "RP102"
        for at, name in enumerate(rule.get("outputs") or ()):
            yield path + ("outputs", at), False, name, NAME, "RP102"
        for key, name in (rule.get("into") or {}).items():
            yield path + ("into", key), False, name, NAME, "RP102"
        for at, row in enumerate(rule.get("rows") or ()):
            yield path + ("rows", at, "id"), False, row["id"], ROW_ID, "RP102"
            for name in row["then"]:
                yield path + ("rows", at, "then", name), True, name, NAME, "RP102"
        for at, deduction in enumerate(rule.get("deductions") or ()):
            yield path + ("deductions", at, "id"), False, deduction["id"], NAME, "RP102"
    for index, prop in enumerate(data.get("properties") or ()):
        path = ("properties", index)
        yield path + ("id",), False, prop["id"], NAME, "RP102"
        if "field" in prop:
            yield path + ("field",), False, prop["field"], NAME, "RP102"
        if "fact" in prop:
            yield path + ("fact",), False, prop["fact"], FACT_PATH, "RP102"
        for at, outcome in enumerate(prop.get("outcomes") or ()):
            yield path + ("outcomes", at), False, outcome, OUTCOME, "RP102"


def _strings(value: Any, path: Path) -> Iterator[tuple[Path, bool, str]]:
    """Every key and string value under ``value``, in the document's order: (path, is a key,
    text). Walked without recursion: the reader bounds the values, not the stack."""
    stack: list[tuple[Any, Path, bool]] = [(value, path, False)]
    while stack:
        item, at, is_key = stack.pop()
        if isinstance(item, str):
            yield at, is_key, item
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                stack.append((child, at + (key,), False))
                stack.append((key, at + (key,), True))
        elif isinstance(item, list):
            stack.extend((child, at + (index,), False)
                         for index, child in reversed(list(enumerate(item))))


def _may_span_lines(path: Path) -> bool:
    """Whether the text at ``path`` may hold line breaks and tabs: a description, a message
    template, a source quote or an expression (not a param, nor a table row's literal)."""
    if path[0] == "params":
        return False
    if len(path) >= 6 and path[2] == "rows" and path[4] == "then":
        return path[6:] == ("expr",)  # a literal, or the expression of {expr: ...}
    if path[0] == "description" or (path[0] == "properties" and path[2:] == ("description",)):
        return True
    if path[-1] == "quote" or (path[0] == "rules" and len(path) == 5 and path[2] == "message"):
        return True
    return path[-1] in _EXPRESSIONS or (len(path) >= 2 and path[-2] in ("all", "any", "set"))


def _rule_id(data: Any, path: Path) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rule_id = data["rules"][path[1]].get("id")
        return rule_id if isinstance(rule_id, str) else None
    return None
