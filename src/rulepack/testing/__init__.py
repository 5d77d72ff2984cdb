"""Hypothesis strategies and assertions for property tests of rule packs.

The strategies draw fact documents from the fact schema (``schemas/facts.schema.json``), so a
new fact in the schema is generated without touching any test. Documents drawn for a pack set
only the facts that pack reads, carry an ``as_of`` inside the pack's effective window, and put
numbers next to the pack's own thresholds (each param and literal, and one step either side)
and dates next to ``as_of``, where policies change their answer::

    import rulepack
    from hypothesis import given
    from rulepack.testing import assert_bounds, assert_monotone, facts_for, pairs_for

    library = rulepack.load()

    @given(facts_for("xingtu.penalty_points", library))
    def test_points_stay_between_0_and_12(facts):
        verdict = library.evaluate("xingtu.penalty_points", facts)
        assert_bounds(verdict, "remaining", 0, 12)

    @given(pairs_for("xingtu.entry", "account.fans", library))
    def test_more_fans_never_fail_entry(pair):
        fewer, more = pair
        assert_monotone(library, "xingtu.entry", fewer, more, direction="increasing")

The assertions mean what the ``properties:`` of a pack mean to ``rulepack verify``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# Hypothesis is an optional install (the ``test`` and ``verify`` extras): the strategies load
# on first use, so ``rulepack test`` (rulepack.testing.cases) runs without it.
if TYPE_CHECKING:
    from rulepack.testing.strategies import (
        assert_bounds,
        assert_exclusive,
        assert_monotone,
        assert_properties,
        facts_for,
        facts_for_schema,
        pairs_for,
    )

__all__ = [
    "assert_bounds",
    "assert_exclusive",
    "assert_monotone",
    "assert_properties",
    "facts_for",
    "facts_for_schema",
    "pairs_for",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from rulepack.testing import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module 'rulepack.testing' has no attribute {name!r}")
