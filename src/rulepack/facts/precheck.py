"""A JSON Schema compiled into a yes/no check that answers yes only where jsonschema finds no
error: documents and packs are nearly always valid, and jsonschema, which walks the schema
interpretively, then runs only to word the problems of the few that are not.

:func:`compile_precheck` turns the schema into nested closures. Whatever it does not know (a
keyword outside the set the fact and pack schemas use, a float standing for an integer enum
value, an ``if`` it cannot decide exactly) answers False and the caller asks jsonschema, so a
False is never wrong either. The formats ``date`` and ``date-time`` are the fact schema's own
(:func:`rulepack.facts.schema.format_checker` gives jsonschema the same two functions).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

Precheck = Callable[[Any], bool]

# Keywords that only annotate: they never make a document invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "$defs", "title", "description",
                          "default", "examples", "deprecated", "readOnly", "writeOnly"})

_INSTANT = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


# The years a date or instant of a fact document may fall in. Python's dates end at years 1
# and 9999, and an instant near either end cannot be moved to China time or have a duration
# added; a thousand years on each side leave room for any window a policy computes.
FIRST_YEAR = 1000
LAST_YEAR = 8999
YEARS = f"the years {FIRST_YEAR} to {LAST_YEAR}"

# A lone surrogate (U+D800 to U+DFFF) is not Unicode text: JSON's \ud800 escape can make one,
# and UTF-8 cannot write it, so a verdict or an error record that shows it could not be written.
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate of ``text`` as U+XXXX, or None when it is all Unicode text."""
    if text.isascii():
        return None
    found = _SURROGATE.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def is_text(value: object) -> bool:
    """A string the fact schema takes: Unicode text (no lone surrogate), or a date object."""
    if type(value) is str and value.isascii():  # the commonest: plain ASCII text
        return True
    if isinstance(value, str):
        return value.isascii() or _SURROGATE.search(value) is None
    return isinstance(value, dt.date)


def _in_range(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year {year} is outside {YEARS}")


def check_date(value: object) -> bool:
    """The ``date`` format: YYYY-MM-DD, a real day within YEARS (raises ValueError for a day
    that is not)."""
    if not isinstance(value, str):
        return True  # a date object, or a type error that `type` reports
    if len(value) != 10:
        return False
    _in_range(dt.date.fromisoformat(value).year)
    return True


def check_instant(value: object) -> bool:
    """The ``date-time`` format: an ISO 8601 instant with its offset, within YEARS (RFC 3339's
    lower-case ``t`` and ``z`` included: facts.schema.parse_instant reads them)."""
    if not isinstance(value, str):
        return True
    if not _INSTANT.match(value):
        return False
    _in_range(dt.datetime.fromisoformat(normal_instant(value)).year)
    return True


def normal_instant(text: str) -> str:
    """An ISO instant as datetime.fromisoformat reads it: RFC 3339 allows ``t`` and ``z`` in
    lower case, which Python 3.11 refuses."""
    if len(text) > 10 and text[10] == "t":
        text = f"{text[:10]}T{text[11:]}"
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    return text


def _never(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


def is_number(value: Any) -> bool:
    """A JSON number: NaN and Infinity are none, though Python's json reads them."""
    if type(value) is int:  # by exact type first: every fact document is full of them
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if type(value) is int:
        return True
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


# The types as the fact schema's validator reads them: Python callers may hand over real dates
# for strings. A pack, read from YAML, holds only JSON's own types.
FACT_TYPES: dict[str, Precheck] = {
    "string": is_text,
    "integer": _is_integer,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}
JSON_TYPES: dict[str, Precheck] = {**FACT_TYPES, "string": lambda v: isinstance(v, str)}


def _format_check(check: Callable[[object], bool]) -> Precheck:
    def conforms(value: Any) -> bool:
        try:
            return check(value)
        except ValueError:
            return False
    return conforms


_FORMATS: dict[str, Precheck] = {
    "date": _format_check(check_date), "date-time": _format_check(check_instant)}


def compile_precheck(schema: Mapping[str, Any] | bool,
                     types: Mapping[str, Precheck] = FACT_TYPES) -> Precheck:
    """A fast check that is True only for documents jsonschema finds valid (see above), with
    ``types`` standing for the validator's type checker."""
    defs = schema.get("$defs", {}) if isinstance(schema, Mapping) else {}
    return _Compiler(defs, types).node(schema)


class _Compiler:
    def __init__(self, defs: Mapping[str, Any], types: Mapping[str, Precheck]) -> None:
        self._defs = defs
        self._types = types
        self._compiled: dict[str, Precheck] = {}
        # The definitions being compiled.
        self._open: set[str] = set()

    def node(self, schema: Any) -> Precheck:
        if schema is True:
            return _always
        if not isinstance(schema, Mapping):
            return _never
        checks: list[Precheck] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS or keyword.startswith("x-") or keyword in (
                    "properties", "additionalProperties", "then", "else"):
                continue
            if keyword == "if":
                checks.append(self._if(value, schema.get("then", True),
                                       schema.get("else", True)))
                continue
            checks.append(self._keyword(keyword, value))
        if "properties" in schema or "additionalProperties" in schema:
            checks.append(self._object(schema.get("properties", {}),
                                       schema.get("additionalProperties", True)))
        return _all(checks)

    def _keyword(self, keyword: str, value: Any) -> Precheck:  # noqa: C901 - one case a keyword
        if keyword == "type":
            return _type(value, self._types)
        if keyword == "enum" and isinstance(value, list):
            return _enum(value)
        if keyword == "const":
            return _enum([value])
        if keyword == "format":
            return _FORMATS.get(str(value), _always)  # jsonschema ignores formats it lacks
        if keyword in ("minimum", "maximum") and is_number(value):
            return _bound(keyword, value)
        if keyword in ("anyOf", "allOf") and isinstance(value, list) and value:
            parts = tuple(self.node(part) for part in value)
            if keyword == "allOf":
                return _all(list(parts))
            return _any(parts)
        if keyword == "not":
            inner = _exact(value)
            return _never if inner is None else lambda v: not inner(v)
        if keyword == "items" and isinstance(value, (Mapping, bool)):
            item = self.node(value)

            def items(v: Any) -> bool:
                if isinstance(v, list):
                    for i in v:
                        if not item(i):
                            return False
                return True

            return items
        if keyword == "propertyNames" and isinstance(value, Mapping):
            name = self.node(value)
            return lambda v: not isinstance(v, dict) or all(name(k) for k in v)
        if keyword == "required" and isinstance(value, list):
            return _required(value)
        if keyword == "pattern" and isinstance(value, str):
            pattern = re.compile(value)
            return lambda v: not isinstance(v, str) or pattern.search(v) is not None
        if keyword in ("minLength", "minItems", "minProperties") and _is_integer(value):
            sized = {"minLength": str, "minItems": list, "minProperties": dict}[keyword]
            return lambda v: not isinstance(v, sized) or len(v) >= value
        if keyword == "uniqueItems" and value is True:
            # Texts only: jsonschema's equality of other values (1 and 1.0, True and 1) is
            # its own.
            return lambda v: not isinstance(v, list) or (
                all(type(i) is str for i in v) and len(set(v)) == len(v))
        if keyword == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
            return self._ref(value.removeprefix("#/$defs/"))
        return _never

    def _if(self, condition: Any, then: Any, otherwise: Any) -> Precheck:
        # The branch taken must be the one jsonschema takes: the condition is decided exactly,
        # or not at all.
        decide = _exact(condition)
        if decide is None:
            return _never
        when_true, when_false = self.node(then), self.node(otherwise)
        return lambda v: when_true(v) if decide(v) else when_false(v)

    def _ref(self, name: str) -> Precheck:
        if name not in self._defs:
            return _never
        compiled = self._compiled
        if name not in compiled:
            # Placed before compiling so that a definition that refers to itself terminates.
            compiled[name] = lambda v: compiled[name](v)
            self._open.add(name)
            compiled[name] = self.node(self._defs[name])
            self._open.discard(name)
        if name in self._open:  # a reference from inside its own definition: looked up later
            return lambda v: compiled[name](v)
        return compiled[name]

    def _object(self, properties: Mapping[str, Any], additional: Any) -> Precheck:
        known = {key: self.node(sub) for key, sub in properties.items()}
        extra: Precheck | None = None if additional is False else self.node(additional)

        def check(value: Any) -> bool:
            if not isinstance(value, dict):
                return True
            get = known.get
            for key, item in value.items():
                # As jsonschema's `properties` looks a property up: by the key's equality.
                sub = get(key)
                if sub is None:
                    sub = extra
                    if sub is None:
                        return False
                if not sub(item):
                    return False
            return True

        return check


def _exact(schema: Any) -> Precheck | None:
    """Exactly jsonschema's answer, True or False, for the small schemas that pick a branch
    (``{"properties": {"kind": {"const": "table"}}, "required": ["kind"]}``); None for any
    other schema."""
    if not isinstance(schema, Mapping):
        return None
    checks: list[Precheck] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "required" and isinstance(value, list):
            checks.append(_required(value))
        elif keyword == "const" and isinstance(value, str):
            checks.append(_exact_text(value))
        elif keyword == "properties" and isinstance(value, Mapping):
            subs: dict[str, Precheck] = {}
            for key, sub in value.items():
                decided = _exact(sub)
                if decided is None:
                    return None
                subs[key] = decided
            checks.append(_exact_properties(subs))
        else:
            return None
    return _all(checks)


def _exact_text(text: str) -> Precheck:
    return lambda v: isinstance(v, str) and v == text


def _exact_properties(subs: Mapping[str, Precheck]) -> Precheck:
    return lambda v: not isinstance(v, dict) or all(
        sub(v[key]) for key, sub in subs.items() if key in v)


def _required(names: list[Any]) -> Precheck:
    def required(v: Any) -> bool:
        if isinstance(v, dict):
            for name in names:
                if name not in v:
                    return False
        return True

    return required


def _all(checks: list[Precheck]) -> Precheck:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    frozen = tuple(checks)

    # Loops rather than all() over a generator: a document passes through dozens of these.
    def every(v: Any) -> bool:
        for check in frozen:
            if not check(v):
                return False
        return True

    return every


def _any(checks: tuple[Precheck, ...]) -> Precheck:
    if len(checks) == 1:
        return checks[0]

    def some(v: Any) -> bool:
        for check in checks:
            if check(v):
                return True
        return False

    return some


def _type(value: Any, types: Mapping[str, Precheck]) -> Precheck:
    names = value if isinstance(value, list) else [value]
    return _any(tuple(types.get(str(name), _never) for name in names))


def _enum(values: list[Any]) -> Precheck:
    # Keyed by exact type: True == 1 in Python but not in JSON Schema. Values of any other
    # type (lists, floats equal to integers) are left to jsonschema.
    allowed = frozenset((type(v), v) for v in values if type(v) in (str, int, bool, type(None)))

    def check(v: Any) -> bool:
        try:
            return (type(v), v) in allowed
        except TypeError:  # unhashable: a list or a mapping
            return False

    return check


def _bound(keyword: str, limit: float) -> Precheck:
    if keyword == "minimum":
        return lambda v: not is_number(v) or v >= limit
    return lambda v: not is_number(v) or v <= limit
