"""Fact documents: the schema's vocabulary, validation with JSON paths, and lazy typed lookup.

A fact document is JSON-shaped data. Dates and instants travel as ISO 8601 strings and are
turned into ``date`` / ``datetime`` only when a rule reads them, so validating a document never
copies it. A key that is absent is *missing* (the decision that needs it is ``unknown``); a key
that is present with ``null`` is a known "nothing" (no response yet, no ban).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping
from functools import cache, cached_property, partial
from typing import TYPE_CHECKING, Any

from rulepack.core.errors import (
    FactsError,
    Problem,
    did_you_mean,
    json_shown,
    not_of_type,
)
from rulepack.facts.precheck import (
    FACT_TYPES,
    YEARS,
    check_date,
    check_instant,
    compile_precheck,
    is_number,
    is_text,
    lone_surrogate,
    normal_instant,
)
from rulepack.lang.expressions import FieldInfo
from rulepack.model.pack import Text

if TYPE_CHECKING:
    import jsonschema
    from jsonschema.protocols import Validator

# Platform policies are Chinese; a date given without a time means midnight China time.
CHINA_TZ = dt.timezone(dt.timedelta(hours=8))


class Missing(Exception):
    """A fact the expression needs is absent from the document."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


# jsonschema is imported where a document or a pack first needs its words: it takes longer to
# import than rulepack takes to load the bundled packs, and the compiled checks of
# facts.precheck pass nearly every document without it.


def _is_string(checker: Any, instance: Any) -> bool:
    # Python callers may hand over real dates; they stand for their ISO strings. A text with
    # a lone surrogate is no string (precheck.is_text).
    return is_text(instance)


def _is_json_number(checker: Any, instance: Any) -> bool:
    # NaN and Infinity are no JSON numbers, though Python's json reads them: a NaN fans count
    # would fail every comparison, a silent `fail` rather than a bad document.
    return is_number(instance)


def format_checker() -> jsonschema.FormatChecker:
    """Date and date-time checks of our own: jsonschema skips date-time silently unless an
    optional package is installed, and a fact schema must not change meaning with the machine.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker(formats=())
    checker.checks("date", raises=ValueError)(check_date)
    checker.checks("date-time", raises=ValueError)(check_instant)
    return checker


@cache
def _validator_class() -> type[Validator]:
    import jsonschema
    from jsonschema import Draft202012Validator

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine_many(
        {"string": _is_string, "number": _is_json_number})
    # Untyped in the stubs.
    extended: type[Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=type_checker)
    return extended


class FactSchema:
    """The fact vocabulary: one :class:`FieldInfo` per path, a validator, and converters."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        # One compiled reader per fact path read so far.
        self._readers: dict[str, Callable[[Any], Any]] = {}
        # Each path's keys, for `lacks` (split once).
        self._keys: dict[str, tuple[str, ...]] = {}
        self._defs: Mapping[str, Any] = schema.get("$defs", {})
        self.fields: dict[str, FieldInfo] = {}
        self._enum_labels: dict[str, dict[str, dict[str, str]]] = {}
        self.rates: set[str] = set()
        for name, sub in schema.get("properties", {}).items():
            if name != "as_of":
                self._walk(sub, name)
        self.value_labels: dict[str, dict[str, Text]] = {}
        for path, raw_labels in self._enum_labels.items():
            self.value_labels[path] = {
                str(value): Text(zh=label.get("zh", str(value)), en=label.get("en", str(value)))
                for value, label in raw_labels.items()
            }
        # Built once: messages name facts by these labels on every evaluation.
        self.labels: dict[str, Text] = {
            path: Text(zh=info.label_zh, en=info.label_en) for path, info in self.fields.items()
        }
        # A list of enum values (appeal channels, documents) reads with its items' labels.
        for path, info in self.fields.items():
            if info.item_path in self.value_labels:
                self.value_labels[path] = self.value_labels[info.item_path]
        # jsonschema walks the schema interpretively and costs more than evaluating a pack;
        # nearly every document is valid, so a compiled yes/no check answers first and
        # jsonschema (self._validator) runs only to word the problems of a document that
        # check did not pass.
        self._precheck = compile_precheck(schema, FACT_TYPES)
        self.converters: dict[str, Callable[[Any], Any]] = {
            path: _to_date if info.kind == "date" else parse_instant
            for path, info in self.fields.items()
            if info.kind in ("date", "instant")
        }

    @cached_property
    def _validator(self) -> Validator:
        return _validator_class()(self.schema, format_checker=format_checker())

    def _resolve(self, sub: Mapping[str, Any]) -> Mapping[str, Any]:
        merged = dict(sub)
        while "$ref" in merged:
            ref = merged.pop("$ref")
            target = self._defs[ref.rsplit("/", 1)[-1]]
            merged = {**target, **merged}
        return merged

    def _walk(self, raw: Mapping[str, Any], path: str) -> None:
        sub = self._resolve(raw)
        types = sub.get("type", "any")
        types = types if isinstance(types, list) else [types]
        nullable = "null" in types
        main = next((t for t in types if t != "null"), "any")
        if "enum" in sub and main == "any":
            values = [v for v in sub["enum"] if v is not None]
            main = "integer" if values and all(isinstance(v, int) for v in values) else "string"
        fmt = str(sub.get("format", ""))
        kind: str = {"date": "date", "date-time": "instant"}.get(fmt, main) \
            if main == "string" else str(main)
        label = sub.get("x-label", {})
        # Fractions shown as percents: 0..1 numbers, and any number marked x-unit: fraction.
        if kind == "number" and (sub.get("x-unit") == "fraction" or (
                sub.get("minimum") == 0 and sub.get("maximum") == 1)):
            self.rates.add(path)
        if "x-enum-labels" in sub:
            self._enum_labels[path] = sub["x-enum-labels"]
        item_path = f"{path}[]" if kind == "array" else None
        self.fields[path] = FieldInfo(
            path=path,
            kind=kind,
            label_zh=label.get("zh", path.rsplit(".", 1)[-1]),
            label_en=label.get("en", path.rsplit(".", 1)[-1]),
            enum=tuple(sub["enum"]) if "enum" in sub else None,
            nullable=nullable,
            minimum=sub.get("minimum"),
            maximum=sub.get("maximum"),
            item_path=item_path,
        )
        for name, child in sub.get("properties", {}).items():
            self._walk(child, f"{path}.{name}")
        if item_path is not None and "items" in sub:
            self._walk(sub["items"], item_path)

    # -- validation -------------------------------------------------------------------------

    def problems(self, document: Any, file: str = "") -> list[Problem]:
        """Every way ``document`` breaks the schema, each naming its JSON path."""
        if self._certainly_valid(document):
            return []
        out = [problem for error in self._validator.iter_errors(document)
               for problem in self._problems_of(error, file)]
        return sorted(out, key=lambda p: p.value or "")

    def is_valid(self, document: Any) -> bool:
        """Whether ``document`` matches the schema; the same answer as :meth:`problems`."""
        return self._certainly_valid(document) or bool(self._validator.is_valid(document))

    def _certainly_valid(self, document: Any) -> bool:
        try:
            return self._precheck(document)
        except Exception:  # a surprise only means "ask jsonschema"
            return False

    def check(self, document: Any, file: str = "") -> None:
        """Raise :class:`FactsError` listing every problem of ``document``."""
        problems = self.problems(document, file)
        if problems:
            raise FactsError(problems)

    def _problems_of(self, error: jsonschema.ValidationError, file: str) -> list[Problem]:
        """The problems one jsonschema error stands for, each writable as UTF-8."""
        return [dataclasses.replace(p, message=_writable(p.message),
                                    value=None if p.value is None else _writable(p.value))
                for p in self._error_problems(error, file)]

    def _error_problems(self, error: jsonschema.ValidationError, file: str) -> list[Problem]:
        """The problems one jsonschema error stands for: one per unknown key, else one."""
        path = _json_path(error.absolute_path)
        hint = None
        message = error.message
        # The stubs allow for errors made by hand (fields "unset"); a validator sets them all.
        schema: Any = error.schema
        expected: Any = error.validator_value
        instance: Any = error.instance
        if error.validator == "additionalProperties":
            allowed = list(schema.get("properties", {}))
            extra = [str(k) for k in instance if k not in allowed]
            if extra:
                return [Problem(
                    file=file, code="RP301", message=f"unknown fact `{key}`",
                    value=_json_path([*error.absolute_path, key]),
                    hint=did_you_mean(key, allowed)
                    or "the fact vocabulary is schemas/facts.schema.json") for key in extra]
        cause = str(error.cause) if isinstance(error.cause, ValueError) else ""
        if path == "$.as_of":
            # as_of is a date or an instant (anyOf): the cause is on the branch's own error.
            cause = next((str(sub.cause) for sub in error.context or ()
                          if isinstance(sub.cause, ValueError)), cause)
            return [Problem(file=file, code="RP303", value=path,
                            message=f"as_of is not an ISO 8601 instant or date: "
                                    f"{json_shown(error.instance)}"
                                    + (f" ({cause})" if YEARS in cause else ""),
                            hint="e.g. 2026-11-21T09:30:00+08:00 or 2026-11-21")]
        if error.validator == "enum":
            hint = did_you_mean(str(error.instance), [str(v) for v in expected]) or \
                f"expected one of {expected}"
        elif error.validator in ("minimum", "maximum"):
            sign = ">=" if error.validator == "minimum" else "<="
            hint = f"expected a number {sign} {error.validator_value}"
        elif error.validator == "type":
            message, wanted = not_of_type(error.instance, expected)
            hint = f"expected {wanted}"
            surrogate = lone_surrogate(instance) if isinstance(instance, str) else None
            if surrogate is not None:
                message = f"the text holds a lone surrogate ({surrogate}), which is not Unicode"
                hint = "a \\ud800-\\udfff escape must be one of a pair that makes a character"
            if isinstance(error.instance, float) and not math.isfinite(error.instance):
                message = f"{error.instance} is not a number"
                hint = "NaN and Infinity are not JSON numbers"
        elif error.validator == "format":
            hint = f"expected {error.validator_value}"
            if YEARS in cause:
                message, hint = f"{json_shown(instance)}: {cause}", f"dates fall in {YEARS}"
        return [Problem(file=file, code="RP301", message=message, value=path, hint=hint)]

    # -- reading ----------------------------------------------------------------------------

    def lookup(self, document: Mapping[str, Any]) -> Callable[[str], Any]:
        """A function from a dotted fact path to its typed value, raising :class:`Missing`."""
        cache: dict[str, Any] = {}

        def get(path: str) -> Any:
            if path in cache:
                return cache[path]
            value = cache[path] = self.read(document, path)
            return value

        return get

    def read(self, document: Mapping[str, Any], path: str) -> Any:
        """The typed value at a dotted fact path; raise :class:`Missing` when it is absent.

        A null on the way down is the value (``account.ban: null`` makes ``account.ban.level``
        null, not missing).
        """
        reader = self._readers.get(path)
        if reader is None:
            reader = self._readers[path] = self.reader(path)
        return reader(document)

    def lacks(self, document: Any, path: str) -> bool:
        """Whether a dict on the way down ``path`` lacks its key, so that :meth:`read` would
        raise :class:`Missing` there; False for anything else (a value, a null on the way,
        another kind of mapping), which only the read decides. A look that raises nothing,
        for callers that meet many absent facts."""
        keys = self._keys.get(path)
        if keys is None:
            keys = self._keys[path] = tuple(path.split("."))
        node = document
        for key in keys:
            if type(node) is not dict:
                return False
            node = node.get(key, _ABSENT)
            if node is _ABSENT:
                return True
        return False

    def reader(self, path: str) -> Callable[[Any], Any]:
        """A function reading one fact path from a document, as :meth:`read` does."""
        return _compile_reader(path, self.converters.get(path))

    def convert_item(self, path: str, value: Any) -> Any:
        return converted(self.converters.get(path), value)

    def label(self, path: str, lang: str) -> str:
        info = self.fields.get(path)
        if info is None:
            return path
        return info.label_zh if lang == "zh" else info.label_en

    def is_rate(self, path: str | None) -> bool:
        return path in self.rates


def converted(convert: Callable[[Any], Any] | None, value: Any) -> Any:
    """``value`` as a path with converter ``convert`` (or none) holds it: null stays null."""
    return convert(value) if convert is not None and value is not None else value


def converting(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``converted(convert, value)`` as a function of the value, in one call for a date
    written as text (a record's date, read in a loop, is the commonest)."""
    if convert is _to_date:
        def date_of(value: Any) -> Any:
            if type(value) is str:
                return _from_iso(value)
            return converted(_to_date, value)
        return date_of
    return partial(converted, convert)


def _compile_reader(path: str, convert: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """Reading a path is the innermost step of evaluation, so each path gets straight-line
    code: one dict lookup per level for plain dicts, ``in`` then ``[]`` for other mappings.
    The source holds only this function's names and ``repr`` of the path's parts."""
    lines = ["def _read(node):"]
    indent = "    "
    for part in path.split("."):
        key = repr(part)
        lines += [
            f"{indent}if node is not None:",
            f"{indent}    if type(node) is dict:",
            f"{indent}        node = node.get({key}, _ABSENT)",
            f"{indent}        if node is _ABSENT:",
            f"{indent}            raise _Missing({path!r})",
            f"{indent}    elif isinstance(node, _Mapping) and {key} in node:",
            f"{indent}        node = node[{key}]",
            f"{indent}    else:",
            f"{indent}        raise _Missing({path!r})",
        ]
        indent += "    "
    lines.append("    return node if node is None or _convert is None else _convert(node)")
    scope: dict[str, Any] = {"__builtins__": {}, "type": type, "dict": dict,
                             "isinstance": isinstance, "_Mapping": Mapping,
                             "_Missing": Missing, "_ABSENT": _ABSENT, "_convert": convert}
    # The code is written above from the schema's own paths, never from a document's text.
    exec(compile("\n".join(lines) + "\n", f"<read {path}>", "exec"), scope)
    reader: Callable[[Any], Any] = scope["_read"]
    return reader


_ABSENT = object()


def _writable(text: str) -> str:
    """``text`` with any lone surrogate written as its escape, so that UTF-8 can write it."""
    if lone_surrogate(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_path(parts: Any) -> str:
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


_from_iso = dt.date.fromisoformat


def _to_date(value: Any) -> dt.date:
    if type(value) is str:  # what documents hold: neither of the kinds below
        return _from_iso(value)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def china_day(instant: dt.datetime) -> dt.date:
    """The calendar day in China at ``instant``: policy dates are China's, whatever offset an
    instant was written with."""
    # Converting between time zones costs as much as evaluating a rule, and the documents of
    # one run share a few instants: remember them (equal instants have equal days).
    day = _CHINA_DAYS.get(instant)
    if day is None:
        try:
            day = instant.astimezone(CHINA_TZ).date()
        except OverflowError:  # 0001-01-01T00:00+14:00 is still year 0 in China
            raise ValueError(f"{instant.isoformat()} has no date in China time") from None
        if len(_CHINA_DAYS) < 4096:
            _CHINA_DAYS[instant] = day
    return day


_CHINA_DAYS: dict[dt.datetime, dt.date] = {}


def parse_instant(value: Any) -> dt.datetime:
    """An aware datetime from an instant, a date (midnight China time) or an ISO string."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), CHINA_TZ)
    if not isinstance(value, str):
        # ValueError, like the parse errors below: callers word them all as one (RP303).
        raise ValueError(f"not an instant: {value!r}")
    text = value.strip()
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), CHINA_TZ)
    parsed = dt.datetime.fromisoformat(normal_instant(text))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=CHINA_TZ)
