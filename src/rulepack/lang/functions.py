"""The function library that rule-pack expressions may call.

Every function here is registered in :data:`FUNCTIONS` together with the kinds
of its parameters, the kind it returns and a one-line description, so that the
evaluator can expose exactly these names to the sandbox and the documentation
can list them.

Each implementation checks the kinds of its arguments itself and raises
``TypeError`` (naming the function) on a mismatch: a fact of the wrong type must
stop the evaluation rather than quietly produce a wrong answer. ``bool`` is never
accepted as a number, although Python treats it as one.

This module deliberately imports nothing from the rest of ``rulepack``.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import decimal
import math
import operator
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = ["FUNCTIONS", "Kind", "LibraryFunction", "Version"]

Kind: TypeAlias = Literal[
    "number", "int", "string", "bool", "date", "instant", "duration", "list", "version", "any"
]

Number: TypeAlias = int | float

# Appended to the doc of every function taking a "date", so the reference table
# says how an instant passed where a date is expected is treated.
_INSTANT_AS_DATE = "an instant counts as its calendar date in its own UTC offset"


@dataclass(frozen=True)
class LibraryFunction:
    """Describe one function that rule expressions may call."""

    name: str
    impl: Callable[..., Any]
    params: tuple[Kind, ...]  # kinds of the positional parameters
    returns: Kind
    doc: str  # one line, English, for the reference table
    optional: int = 0  # how many trailing params may be omitted

    def __post_init__(self) -> None:
        # A malformed registration would only surface when some rule calls it;
        # failing at import time is much easier to diagnose.
        if not 0 <= self.optional <= len(self.params):
            raise ValueError(f"{self.name}: optional must be between 0 and the number of params")
        if not self.doc or "\n" in self.doc:
            raise ValueError(f"{self.name}: doc must be a single non-empty line")


# --------------------------------------------------------------------------
# Argument checking
# --------------------------------------------------------------------------


def _type_name(value: object) -> str:
    """Name the type of a rejected argument for an error message."""
    if isinstance(value, _dt.datetime) and value.utcoffset() is None:
        return "naive datetime"
    return type(value).__name__


def _number(fn: str, value: object, what: str = "a number") -> Number:
    """Return value if it is an int or float (but not a bool), else raise TypeError."""
    # bool is a subclass of int; a True/False fact used as a number is a bug.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{fn}: expected {what}, got {_type_name(value)}")
    return value


def _int(fn: str, value: object) -> int:
    """Return value if it is an int (but not a bool), else raise TypeError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{fn}: expected an int, got {_type_name(value)}")
    return value


def _string(fn: str, value: object) -> str:
    """Return value if it is a str, else raise TypeError."""
    if not isinstance(value, str):
        raise TypeError(f"{fn}: expected a string, got {_type_name(value)}")
    return value


def _list(fn: str, value: object) -> list[Any]:
    """Return value if it is a list, else raise TypeError."""
    if not isinstance(value, list):
        raise TypeError(f"{fn}: expected a list, got {_type_name(value)}")
    return value


_PLAIN_NUMBER_TYPES = frozenset((int, float))


def _numbers(fn: str, value: object) -> list[Number]:
    """Return value if it is a list of numbers, else raise TypeError."""
    items = _list(fn, value)
    # Exact ints and floats are the common case: one pass in C over the item types. Anything
    # else (a bool, or a subclass of int) is looked at item by item below.
    if _PLAIN_NUMBER_TYPES.issuperset(map(type, items)):
        return items
    for index, item in enumerate(items):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise TypeError(
                f"{fn}: expected a list of numbers, got {_type_name(item)} at index {index}"
            )
    return items


def _bools(fn: str, value: object) -> list[bool]:
    """Return value if it is a list of bools, else raise TypeError."""
    items = _list(fn, value)
    for index, item in enumerate(items):
        # Truthiness of arbitrary values (e.g. the string "false") would give a
        # silent wrong answer, so only real booleans are accepted.
        if not isinstance(item, bool):
            raise TypeError(
                f"{fn}: expected a list of bools, got {_type_name(item)} at index {index}"
            )
    return items


def _instant(fn: str, value: object) -> _dt.datetime:
    """Return value if it is a timezone-aware datetime, else raise TypeError."""
    # A naive datetime has no defined position on the time line, and a plain
    # date has no time of day; neither can stand in for an instant.
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise TypeError(
            f"{fn}: expected an instant (timezone-aware datetime), got {_type_name(value)}"
        )
    return value


def _date(fn: str, value: object) -> _dt.date:
    """Return the calendar date of a date or an aware datetime, else raise TypeError."""
    # datetime is a subclass of date, so it has to be recognised first.
    if isinstance(value, _dt.datetime):
        # An aware datetime's fields already are local to its own offset, so
        # .date() is its calendar date there. A naive one is ambiguous.
        return _instant(fn, value).date()
    if isinstance(value, _dt.date):
        return value
    raise TypeError(f"{fn}: expected a date, got {_type_name(value)}")


def _out_of_range(fn: str, error: Exception) -> ValueError:
    """Turn an arithmetic overflow into a ValueError naming the function."""
    return ValueError(f"{fn}: result out of range ({error})")


# --------------------------------------------------------------------------
# Durations and dates
# --------------------------------------------------------------------------


def _days_impl(n: object) -> _dt.timedelta:
    """Build a duration of n days."""
    count = _number("days", n)
    try:
        return _dt.timedelta(days=count)
    except (OverflowError, ValueError) as error:
        raise _out_of_range("days", error) from None


def _hours_impl(n: object) -> _dt.timedelta:
    """Build a duration of n hours."""
    count = _number("hours", n)
    try:
        return _dt.timedelta(hours=count)
    except (OverflowError, ValueError) as error:
        raise _out_of_range("hours", error) from None


def _minutes_impl(n: object) -> _dt.timedelta:
    """Build a duration of n minutes."""
    count = _number("minutes", n)
    try:
        return _dt.timedelta(minutes=count)
    except (OverflowError, ValueError) as error:
        raise _out_of_range("minutes", error) from None


def _date_of_impl(instant: object) -> _dt.date:
    """Give the calendar date of an instant in its own UTC offset."""
    return _instant("date_of", instant).date()


def _add_days_impl(d: object, n: object) -> _dt.date:
    """Move a date n calendar days forward (or back, for negative n)."""
    start = _date("add_days", d)
    offset = _int("add_days", n)
    try:
        return start + _dt.timedelta(days=offset)
    except OverflowError as error:
        raise _out_of_range("add_days", error) from None


def _add_years_impl(d: object, n: object) -> _dt.date:
    """Move a date n years forward (or back), keeping month and day where possible."""
    start = _date("add_years", d)
    offset = _int("add_years", n)
    year = start.year + offset
    if not _dt.MINYEAR <= year <= _dt.MAXYEAR:
        raise ValueError(f"add_years: year {year} is out of range")
    day = start.day
    # 29 February has no counterpart in a common year; the last day of February
    # is the usual legal reading of "n years after".
    if start.month == 2 and day == 29 and not calendar.isleap(year):
        day = 28
    return start.replace(year=year, day=day)


def _add_working_days_impl(d: object, n: object) -> _dt.date:
    """Find the date n working days (Monday to Friday) after a date."""
    # (A date and an int, the common case, are taken as they are.)
    start = d if type(d) is _dt.date else _date("add_working_days", d)
    count = n if type(n) is int else _int("add_working_days", n)
    if count < 0:
        raise ValueError(f"add_working_days: n must be >= 0, got {count}")
    if count == 0:
        return start
    weekday = start.weekday()
    if weekday >= 5:
        # A weekend start counts from the next working day (Sat + 1 -> Mon),
        # which is exactly what counting from the preceding Friday gives.
        start -= _dt.timedelta(days=weekday - 4)
        weekday = 4
    weeks, rest = divmod(count, 5)
    # Every 5 working days are one calendar week; the remainder crosses one
    # weekend (2 extra days) when it runs past Friday.
    extra = rest + 2 if weekday + rest >= 5 else rest
    try:
        return start + _dt.timedelta(days=weeks * 7 + extra)
    except OverflowError as error:
        raise _out_of_range("add_working_days", error) from None


def _days_between_impl(a: object, b: object) -> int:
    """Count whole calendar days from date a to date b (b - a)."""
    first = _date("days_between", a)
    second = _date("days_between", b)
    return (second - first).days


def _hours_between_impl(a: object, b: object) -> float:
    """Measure the hours from instant a to instant b (b - a), as a float."""
    first = _instant("hours_between", a)
    second = _instant("hours_between", b)
    return (second - first).total_seconds() / 3600


def _quarter(d: _dt.date) -> int:
    """Number the calendar quarter (0 to 3) a date falls in."""
    return (d.month - 1) // 3


# (The calendar windows take two dates of exactly that type, the usual case, without the
# checks and conversions of _date.)


def _same_month_impl(d: object, ref: object) -> bool:
    """Tell whether d falls in the calendar month that contains ref."""
    if type(d) is _dt.date and type(ref) is _dt.date:
        return d.month == ref.month and d.year == ref.year
    day = _date("same_month", d)
    reference = _date("same_month", ref)
    return (day.year, day.month) == (reference.year, reference.month)


def _same_quarter_impl(d: object, ref: object) -> bool:
    """Tell whether d falls in the calendar quarter that contains ref."""
    if type(d) is _dt.date and type(ref) is _dt.date:
        return d.year == ref.year and (d.month - 1) // 3 == (ref.month - 1) // 3
    day = _date("same_quarter", d)
    reference = _date("same_quarter", ref)
    return (day.year, _quarter(day)) == (reference.year, _quarter(reference))


def _same_year_impl(d: object, ref: object) -> bool:
    """Tell whether d falls in the calendar year that contains ref."""
    if type(d) is _dt.date and type(ref) is _dt.date:
        return d.year == ref.year
    day = _date("same_year", d)
    reference = _date("same_year", ref)
    return day.year == reference.year


def _month_start_impl(ref: object) -> _dt.date:
    """Give the first day of the month that contains ref."""
    return _date("month_start", ref).replace(day=1)


def _month_end_impl(ref: object) -> _dt.date:
    """Give the last day of the month that contains ref."""
    reference = _date("month_end", ref)
    last = calendar.monthrange(reference.year, reference.month)[1]
    return reference.replace(day=last)


def _quarter_start_impl(ref: object) -> _dt.date:
    """Give the first day of the calendar quarter that contains ref."""
    reference = _date("quarter_start", ref)
    return _dt.date(reference.year, _quarter(reference) * 3 + 1, 1)


def _quarter_end_impl(ref: object) -> _dt.date:
    """Give the last day of the calendar quarter that contains ref."""
    reference = _date("quarter_end", ref)
    month = _quarter(reference) * 3 + 3
    return _dt.date(reference.year, month, calendar.monthrange(reference.year, month)[1])


def _year_start_impl(ref: object) -> _dt.date:
    """Give 1 January of the year that contains ref."""
    return _dt.date(_date("year_start", ref).year, 1, 1)


def _year_end_impl(ref: object) -> _dt.date:
    """Give 31 December of the year that contains ref."""
    return _dt.date(_date("year_end", ref).year, 12, 31)


# --------------------------------------------------------------------------
# Lists and numbers
# --------------------------------------------------------------------------


def _sum(items: list[Number]) -> Number:
    """Add up numbers, exactly for ints and with correctly rounded floats."""
    total = sum(items)
    if type(total) is int:  # every item was an int: the sum is exact
        return total
    # fsum avoids the drift of naive float addition (0.1 * 10 gives 1.0, not
    # 0.9999999999999999), which matters when a total meets a threshold.
    return math.fsum(items)


def _count_impl(items: object) -> int:
    """Count the items of a list."""
    return len(items) if type(items) is list else len(_list("count", items))


def _total_impl(items: object) -> Number:
    """Add up a list of numbers (0 for an empty list)."""
    return _sum(_numbers("total", items))


def _avg_impl(items: object) -> float:
    """Average a list of numbers (0 for an empty list)."""
    return _average(_numbers("avg", items))


def _average(numbers: list[Number]) -> float:
    if not numbers:
        # Documented choice: with nothing to average (e.g. no videos) the
        # average is 0 (no plays), so rules need no special case.
        return 0.0
    return _sum(numbers) / len(numbers)


def _avg_newest_impl(items: object, n: object) -> float:
    """Average the first n items of a newest-first list of numbers."""
    if type(items) is list and type(n) is int and n >= 1 \
            and _PLAIN_NUMBER_TYPES.issuperset(map(type, items)):
        # The common case, checked in one pass; anything else gets the checks and words below.
        return _average(items[:n])
    numbers = _numbers("avg_newest", items)
    count = _int("avg_newest", n)
    if count < 1:
        raise ValueError(f"avg_newest: n must be >= 1, got {count}")
    return _average(numbers[:count])


def _minimum_impl(items: object) -> Number:
    """Find the smallest number in a non-empty list."""
    numbers = _numbers("minimum", items)
    if not numbers:
        raise ValueError("minimum: the list is empty")
    return min(numbers)


def _maximum_impl(items: object) -> Number:
    """Find the largest number in a non-empty list."""
    numbers = _numbers("maximum", items)
    if not numbers:
        raise ValueError("maximum: the list is empty")
    return max(numbers)


def _abs_impl(x: object) -> Number:
    """Give the absolute value of a number."""
    return abs(_number("abs", x))


def _round_impl(x: object, ndigits: object = None) -> Number:
    """Round a number half away from zero, to an int or to ndigits decimal places."""
    value = _number("round", x)
    places = None if ndigits is None else _int("round", ndigits)
    if isinstance(value, float) and not math.isfinite(value):
        if places is None:
            raise ValueError(f"round: cannot round {value} to an integer")
        return value
    # Already no more precise than asked, the commonest case, seen without Decimal: an int
    # to whole places, or a float written with no more decimals than asked (what the
    # exponent test below finds of it).
    if type(value) is int and (places is None or places >= 0):
        return value
    if type(value) is float and places is not None and places >= 0:
        text = float.__repr__(value)
        if "e" not in text and len(text) - text.index(".") - 1 <= places:
            return value
    # Python's round() rounds half to even and works on the binary value, so
    # round(2.5) == 2 and round(2.675, 2) == 2.67. Rule authors expect the
    # school rule on the number as written, hence Decimal on the shortest repr.
    exact = decimal.Decimal(repr(value)) if isinstance(value, float) else decimal.Decimal(value)
    # Past the leading digit everything rounds to 0; capping the target keeps a
    # huge negative ndigits inside Decimal's exponent range.
    target = min(0 if places is None else -places, exact.adjusted() + 2)
    exponent = exact.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked above
    if exponent >= target:
        # Already no more precise than asked: nothing to round.
        return value if places is not None else int(value)
    context = decimal.Context(
        prec=len(exact.as_tuple().digits) + 2,
        rounding=decimal.ROUND_HALF_UP,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
    )
    rounded = exact.quantize(decimal.Decimal((0, (1,), target)), context=context)
    if places is None or isinstance(value, int):
        return int(rounded)
    return float(rounded)


def _clamp_impl(x: object, lo: object, hi: object) -> Number:
    """Limit a number to the range lo..hi (inclusive)."""
    value = _number("clamp", x)
    low = _number("clamp", lo)
    high = _number("clamp", hi)
    if low > high:
        raise ValueError(f"clamp: lo ({low}) is greater than hi ({high})")
    return min(max(value, low), high)


def _any_of_impl(items: object) -> bool:
    """Tell whether at least one item of a list of bools is true."""
    return any(_bools("any_of", items))


def _all_of_impl(items: object) -> bool:
    """Tell whether every item of a list of bools is true (true for an empty list)."""
    return all(_bools("all_of", items))


def _blank_impl(s: object) -> bool:
    """Tell whether a text is filled in with nothing: null, empty, or only white space."""
    if s is None:
        return True
    # str.isspace counts every Unicode space, the ideographic space (U+3000) of Chinese
    # input methods included.
    text = _string("blank", s)
    return not text or text.isspace()


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Version:
    """Hold a dotted version number that compares numerically, component by component.

    Trailing zero components are ignored in comparisons and hashing, so
    ``12.10 == 12.10.0``; ``str()`` gives the components as they were written.
    """

    parts: tuple[int, ...]
    # The components compared: those written, trailing zeros removed. Worked out once
    # (versions are compared in checks, document after document, and remembered).
    _key: tuple[int, ...] = field(init=False, repr=False, compare=False)
    # Its text, as str() gives it (messages and verdicts show it again and again).
    _text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("Version: needs at least one component")
        for part in self.parts:
            if isinstance(part, bool) or not isinstance(part, int) or part < 0:
                raise ValueError(f"Version: components must be non-negative ints, got {part!r}")
        parts = self.parts
        end = len(parts)
        while end and parts[end - 1] == 0:
            end -= 1
        object.__setattr__(self, "_key", parts[:end])
        object.__setattr__(self, "_text", ".".join([str(part) for part in parts]))

    # Each comparison written out, not derived by functools.total_ordering: a derived one
    # costs two calls more.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key == other._key

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key < other._key

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key <= other._key

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key > other._key

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key >= other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __str__(self) -> str:
        return self._text


# ASCII digits only: str.isdigit() and int() also accept other scripts' digits.
_VERSION_PART = re.compile(r"[0-9]+")


def _version_impl(s: object) -> Version:
    """Parse a dotted version string such as "12.10" or "v12.9.1" for comparing."""
    # A few versions of an app are in use at any time: each text is parsed once. (Only
    # short texts are remembered, and only those that parse; a Version is immutable.)
    if type(s) is str and len(s) <= _VERSION_TEXT_KEPT:
        known = _VERSIONS.get(s)
        if known is None:
            known = _parse_version(s)
            if len(_VERSIONS) >= _VERSIONS_KEPT:
                _VERSIONS.clear()
            _VERSIONS[s] = known
        return known
    return _parse_version(s)


_VERSIONS: dict[str, Version] = {}
_VERSIONS_KEPT = 4096
_VERSION_TEXT_KEPT = 32  # characters: what the documents' texts can make this memo hold


def _parse_version(s: object) -> Version:
    text = _string("version", s).strip()
    body = text[1:] if text[:1] in ("v", "V") else text
    if not body:
        raise ValueError(f"version: {s!r} is not a version number")
    parts: list[int] = []
    for part in body.split("."):
        if not _VERSION_PART.fullmatch(part):
            raise ValueError(
                f"version: {s!r} is not a dotted version number "
                f"(component {part!r} is not a whole number)"
            )
        parts.append(int(part))
    return Version(tuple(parts))


# --------------------------------------------------------------------------
# Identity documents
# --------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_ZEROS = ord("0") * sum(_ID_WEIGHTS)


def _resident_id_valid_impl(s: object) -> bool:
    """Check an 18-character PRC resident ID number (GB 11643-1999)."""
    # Deliberately never raises: an ill-formed ID is simply not a valid one.
    if not isinstance(s, str) or len(s) != 18:
        return False
    body, check = s[:17], s[17].upper()
    if not (body.isascii() and body.isdigit()):  # ASCII digits only: 0 to 9
        return False
    year = int(body[6:10])
    if not 1900 <= year <= 2100:
        return False
    try:
        _dt.date(year, int(body[10:12]), int(body[12:14]))
    except ValueError:
        return False
    # The weighted sum of the digits, from their ASCII codes (each the digit plus 48): the
    # 48s add a constant, taken off once, and one pass over bytes replaces 17 int() calls.
    total = sum(map(operator.mul, body.encode(), _ID_WEIGHTS)) - _ID_ZEROS
    return check == _ID_CHECK_CHARS[total % 11]


# --------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------

_LIBRARY: tuple[LibraryFunction, ...] = (
    LibraryFunction("days", _days_impl, ("number",), "duration", "A duration of n days."),
    LibraryFunction("hours", _hours_impl, ("number",), "duration", "A duration of n hours."),
    LibraryFunction("minutes", _minutes_impl, ("number",), "duration", "A duration of n minutes."),
    LibraryFunction(
        "date_of",
        _date_of_impl,
        ("instant",),
        "date",
        "The calendar date of an instant in its own UTC offset.",
    ),
    LibraryFunction(
        "add_days",
        _add_days_impl,
        ("date", "int"),
        "date",
        f"The date n calendar days after date (n < 0: before); {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "add_years",
        _add_years_impl,
        ("date", "int"),
        "date",
        "The same day n years after date (n < 0: before; 29 Feb becomes 28 Feb "
        f"in a common year); {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "add_working_days",
        _add_working_days_impl,
        ("date", "int"),
        "date",
        "The date n >= 0 working days (Mon-Fri, no public holidays) after date; a weekend "
        f"start counts from the next working day, n = 0 gives date; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "days_between",
        _days_between_impl,
        ("date", "date"),
        "int",
        f"Whole calendar days from date a to date b (b - a); {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "hours_between",
        _hours_between_impl,
        ("instant", "instant"),
        "number",
        "Hours from instant a to instant b (b - a), with fractions.",
    ),
    LibraryFunction(
        "same_month",
        _same_month_impl,
        ("date", "date"),
        "bool",
        f"Whether d falls in the calendar month containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "same_quarter",
        _same_quarter_impl,
        ("date", "date"),
        "bool",
        f"Whether d falls in the calendar quarter containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "same_year",
        _same_year_impl,
        ("date", "date"),
        "bool",
        f"Whether d falls in the calendar year containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "month_start",
        _month_start_impl,
        ("date",),
        "date",
        f"The first day of the month containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "month_end",
        _month_end_impl,
        ("date",),
        "date",
        f"The last day of the month containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "quarter_start",
        _quarter_start_impl,
        ("date",),
        "date",
        f"The first day of the calendar quarter containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "quarter_end",
        _quarter_end_impl,
        ("date",),
        "date",
        f"The last day of the calendar quarter containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "year_start",
        _year_start_impl,
        ("date",),
        "date",
        f"1 January of the year containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction(
        "year_end",
        _year_end_impl,
        ("date",),
        "date",
        f"31 December of the year containing ref; {_INSTANT_AS_DATE}.",
    ),
    LibraryFunction("count", _count_impl, ("list",), "int", "The number of items in a list."),
    LibraryFunction(
        "total", _total_impl, ("list",), "number", "The sum of a list of numbers (0 if empty)."
    ),
    LibraryFunction(
        "avg",
        _avg_impl,
        ("list",),
        "number",
        "The arithmetic mean of a list of numbers (0 if empty: no videos means no plays).",
    ),
    LibraryFunction(
        "avg_newest",
        _avg_newest_impl,
        ("list", "int"),
        "number",
        "The mean of the first n >= 1 items of a newest-first list of numbers "
        "(fewer than n: of those there are; 0 if empty).",
    ),
    LibraryFunction(
        "minimum",
        _minimum_impl,
        ("list",),
        "number",
        "The smallest number in a non-empty list.",
    ),
    LibraryFunction(
        "maximum",
        _maximum_impl,
        ("list",),
        "number",
        "The largest number in a non-empty list.",
    ),
    LibraryFunction("abs", _abs_impl, ("number",), "number", "The absolute value of a number."),
    LibraryFunction(
        "round",
        _round_impl,
        ("number", "int"),
        "number",
        "x rounded half away from zero to ndigits decimals, or to an int if ndigits is omitted.",
        optional=1,
    ),
    LibraryFunction(
        "clamp",
        _clamp_impl,
        ("number", "number", "number"),
        "number",
        "x limited to the range lo..hi inclusive (lo must not exceed hi).",
    ),
    LibraryFunction(
        "any_of",
        _any_of_impl,
        ("list",),
        "bool",
        "Whether at least one item of a list of bools is true (false if empty).",
    ),
    LibraryFunction(
        "all_of",
        _all_of_impl,
        ("list",),
        "bool",
        "Whether every item of a list of bools is true (true if empty).",
    ),
    LibraryFunction(
        "blank",
        _blank_impl,
        ("string",),
        "bool",
        "Whether a text is null, empty or only white space (a name of spaces is no name).",
    ),
    LibraryFunction(
        "version",
        _version_impl,
        ("string",),
        "version",
        'A dotted version ("12.10", "v12.9.1") that compares numerically, trailing zeros '
        "ignored (12.9 < 12.10 == 12.10.0).",
    ),
    LibraryFunction(
        "resident_id_valid",
        _resident_id_valid_impl,
        ("any",),
        "bool",
        "Whether s is a well-formed 18-character PRC resident ID (GB 11643-1999: check "
        "digit and birth date); false for anything else.",
    ),
)

FUNCTIONS: Mapping[str, LibraryFunction] = types.MappingProxyType(
    {entry.name: entry for entry in _LIBRARY}
)

# Two registrations under one name would silently drop one of them.
if len(FUNCTIONS) != len(_LIBRARY):
    raise RuntimeError("rulepack.lang.functions: duplicate function name in _LIBRARY")
