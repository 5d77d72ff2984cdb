"""Comparing expected and actual result values in YAML test cases."""

from __future__ import annotations

from rulepack.testing.cases import _same


def test_instants_compare_as_instants_across_offsets() -> None:
    assert _same("2026-05-20T10:00:00+08:00", "2026-05-20T02:00:00Z")
    assert not _same("2026-05-20T10:00:00+08:00", "2026-05-20T10:00:00Z")


def test_text_that_looks_nothing_like_an_instant_compares_as_text() -> None:
    # A result value with a capital T is still plain text.
    assert _same("Tier", "Tier")
    assert not _same("Tier", "tier")


def test_numbers_compare_by_value_but_not_with_booleans() -> None:
    assert _same(0.1 + 0.2, 0.3)
    assert _same(3, 3.0)
    assert not _same(True, 1)
