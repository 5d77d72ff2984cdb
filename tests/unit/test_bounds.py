"""Lists known in part (rulepack.model.bounds): whatever the bounds decide, every list the bound
allows gives the same answer.

A list known in part holds its certain members and may hold the other items it names, in some
order, each at most once (a collect table's output). The tests draw such a bound, then every
list it allows, and check that each decision :func:`compare` and :func:`aggregate` make of the
bound is the answer Python gives for each of those lists; and that they do decide the cases a
rule needs decided (a certain member, an item the list never holds).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rulepack.lang.functions import FUNCTIONS
from rulepack.model.bounds import (
    Bound,
    aggregate,
    compare,
    members_of,
    partial_list,
    truth,
)

ITEMS = ["a", "b", "c", 1, 2]


@st.composite
def known_in_part(draw: st.DrawFn, items: list[Any] = ITEMS) -> tuple[Bound, list[list[Any]]]:
    """A list known in part, and every list it allows."""
    may_hold = draw(st.lists(st.sampled_from(items), unique=True, max_size=4))
    members = [x for x in may_hold if draw(st.booleans())]
    bound = partial_list(members, may_hold, ["account.violations[1].type"])
    extra = [x for x in may_hold if x not in members]
    allowed = [list(order) for n in range(len(extra) + 1)
               for chosen in itertools.combinations(extra, n)
               for order in itertools.permutations([*members, *chosen])]
    return bound, allowed


def decided(value: Any) -> bool | None:
    return truth(value) if type(value) is Bound else bool(value)


@given(known=known_in_part(), other=st.one_of(
    st.sampled_from(ITEMS), st.lists(st.sampled_from(ITEMS), max_size=4), st.none()))
def test_a_decided_comparison_holds_for_every_list_allowed(
        known: tuple[Bound, list[list[Any]]], other: Any) -> None:
    bound, allowed = known
    for op in ("==", "!="):
        answer = decided(compare(op, bound, other))
        if answer is not None:
            assert {(lst == other) if op == "==" else (lst != other)
                    for lst in allowed} == {answer}
    if not isinstance(other, list):
        for op in ("in", "not in"):
            answer = decided(compare(op, other, bound))
            if answer is not None:
                assert {(other in lst) if op == "in" else (other not in lst)
                        for lst in allowed} == {answer}


@given(data=st.data(), name=st.sampled_from(["count", "any_of", "all_of"]))
def test_a_decided_aggregate_holds_for_every_list_allowed(data: st.DataObject,
                                                          name: str) -> None:
    bound, allowed = data.draw(known_in_part(ITEMS if name == "count" else [True, False]))
    elements = members_of(bound)
    assert elements is not None
    value = aggregate(name, elements, FUNCTIONS[name].impl)
    exact = {FUNCTIONS[name].impl(lst) for lst in allowed}
    if type(value) is not Bound:
        assert exact == {value}
    elif name == "count":
        assert all(value.low <= n <= value.high for n in exact)
    else:
        assert len(exact) > 1 or truth(value) is None


def test_a_certain_member_decides_membership_and_emptiness() -> None:
    bound = partial_list(["entry_revoked"], ["entry_revoked", "orders_suspended"],
                         ["account.violations[1].type"])
    assert compare("in", "entry_revoked", bound) is True
    assert compare("not in", "entry_revoked", bound) is False
    assert compare("==", bound, []) is False
    assert truth(bound) is True
    assert compare("in", "refund_customer", bound) is False  # no row could add it
    assert type(compare("in", "orders_suspended", bound)) is Bound  # an open row may
    assert type(compare("==", bound, ["entry_revoked"])) is Bound


def test_what_a_list_may_hold_unknown_leaves_only_its_members_known() -> None:
    bound = partial_list(["x"], None, ["account.fans"])
    assert compare("in", "x", bound) is True
    assert type(compare("in", "y", bound)) is Bound
    assert members_of(bound) is None
    assert (bound.low, bound.high) == (1, None)


def test_items_of_another_type_fail_any_of_as_the_library_does() -> None:
    bound = partial_list(["x"], ["x", True], ["account.fans"])
    elements = members_of(bound)
    assert elements is not None
    with pytest.raises(TypeError):
        aggregate("any_of", elements, FUNCTIONS["any_of"].impl)


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_a_list_known_in_part_is_not_a_number(op: str) -> None:
    bound = partial_list(["x"], ["x", "y"], ["account.fans"])
    assert type(compare(op, bound, 1)) is Bound


def test_its_json_says_what_it_includes() -> None:
    bound = partial_list(["x"], ["x", "y"], ["account.fans"])
    assert bound.to_json() == {"includes": ["x"], "at_least": 1, "at_most": 2, "incomplete": 0}
