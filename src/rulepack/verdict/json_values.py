"""Values written as JSON exactly as ``json.dumps(to_jsonable(value), ensure_ascii=False)``
writes them, faster: plain values by type, containers by json's C encoder called directly (and
lists of ints by ``list.__repr__``), looked at only when their text shows a mapping inside.
Anything not plainly JSON (dates, durations, sets, subclasses, mappings with keys other than
strings) goes through :func:`rulepack.verdict.records.to_jsonable`.

Nothing here writes a number JSON has none for: NaN and the infinities are written as the
strings ``to_jsonable`` makes of them (see :mod:`rulepack.verdict.records`), and every encoder
here refuses them (``allow_nan=False``), so a non-finite float inside a container sends it the
long way, through ``to_jsonable``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from rulepack.verdict.records import NOT_FINITE, to_jsonable

# json.dumps(..., ensure_ascii=False, allow_nan=False), made once: what it is given is JSON's
# own (to_jsonable's), and it raises rather than write a non-finite number.
encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
# The function that encoder writes every string with (json's C one, no ASCII escapes).
string_json = encode_basestring
# The floats JSON has no number for, written as to_jsonable makes them; any other float is
# written as its repr.
_NOT_FINITE = {text: string_json(name) for text, name in NOT_FINITE.items()}

# The types json writes as they are, and to_jsonable leaves as they are.
PLAIN = frozenset({str, int, float, bool, type(None)})
_STRING = frozenset({str})
_INT = frozenset({int})


class _NotPlain(Exception):
    """Raised by the C encoder below on a value json cannot write as it is."""


def _not_plain(value: Any) -> Any:
    raise _NotPlain


# The C encoder json.dumps(..., ensure_ascii=False) sets up, called directly to write a whole
# container at once; unlike json's, it gives up (_NotPlain) on anything but JSON's own types
# (where json has no C speedups, the Python encoder does the same). Its text is used only
# where it is what json writes of the container to_jsonable makes (see _whole and fields_json).
_plain_encode = json.JSONEncoder(ensure_ascii=False, default=_not_plain, allow_nan=False).encode
_c_encode: Callable[[Any, int], Sequence[str]] = (
    c_make_encoder(None, _not_plain, string_json, None, ": ", ", ", False, False, False)
    if c_make_encoder is not None else lambda value, _: (_plain_encode(value),))


def value_json(value: Any) -> str:
    """``encode(to_jsonable(value))``."""
    kind = type(value)
    if kind is str:
        return string_json(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        text = float.__repr__(value)
        return _NOT_FINITE.get(text, text)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is list or kind is tuple:
        return sequence_json(value)
    if _whole(value):
        try:
            return "".join(_c_encode(value, 0))
        except ValueError:  # a non-finite number inside: to_jsonable's string for it
            pass
    return encode(to_jsonable(value))


def engine_json(value: Any) -> str:
    """``value_json(value)`` of a value the engine built whose mappings all have text keys (a
    score's or a table's details): json's C encoder writes such a value as value_json does
    wherever it writes it at all (it gives up on dates, intervals, failures and non-finite
    numbers, which value_json then writes), so the look at every mapping's keys that
    value_json needs for values from elsewhere is not needed."""
    try:
        return "".join(_c_encode(value, 0))
    except (_NotPlain, TypeError, ValueError):
        return value_json(value)


def sequence_json(value: list[Any] | tuple[Any, ...]) -> str:
    """``value_json(value)`` of a list or tuple (exactly)."""
    if not value:
        return "[]"
    if _INT.issuperset(map(type, value)):
        # Exactly ints (not bools, not subclasses): Python writes the list as JSON does, in
        # half the time of json's encoder.
        return list.__repr__(value if type(value) is list else list(value))
    # Written first, looked at after, as fields_json does: only a mapping inside can be written
    # otherwise than to_jsonable makes it.
    try:
        text = "".join(_c_encode(value, 0))
    except (_NotPlain, TypeError, ValueError):
        pass
    else:
        if text.find("{") < 0 or _whole(value):
            return text
    return encode(to_jsonable(value))


def _whole(value: Any) -> bool:
    """Whether json writes ``value`` as it writes ``to_jsonable(value)``: plain values, and
    lists, tuples and dicts of them, dict keys strings (to_jsonable would turn ``True`` into
    ``"True"``, json into ``"true"``)."""
    kind = type(value)
    if kind in PLAIN:
        return True
    if kind is list or kind is tuple:
        return PLAIN.issuperset(map(type, value)) or all(map(_whole, value))
    if kind is dict:
        return _STRING.issuperset(map(type, value)) and (
            PLAIN.issuperset(map(type, value.values())) or all(map(_whole, value.values())))
    return False


def fields_json(fields: Mapping[str, Any]) -> str:
    """``{k: to_jsonable(v) for k, v in fields.items()}`` encoded: its keys are not converted,
    so json writes them alike either way."""
    if not fields:
        return "{}"
    if type(fields) is dict:
        # Written before the values are looked at (a list of 30 plays is the commonest): the
        # encoder gives up on anything that is not JSON's own (dates, sets, other mappings),
        # and writes the rest as it writes what to_jsonable makes of it: the same numbers and
        # strings (subclasses too), lists and tuples (subclasses too, as iterated). Only the
        # keys of a mapping inside differ (json writes True as "true", to_jsonable "True"):
        # when the text shows one (a second "{", or a string holds one), the values are
        # looked at as _whole looks.
        try:
            text = "".join(_c_encode(fields, 0))
        except (_NotPlain, TypeError, ValueError):
            # Not JSON's own; or keys json cannot write (to_jsonable writes their str()); or
            # what the long way meets as well.
            pass
        else:
            if text.find("{", 1) < 0 or all(map(_whole, fields.values())):
                return text
    return encode({key: to_jsonable(item) for key, item in fields.items()})


def escaped(text: str) -> str:
    """``text`` as a JSON string without its quotes: JSON escapes character by character, so
    the pieces of a string can be escaped apart and joined."""
    return string_json(text)[1:-1]


def number_json(value: float) -> str:
    """``value_json(value)`` of a value of type exactly int or float."""
    if type(value) is int:
        return int.__repr__(value)
    text = float.__repr__(value)
    return _NOT_FINITE.get(text, text)
