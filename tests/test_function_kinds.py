"""Each library function gives values of the kind it declares, whatever it is given.

Compiled code trusts the declarations: a call of a function whose declared kind is plain (an
int, a text, a date...) is not looked at for NaN or size before a verdict keeps its value
(``codegen._keepable_by_shape``). A function that returned a float or a list while declaring
an int would let NaN or an unbounded value into a verdict; this test would catch it.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rulepack.engine import codegen
from rulepack.engine.interpreter import CHECKED
from rulepack.lang.functions import FUNCTIONS, Version

ZONES = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                         dt.timezone(dt.timedelta(hours=-12))])
NUMBERS = st.one_of(st.integers(-(10**20), 10**20), st.floats(allow_nan=True),
                    st.sampled_from([0, 1, -1, 0.5, math.inf, -math.inf, math.nan, 10**400]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), st.text(max_size=8))
BY_KIND: dict[str, st.SearchStrategy[Any]] = {
    "number": NUMBERS,
    "int": st.one_of(st.integers(-(10**6), 10**6), st.integers(), st.booleans()),
    "bool": st.booleans(),
    "string": st.one_of(st.text(max_size=20), st.sampled_from(["12.10", "v1.2.3", " ", "\u3000"])),
    "date": st.dates(),
    "instant": st.datetimes(timezones=ZONES),
    "list": st.lists(SCALARS, max_size=6),
    "any": st.one_of(SCALARS, st.lists(SCALARS, max_size=3)),
}
# What each plain kind is in Python (bool is an int; a version is a Version).
PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,), "string": (str,), "bool": (bool,), "date": (dt.date,),
    "instant": (dt.datetime,), "duration": (dt.timedelta,), "version": (Version,),
}
PLAIN = sorted(name for name, f in FUNCTIONS.items() if f.returns in codegen._PLAIN_KINDS)


def test_the_plain_kinds_are_the_kinds_this_test_knows() -> None:
    assert set(codegen._PLAIN_KINDS) == set(PYTHON_TYPES)
    assert len(PLAIN) > 20  # the date functions, count, the yes/no functions, version


def values_given(name: str) -> list[tuple[tuple[Any, ...], Any]]:
    """(arguments, value) of library function ``name`` called on 150 argument tuples drawn,
    derandomized, from the kinds of its parameters; the calls that raise are left out (an
    error is an unknown atom, never a value)."""
    function = FUNCTIONS[name]
    out: list[tuple[tuple[Any, ...], Any]] = []

    @settings(max_examples=150, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.tuples(*(BY_KIND[kind] for kind in function.params)))
    def call(args: tuple[Any, ...]) -> None:
        try:
            out.append((args, function.impl(*args)))
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            pass

    call()
    return out


@pytest.mark.parametrize("name", PLAIN)
def test_a_function_of_a_plain_kind_gives_that_kind_or_raises(name: str) -> None:
    returns = FUNCTIONS[name].returns
    for args, value in values_given(name):
        assert isinstance(value, PYTHON_TYPES[returns]), (name, args, value)
        if returns == "date":
            assert not isinstance(value, dt.datetime), (name, args, value)
        assert type(value) not in CHECKED, (name, args, value)


NUMBER_FUNCTIONS = sorted(name for name, f in FUNCTIONS.items() if f.returns == "number")


def test_there_are_functions_of_kind_number() -> None:
    assert {"total", "avg", "avg_newest", "minimum", "maximum"} <= set(NUMBER_FUNCTIONS)


@pytest.mark.parametrize("name", NUMBER_FUNCTIONS)
def test_a_function_of_kind_number_gives_an_int_or_a_float_or_raises(name: str) -> None:
    """Compiled code checks such a value as keepable checks a number alone (a float must be
    finite; codegen._keep_lines): it must never be a container keepable would look into."""
    for args, value in values_given(name):
        assert isinstance(value, (int, float)), (name, args, value)
        assert type(value) not in CHECKED - {float}, (name, args, value)
