"""The smallest change that would pass: found by evaluation, so the changed document passes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import rulepack
from rulepack.change.counterfactual import counterfactual, print_counterfactual
from rulepack.testing import facts_for

LIBRARY = rulepack.load()
AS_OF = "2026-11-21"
PACKS = ("xingtu.entry", "kuaishou.account_health", "kuaishou.signing.data_threshold",
         "xingtu.xigua_task.opening", "kuaishou.signing.tech_integration")


def _douyin(fans: int, violations: int) -> dict[str, Any]:
    return {"as_of": AS_OF, "account": {
        "platform": "douyin", "fans": fans, "mcn_signed": False,
        "violations": [{"on": "2025-01-02", "category": "content", "type": "vulgar",
                        "points": 2}] * violations}}


def test_one_fan_short_and_one_violation_are_two_changes_across_two_rules() -> None:
    result = counterfactual(LIBRARY, "xingtu.entry", _douyin(99_999, 1))
    assert result.found
    assert [(c.path, c.old, c.new) for c in result.changes] == [
        ("account.fans", 99_999, 100_000), ("account.violations",
                                            _douyin(0, 1)["account"]["violations"], [])]
    assert "1 more" in result.changes[0].how and "remove 1" in result.changes[1].how
    assert result.document is not None
    assert LIBRARY.evaluate("xingtu.entry", result.document).outcome == "pass"


def test_a_rate_gap_is_in_percentage_points() -> None:
    doc = {"as_of": AS_OF, "organization": {"type": "brand", "fans": 600_000,
                                            "interaction_rate": 0.01}}
    result = counterfactual(LIBRARY, "kuaishou.signing.data_threshold", doc)
    (change,) = result.changes
    assert (change.path, change.new) == ("organization.interaction_rate", 0.03)
    assert "+2 percentage points" in change.how


def test_the_cheapest_of_several_single_changes_wins() -> None:
    # MCN signing would also do; one more fan is the smaller change.
    result = counterfactual(LIBRARY, "xingtu.entry", _douyin(99_999, 0))
    assert [(c.path, c.new) for c in result.changes] == [("account.fans", 100_000)]


def test_honest_where_nothing_is_failing_or_nothing_can_be_found() -> None:
    assert counterfactual(LIBRARY, "xingtu.entry", _douyin(100_000, 0)).note == \
        "it passes already"
    unknown = counterfactual(LIBRARY, "xingtu.entry", {"as_of": AS_OF,
                                                       "account": {"platform": "douyin"}})
    assert not unknown.found and "unknown" in unknown.note
    # Fans and violations are two facts: one change is not enough.
    one = counterfactual(LIBRARY, "xingtu.entry", _douyin(99_999, 1), max_changes=1)
    assert not one.found and "no change of up to 1 fact(s)" in one.note and one.tried > 0
    # Several violations go in one change of the list.
    assert counterfactual(LIBRARY, "xingtu.entry", _douyin(200_000, 3)).changes[0].how == \
        "remove all 3 items"


def test_print_for_the_command_line() -> None:
    out = io.StringIO()
    print_counterfactual(LIBRARY, "xingtu.entry", _douyin(99_999, 0), out)
    assert out.getvalue() == ("xingtu.entry: it would pass with 1 change(s):\n"
                              "  account.fans: 99,999 → 100,000 (1 more)\n")


def _changed_paths(before: Any, after: Any, at: str = "") -> set[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        out: set[str] = set()
        for key in set(before) | set(after):
            out |= _changed_paths(before.get(key), after.get(key), f"{at}.{key}".lstrip("."))
        return out
    return set() if before == after else {at}


@pytest.mark.parametrize("pack_id", PACKS)
def test_a_changed_document_found_always_passes(pack_id: str) -> None:
    @settings(max_examples=40, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(facts_for(pack_id, LIBRARY))
    def check(facts: dict[str, Any]) -> None:
        result = counterfactual(LIBRARY, pack_id, facts)
        if not result.found:
            return
        assert result.document is not None
        LIBRARY.check_facts(result.document)  # within the fact schema
        assert LIBRARY.evaluate(pack_id, result.document).outcome == "pass"
        # Only the facts it names have changed.
        assert _changed_paths(facts, dict(result.document)) == {c.path for c in
                                                                result.changes}

    check()
