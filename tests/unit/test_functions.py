"""Tests for the rule-expression function library (rulepack.lang.functions)."""

from __future__ import annotations

import datetime as dt
import inspect
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulepack.lang.functions import FUNCTIONS, LibraryFunction, Version

UTC = dt.UTC
CST = dt.timezone(dt.timedelta(hours=8))  # +08:00, China Standard Time


def call(name: str, *args: Any) -> Any:
    """Call a library function the way the evaluator does: through FUNCTIONS."""
    return FUNCTIONS[name].impl(*args)


D = dt.date
SAT = D(2024, 6, 1)
SUN = D(2024, 6, 2)
MON = D(2024, 6, 3)
THU = D(2024, 6, 6)
FRI = D(2024, 6, 7)


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

EXPECTED_NAMES = {
    "days", "hours", "minutes", "date_of", "add_days", "add_years", "add_working_days",
    "days_between", "hours_between", "same_month", "same_quarter", "same_year",
    "month_start", "quarter_start", "year_start", "month_end", "quarter_end", "year_end",
    "count", "total", "avg", "avg_newest", "version", "resident_id_valid",
    "minimum", "maximum", "abs", "round", "clamp", "any_of", "all_of", "blank",
}  # fmt: skip


def test_registry_has_exactly_the_documented_functions() -> None:
    assert set(FUNCTIONS) == EXPECTED_NAMES


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        FUNCTIONS["evil"] = FUNCTIONS["count"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del FUNCTIONS["count"]  # type: ignore[attr-defined]
    assert not hasattr(FUNCTIONS, "pop")


def test_entries_are_frozen() -> None:
    entry = FUNCTIONS["count"]
    with pytest.raises(AttributeError):
        entry.name = "other"  # type: ignore[misc]


@pytest.mark.parametrize("key", sorted(EXPECTED_NAMES))
def test_entry_is_consistent(key: str) -> None:
    entry = FUNCTIONS[key]
    assert isinstance(entry, LibraryFunction)
    assert entry.name == key
    assert entry.doc.strip() and "\n" not in entry.doc
    assert 0 <= entry.optional <= len(entry.params)
    # The impl must take exactly the declared parameters, the optional ones
    # having defaults, so the arity the evaluator checks is the real one.
    params = list(inspect.signature(entry.impl).parameters.values())
    assert len(params) == len(entry.params)
    with_default = [p for p in params if p.default is not inspect.Parameter.empty]
    assert len(with_default) == entry.optional
    assert entry.impl.__doc__ and entry.impl.__doc__.strip()


def test_date_taking_functions_document_instant_handling() -> None:
    for entry in FUNCTIONS.values():
        if "date" in entry.params:
            assert "instant" in entry.doc, entry.name


def test_library_function_rejects_bad_registration() -> None:
    with pytest.raises(ValueError):
        LibraryFunction("f", len, ("list",), "int", "Doc.", optional=2)
    with pytest.raises(ValueError):
        LibraryFunction("f", len, ("list",), "int", "")


# --------------------------------------------------------------------------
# Argument kinds
# --------------------------------------------------------------------------

# One wrongly typed call per function: (name, args, phrase expected in the message).
BAD_CALLS: list[tuple[str, tuple[Any, ...], str]] = [
    ("days", ("3",), "expected a number, got str"),
    ("days", (True,), "expected a number, got bool"),
    ("hours", (None,), "expected a number, got NoneType"),
    ("minutes", ([1],), "expected a number, got list"),
    ("date_of", (D(2024, 1, 1),), "expected an instant"),
    ("date_of", (dt.datetime(2024, 1, 1),), "naive datetime"),
    ("add_days", ("2024-01-01", 1), "expected a date, got str"),
    ("add_days", (D(2024, 1, 1), 1.5), "expected an int, got float"),
    ("add_days", (D(2024, 1, 1), True), "expected an int, got bool"),
    ("add_days", (dt.datetime(2024, 1, 1, 12), 1), "naive datetime"),
    ("add_years", (D(2024, 1, 1), "1"), "expected an int, got str"),
    ("add_working_days", (D(2024, 1, 1), 2.0), "expected an int, got float"),
    ("days_between", (D(2024, 1, 1), "2024-01-02"), "expected a date, got str"),
    ("hours_between", (D(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=UTC)), "instant"),
    ("same_month", (1, D(2024, 1, 1)), "expected a date, got int"),
    ("same_quarter", (D(2024, 1, 1), None), "expected a date, got NoneType"),
    ("same_year", ("2024", D(2024, 1, 1)), "expected a date, got str"),
    ("month_start", (2024,), "expected a date"),
    ("month_end", (2024,), "expected a date"),
    ("quarter_start", (2024,), "expected a date"),
    ("quarter_end", (2024,), "expected a date"),
    ("year_start", (2024,), "expected a date"),
    ("year_end", (2024,), "expected a date"),
    ("count", ("abc",), "expected a list, got str"),
    ("count", ((1, 2),), "expected a list, got tuple"),
    ("total", ([1, "2"],), "got str at index 1"),
    ("total", ([1, True],), "got bool at index 1"),
    ("avg", ({1: 2},), "expected a list, got dict"),
    ("avg_newest", ([1, 2], "2"), "expected an int, got str"),
    ("avg_newest", ([None], 1), "got NoneType at index 0"),
    ("minimum", ([1, None],), "got NoneType at index 1"),
    ("maximum", ([D(2024, 1, 1)],), "got date at index 0"),
    ("abs", ("-1",), "expected a number, got str"),
    ("round", (False,), "expected a number, got bool"),
    ("round", (1.5, 1.0), "expected an int, got float"),
    ("clamp", (1, "0", 2), "expected a number, got str"),
    ("any_of", ([True, "false"],), "got str at index 1"),
    ("all_of", ([1, 1],), "got int at index 0"),
    ("version", (12.1,), "expected a string, got float"),
    ("blank", (0,), "expected a string, got int"),
]


@pytest.mark.parametrize(("name", "args", "phrase"), BAD_CALLS)
def test_wrong_kinds_raise_type_error_naming_the_function(
    name: str, args: tuple[Any, ...], phrase: str
) -> None:
    with pytest.raises(TypeError) as excinfo:
        call(name, *args)
    message = str(excinfo.value)
    assert message.startswith(f"{name}: "), message
    assert phrase in message


def test_every_function_has_a_bad_call() -> None:
    # resident_id_valid never raises by design; every other function must be
    # covered by BAD_CALLS.
    assert {name for name, _, _ in BAD_CALLS} == EXPECTED_NAMES - {"resident_id_valid"}


def test_message_format_example() -> None:
    with pytest.raises(TypeError, match=r"^add_days: expected a date, got str$"):
        call("add_days", "2024-01-01", 3)


# --------------------------------------------------------------------------
# Durations
# --------------------------------------------------------------------------


def test_durations() -> None:
    assert call("days", 3) == dt.timedelta(days=3)
    assert call("days", 1.5) == dt.timedelta(hours=36)
    assert call("hours", 2) == dt.timedelta(hours=2)
    assert call("hours", -1) == dt.timedelta(hours=-1)
    assert call("minutes", 90) == dt.timedelta(hours=1, minutes=30)


def test_duration_out_of_range_is_value_error() -> None:
    with pytest.raises(ValueError, match="^days: "):
        call("days", 10**12)
    with pytest.raises(ValueError, match="^hours: "):
        call("hours", float("nan"))


def test_durations_combine_with_instants() -> None:
    start = dt.datetime(2024, 6, 1, 23, 0, tzinfo=CST)
    assert start + call("hours", 2) == dt.datetime(2024, 6, 2, 1, 0, tzinfo=CST)


# --------------------------------------------------------------------------
# date_of and instants around midnight
# --------------------------------------------------------------------------


def test_date_of_uses_the_instants_own_offset() -> None:
    # 00:30 on 1 June in Beijing is still 31 May in UTC.
    beijing = dt.datetime(2024, 6, 1, 0, 30, tzinfo=CST)
    assert call("date_of", beijing) == D(2024, 6, 1)
    assert call("date_of", beijing.astimezone(UTC)) == D(2024, 5, 31)
    late_utc = dt.datetime(2024, 5, 31, 23, 59, tzinfo=UTC)
    assert call("date_of", late_utc) == D(2024, 5, 31)
    assert call("date_of", late_utc.astimezone(CST)) == D(2024, 6, 1)


def test_date_of_returns_a_plain_date() -> None:
    result = call("date_of", dt.datetime(2024, 6, 1, 12, tzinfo=UTC))
    assert type(result) is dt.date


def test_same_month_with_instants_near_midnight() -> None:
    beijing = dt.datetime(2024, 6, 1, 0, 30, tzinfo=CST)  # == 2024-05-31 16:30 UTC
    assert call("same_month", beijing, D(2024, 6, 15)) is True
    assert call("same_month", beijing.astimezone(UTC), D(2024, 6, 15)) is False
    assert call("same_month", beijing.astimezone(UTC), D(2024, 5, 1)) is True
    # Both arguments may be instants, each read in its own offset.
    assert call("same_month", beijing, beijing.astimezone(UTC)) is False


def test_date_functions_accept_instants() -> None:
    beijing = dt.datetime(2024, 3, 31, 23, 30, tzinfo=CST)
    assert call("add_days", beijing, 1) == D(2024, 4, 1)
    assert type(call("add_days", beijing, 1)) is dt.date
    assert call("quarter_end", beijing) == D(2024, 3, 31)
    assert call("quarter_end", beijing.astimezone(dt.timezone(dt.timedelta(hours=9)))) == D(
        2024, 6, 30
    )
    assert call("days_between", beijing, D(2024, 4, 2)) == 2


# --------------------------------------------------------------------------
# add_days / add_years
# --------------------------------------------------------------------------


def test_add_days() -> None:
    assert call("add_days", D(2024, 2, 28), 1) == D(2024, 2, 29)
    assert call("add_days", D(2023, 2, 28), 1) == D(2023, 3, 1)
    assert call("add_days", D(2024, 12, 31), 1) == D(2025, 1, 1)
    assert call("add_days", D(2024, 1, 1), -1) == D(2023, 12, 31)
    assert call("add_days", D(2024, 1, 1), 0) == D(2024, 1, 1)


def test_add_days_out_of_range() -> None:
    with pytest.raises(ValueError, match="^add_days: "):
        call("add_days", D(9999, 12, 31), 1)


def test_add_years() -> None:
    assert call("add_years", D(2020, 5, 17), 3) == D(2023, 5, 17)
    assert call("add_years", D(2024, 2, 29), 1) == D(2025, 2, 28)
    assert call("add_years", D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert call("add_years", D(2024, 2, 29), -3) == D(2021, 2, 28)
    assert call("add_years", D(2024, 6, 1), -3) == D(2021, 6, 1)  # "3 years before"
    assert call("add_years", D(2024, 6, 1), 0) == D(2024, 6, 1)


def test_add_years_out_of_range() -> None:
    with pytest.raises(ValueError, match="^add_years: "):
        call("add_years", D(9999, 1, 1), 1)
    with pytest.raises(ValueError, match="^add_years: "):
        call("add_years", D(1, 1, 1), -1)


# --------------------------------------------------------------------------
# add_working_days
# --------------------------------------------------------------------------


def test_add_working_days_examples() -> None:
    assert (SAT.weekday(), MON.weekday(), FRI.weekday()) == (5, 0, 4)
    assert call("add_working_days", SAT, 1) == D(2024, 6, 3)  # Sat + 1 -> Mon
    assert call("add_working_days", FRI, 3) == D(2024, 6, 12)  # Fri + 3 -> Wed
    assert call("add_working_days", MON, 3) == D(2024, 6, 6)  # Mon + 3 -> Thu
    assert call("add_working_days", SAT, 3) == D(2024, 6, 5)  # Sat + 3 -> Wed
    assert call("add_working_days", MON, 0) == MON
    assert call("add_working_days", SAT, 0) == SAT  # n = 0 is the date itself


def test_add_working_days_more() -> None:
    assert call("add_working_days", SUN, 1) == MON
    assert call("add_working_days", SUN, 5) == FRI
    assert call("add_working_days", THU, 1) == FRI
    assert call("add_working_days", THU, 2) == D(2024, 6, 10)  # Mon
    assert call("add_working_days", FRI, 1) == D(2024, 6, 10)  # Mon
    assert call("add_working_days", MON, 5) == D(2024, 6, 10)
    assert call("add_working_days", MON, 10) == D(2024, 6, 17)
    assert call("add_working_days", FRI, 5) == D(2024, 6, 14)
    # Across a year boundary: Fri 27 Dec 2024 + 3 -> Wed 1 Jan 2025 (no holidays).
    assert call("add_working_days", D(2024, 12, 27), 3) == D(2025, 1, 1)


def test_add_working_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="^add_working_days: n must be >= 0"):
        call("add_working_days", MON, -1)


def _count_working_days_after(start: dt.date, end: dt.date) -> int:
    """Count Mon-Fri days in (start, end], by walking the calendar."""
    days = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


dates = st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31))


@given(dates, st.integers(min_value=1, max_value=400))
def test_add_working_days_never_lands_on_a_weekend(start: dt.date, n: int) -> None:
    assert call("add_working_days", start, n).weekday() < 5


@given(dates, st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=300))
def test_add_working_days_is_monotone(start: dt.date, n: int, m: int) -> None:
    low, high = sorted((n, m))
    a = call("add_working_days", start, low)
    b = call("add_working_days", start, high)
    assert a <= b
    if low < high:
        assert a < b


@given(dates, st.integers(min_value=0, max_value=60))
def test_add_working_days_matches_a_calendar_walk(start: dt.date, n: int) -> None:
    result = call("add_working_days", start, n)
    assert _count_working_days_after(start, result) == n
    if n >= 1:
        # It is the first day with n working days behind it.
        assert _count_working_days_after(start, result - dt.timedelta(days=1)) == n - 1


# --------------------------------------------------------------------------
# days_between / hours_between
# --------------------------------------------------------------------------


def test_days_between() -> None:
    assert call("days_between", D(2024, 1, 1), D(2024, 1, 31)) == 30
    assert call("days_between", D(2024, 1, 31), D(2024, 1, 1)) == -30
    assert call("days_between", D(2024, 2, 28), D(2024, 3, 1)) == 2  # leap year
    assert call("days_between", D(2023, 2, 28), D(2023, 3, 1)) == 1
    assert call("days_between", D(2024, 12, 31), D(2025, 1, 1)) == 1
    assert call("days_between", D(2024, 5, 5), D(2024, 5, 5)) == 0


def test_hours_between() -> None:
    a = dt.datetime(2024, 6, 1, 8, 0, tzinfo=CST)
    b = dt.datetime(2024, 6, 1, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    result = call("hours_between", a, b)
    assert isinstance(result, float)
    assert result == 1.5
    assert call("hours_between", b, a) == -1.5
    assert call("hours_between", a, a) == 0.0


# --------------------------------------------------------------------------
# Calendar periods
# --------------------------------------------------------------------------


def test_same_month() -> None:
    assert call("same_month", D(2024, 2, 1), D(2024, 2, 29)) is True
    assert call("same_month", D(2024, 1, 31), D(2024, 2, 1)) is False
    assert call("same_month", D(2023, 2, 10), D(2024, 2, 10)) is False


@given(st.dates(), st.dates(), st.sampled_from(["same_month", "same_quarter", "same_year"]))
def test_calendar_windows_of_two_dates_agree_with_their_instants(d: dt.date, ref: dt.date,
                                                                name: str) -> None:
    """Two dates take a shortcut; the same days as instants at noon in Beijing go the
    general way. Both tell the same."""
    def noon(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), CST)

    assert call(name, d, ref) is call(name, noon(d), noon(ref))


def test_same_quarter_boundaries() -> None:
    assert call("same_quarter", D(2024, 3, 31), D(2024, 1, 1)) is True
    assert call("same_quarter", D(2024, 3, 31), D(2024, 4, 1)) is False
    assert call("same_quarter", D(2024, 4, 1), D(2024, 6, 30)) is True
    assert call("same_quarter", D(2024, 6, 30), D(2024, 7, 1)) is False
    assert call("same_quarter", D(2024, 10, 1), D(2024, 12, 31)) is True
    assert call("same_quarter", D(2023, 12, 31), D(2024, 1, 1)) is False
    assert call("same_quarter", D(2023, 2, 1), D(2024, 2, 1)) is False


def test_same_year() -> None:
    assert call("same_year", D(2024, 1, 1), D(2024, 12, 31)) is True
    assert call("same_year", D(2023, 12, 31), D(2024, 1, 1)) is False
    late = dt.datetime(2023, 12, 31, 20, 0, tzinfo=UTC)  # 2024-01-01 04:00 in Beijing
    assert call("same_year", late, D(2024, 6, 1)) is False
    assert call("same_year", late.astimezone(CST), D(2024, 6, 1)) is True


@given(dates)
def test_same_period_is_reflexive(d: dt.date) -> None:
    assert call("same_quarter", d, d) is True
    assert call("same_month", d, d) is True
    assert call("same_year", d, d) is True


@given(dates, dates)
def test_same_quarter_agrees_with_quarter_start(d: dt.date, ref: dt.date) -> None:
    expected = call("quarter_start", d) == call("quarter_start", ref)
    assert call("same_quarter", d, ref) is expected


@given(dates)
def test_period_bounds_contain_the_date(d: dt.date) -> None:
    for start, end in (
        ("month_start", "month_end"),
        ("quarter_start", "quarter_end"),
        ("year_start", "year_end"),
    ):
        assert call(start, d) <= d <= call(end, d)
        assert call(start, d).day == 1
        assert (call(end, d) + dt.timedelta(days=1)).day == 1


def test_month_bounds() -> None:
    assert call("month_start", D(2024, 2, 17)) == D(2024, 2, 1)
    assert call("month_end", D(2024, 2, 17)) == D(2024, 2, 29)
    assert call("month_end", D(2023, 2, 17)) == D(2023, 2, 28)
    assert call("month_end", D(2024, 4, 1)) == D(2024, 4, 30)
    assert call("month_end", D(2024, 12, 5)) == D(2024, 12, 31)


def test_quarter_bounds() -> None:
    assert call("quarter_start", D(2024, 3, 31)) == D(2024, 1, 1)
    assert call("quarter_end", D(2024, 3, 31)) == D(2024, 3, 31)
    assert call("quarter_start", D(2024, 4, 1)) == D(2024, 4, 1)
    assert call("quarter_end", D(2024, 4, 1)) == D(2024, 6, 30)
    assert call("quarter_start", D(2024, 8, 15)) == D(2024, 7, 1)
    assert call("quarter_end", D(2024, 8, 15)) == D(2024, 9, 30)
    assert call("quarter_start", D(2024, 12, 31)) == D(2024, 10, 1)
    assert call("quarter_end", D(2024, 11, 1)) == D(2024, 12, 31)


def test_year_bounds() -> None:
    assert call("year_start", D(2024, 7, 4)) == D(2024, 1, 1)
    assert call("year_end", D(2024, 7, 4)) == D(2024, 12, 31)
    assert call("year_start", D(2024, 1, 1)) == D(2024, 1, 1)
    assert call("year_end", D(2024, 12, 31)) == D(2024, 12, 31)


# --------------------------------------------------------------------------
# Lists and numbers
# --------------------------------------------------------------------------


def test_count() -> None:
    assert call("count", []) == 0
    assert call("count", [1, "a", None]) == 3


def test_total() -> None:
    assert call("total", []) == 0
    assert call("total", [1, 2, 3]) == 6
    assert isinstance(call("total", [1, 2, 3]), int)
    assert call("total", [0.1] * 10) == 1.0  # no float drift
    assert call("total", [1, 0.5]) == 1.5


def test_avg() -> None:
    assert call("avg", []) == 0
    assert call("avg", [1, 2, 3, 4]) == 2.5
    assert call("avg", [5]) == 5
    assert call("avg", [-1, 1]) == 0


def test_avg_newest() -> None:
    plays = [10, 20, 30, 40, 50]  # newest first
    assert call("avg_newest", plays, 2) == 15
    assert call("avg_newest", plays, 5) == 30
    assert call("avg_newest", plays, 10) == 30  # fewer than n: those there are
    assert call("avg_newest", [], 3) == 0
    with pytest.raises(ValueError, match="^avg_newest: n must be >= 1"):
        call("avg_newest", plays, 0)


def test_minimum_maximum() -> None:
    assert call("minimum", [3, 1.5, 2]) == 1.5
    assert call("maximum", [3, 1.5, 2]) == 3
    assert call("minimum", [-7]) == -7
    with pytest.raises(ValueError, match="^minimum: the list is empty"):
        call("minimum", [])
    with pytest.raises(ValueError, match="^maximum: the list is empty"):
        call("maximum", [])


def test_abs() -> None:
    assert call("abs", -3) == 3
    assert call("abs", 2.5) == 2.5
    assert call("abs", 0) == 0


def test_round() -> None:
    assert FUNCTIONS["round"].optional == 1
    assert call("round", 2.4) == 2
    assert isinstance(call("round", 2.4), int)
    # Half away from zero, on the number as written (unlike Python's round).
    assert call("round", 2.5) == 3
    assert call("round", -2.5) == -3
    assert call("round", 0.5) == 1
    assert call("round", 2.675, 2) == 2.68
    assert call("round", 1.005, 2) == 1.01
    assert call("round", 3.14159, 2) == 3.14
    assert isinstance(call("round", 3.14159, 2), float)
    assert call("round", 1250, -2) == 1300
    assert call("round", 1249, -2) == 1200
    assert call("round", 7, 2) == 7
    assert isinstance(call("round", 7, 2), int)
    assert call("round", 1.5, 3) == 1.5
    assert call("round", 12345.678, -10) == 0
    assert call("round", float("inf"), 2) == float("inf")
    with pytest.raises(ValueError, match="^round: "):
        call("round", float("nan"))


@given(value=st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                       st.floats(-1000, 1000).map(lambda x: float(f"{x:.3f}")),
                       st.integers(-10**30, 10**30)),
       places=st.one_of(st.none(), st.integers(-5, 8)))
def test_round_is_half_up_on_the_number_as_written(value: float | int,
                                                   places: int | None) -> None:
    """Every number, to every number of places: a number written with no more decimals than
    asked is itself (an int of a float to whole places), any other as Decimal rounds its
    shortest text half away from zero. The shortcuts that see the first kind without Decimal
    agree."""
    import decimal

    exact = decimal.Decimal(repr(value))
    got = call("round", value, places) if places is not None else call("round", value)
    if exact.as_tuple().exponent >= -(places or 0):
        wanted: Any = value if places is not None else int(value)
    else:
        context = decimal.Context(prec=400, rounding=decimal.ROUND_HALF_UP,
                                  Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)
        rounded = exact.quantize(decimal.Decimal(1).scaleb(-(places or 0)), context=context)
        wanted = int(rounded) if places is None or isinstance(value, int) else float(rounded)
    assert type(got) is type(wanted) and got == wanted
    if isinstance(got, float):  # -0.0 stays -0.0
        assert str(got) == str(wanted)


def test_clamp() -> None:
    assert call("clamp", 5, 0, 10) == 5
    assert call("clamp", -5, 0, 10) == 0
    assert call("clamp", 15, 0, 10) == 10
    assert call("clamp", 0.5, 0, 1) == 0.5
    assert call("clamp", 3, 3, 3) == 3
    with pytest.raises(ValueError, match="^clamp: lo"):
        call("clamp", 5, 10, 0)


def test_any_of_all_of() -> None:
    assert call("any_of", [False, True]) is True
    assert call("any_of", [False, False]) is False
    assert call("any_of", []) is False
    assert call("all_of", [True, True]) is True
    assert call("all_of", [True, False]) is False
    assert call("all_of", []) is True


# --------------------------------------------------------------------------
# Versions
# --------------------------------------------------------------------------


def v(text: str) -> Version:
    """Parse a version through the library, as a rule would."""
    result = call("version", text)
    assert isinstance(result, Version)
    return result


def test_version_examples() -> None:
    assert v("12.9") < v("12.10")
    assert v("12.10") == v("12.10.0")
    assert v("v12.9.1") < v("12.10")
    assert v("V2") == v("2.0.0")
    assert v("1.10") > v("1.9.9")
    assert v("2") >= v("1.99")
    assert hash(v("12.10")) == hash(v("12.10.0"))
    assert str(v("v12.9.1")) == "12.9.1"
    assert str(v("12.10.0")) == "12.10.0"
    assert v(" 1.2 ") == v("1.2")
    assert isinstance(v("1"), Version)


@pytest.mark.parametrize("text", ["", "v", "1..2", "1.2.", ".1", "1.x", "12.9-beta", "1.2 3",
                                  "٣.1"])
def test_version_rejects_malformed_strings(text: str) -> None:
    with pytest.raises(ValueError, match="^version: "):
        call("version", text)


def test_version_does_not_compare_with_strings() -> None:
    with pytest.raises(TypeError):
        _ = call("version", "1.2") < "1.3"
    assert call("version", "1.2") != "1.2"


def test_version_class_validates() -> None:
    assert Version((1, 2)) == Version((1, 2, 0))
    with pytest.raises(ValueError):
        Version(())
    with pytest.raises(ValueError):
        Version((1, -1))


def _strip_zeros(parts: tuple[int, ...]) -> tuple[int, ...]:
    while parts and parts[-1] == 0:
        parts = parts[:-1]
    return parts


version_parts = st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=5).map(tuple)


@given(version_parts, version_parts)
def test_version_order_matches_tuple_order(a: tuple[int, ...], b: tuple[int, ...]) -> None:
    va = call("version", ".".join(map(str, a)))
    vb = call("version", ".".join(map(str, b)))
    ka, kb = _strip_zeros(a), _strip_zeros(b)
    assert (va < vb) is (ka < kb)
    assert (va == vb) is (ka == kb)
    assert (va <= vb) is (ka <= kb)
    assert (va > vb) is (ka > kb)
    if va == vb:
        assert hash(va) == hash(vb)


# --------------------------------------------------------------------------
# resident_id_valid
# --------------------------------------------------------------------------


def _check_char(first17: str) -> str:
    """Compute a GB 11643-1999 check character, independently of the library.

    The standard's weights are 2**(18 - i) mod 11 for positions i = 1..17 and
    the check value is the one making the weighted sum (with weight 1) == 1 mod 11.
    """
    weighted = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(first17))
    value = (12 - weighted % 11) % 11
    return "X" if value == 10 else str(value)


def test_check_char_helper_matches_the_standards_example() -> None:
    # The sample number printed in GB 11643-1999 itself.
    assert _check_char("11010519491231002") == "X"


def test_resident_id_valid_on_constructed_ids() -> None:
    body = "44030419900307123"
    good = body + _check_char(body)
    assert call("resident_id_valid", good) is True
    wrong = body + ("0" if good[-1] != "0" else "1")
    assert call("resident_id_valid", wrong) is False


def test_resident_id_valid_x_check_digit() -> None:
    assert call("resident_id_valid", "11010519491231002X") is True
    assert call("resident_id_valid", "11010519491231002x") is True  # lowercase x
    assert call("resident_id_valid", "110105194912310020") is False


def test_resident_id_valid_rejects_bad_birth_dates() -> None:
    for birth in ("20230229", "19901301", "19900431", "18991231", "21010101", "19900000"):
        body = "440304" + birth + "123"
        assert call("resident_id_valid", body + _check_char(body)) is False, birth
    leap = "440304" + "20000229" + "123"
    assert call("resident_id_valid", leap + _check_char(leap)) is True


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002",  # 17 characters
        "11010519491231002XX",  # 19 characters
        "",
        "1101051949123100 X",
        "11010519491231 02X",
        "1101A519491231002X",
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits
        11010519491231002,
        None,
        ["11010519491231002X"],
        b"11010519491231002X",
    ],
)
def test_resident_id_valid_never_raises(value: object) -> None:
    assert call("resident_id_valid", value) is False


@given(st.one_of(st.text(max_size=20), st.integers(), st.none(), st.binary(max_size=20)))
def test_resident_id_valid_is_total(value: object) -> None:
    assert call("resident_id_valid", value) in (True, False)


# --------------------------------------------------------------------------
# In the sandbox: the expressions from the rule-pack examples
# --------------------------------------------------------------------------


def test_example_expressions_evaluate_in_simpleeval() -> None:
    simpleeval = pytest.importorskip("simpleeval")
    today = D(2024, 6, 20)
    complaints = [
        SimpleNamespace(valid=True, on=D(2024, 6, d)) for d in (1, 2, 3, 4, 5, 6)
    ] + [SimpleNamespace(valid=False, on=D(2024, 6, 7)),
         SimpleNamespace(valid=True, on=D(2024, 5, 31))]
    names = {
        "account": SimpleNamespace(
            fans=1200,
            verification=SimpleNamespace(submitted_on=SAT),
            app=SimpleNamespace(version="12.9.1", latest_version="v12.10"),
        ),
        "params": SimpleNamespace(min_fans=1000),
        "organization": SimpleNamespace(complaints=complaints),
        "today": today,
    }
    evaluator = simpleeval.EvalWithCompoundTypes(
        names=names, functions={name: f.impl for name, f in FUNCTIONS.items()}
    )
    assert evaluator.eval("account.fans >= params.min_fans") is True
    assert evaluator.eval("add_working_days(account.verification.submitted_on, 3)") == D(2024, 6, 5)
    assert (
        evaluator.eval(
            "count([c for c in organization.complaints if c.valid and same_month(c.on, today)]) > 5"
        )
        is True
    )
    assert evaluator.eval(
        "version(account.app.version) >= version(account.app.latest_version)") is False
    assert evaluator.eval("round(2.5)") == 3


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    (None, True), ("", True), ("   ", True), ("\t\n", True), ("\u3000", True),
    ("李四", False), (" 李四 ", False), ("a", False), (".", False),
])  # fmt: skip
def test_blank_is_null_empty_or_only_white_space(text: str | None, expected: bool) -> None:
    assert FUNCTIONS["blank"].impl(text) is expected
