"""Every way an expression can fail at evaluation, made into a :class:`RuntimeFailure` here.

A failure makes the check or result it served ``unknown``; its code says why: RP504 the
expression met data it did not expect, RP505 it went over a work limit, RP506 a unique-hit
table matched several rows, RP507 it gave a number that is not finite (a verdict is JSON, which
has no NaN or infinity). Both the reference interpreter and compiled code build their failures
with these functions, so both word them alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from simpleeval import InvalidExpression

from rulepack.core.errors import RuntimeFailure
from rulepack.engine.sandbox import LimitExceeded

# Errors an expression can raise on data it did not expect; they make a check unknown.
RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, KeyError, IndexError,
                  InvalidExpression)


class NotFinite(Exception):
    """An expression gave NaN or an infinity (or a list or mapping holding one)."""

    def __init__(self, value: float) -> None:
        super().__init__(f"the value would be {value!r}, which is not a finite number")


# What stops an expression, besides a missing fact; each is one failure below.
FAILURES = (LimitExceeded, NotFinite, *RUNTIME_ERRORS)


def failure_of(exc: BaseException) -> RuntimeFailure:
    """The failure one of :data:`FAILURES` stands for."""
    if isinstance(exc, LimitExceeded):
        return RuntimeFailure("RP505", str(exc))
    if isinstance(exc, NotFinite):
        return RuntimeFailure("RP507", str(exc))
    return RuntimeFailure("RP504", str(exc))


def error_text(exc: BaseException) -> str:
    """A check record's error for one of :data:`FAILURES`."""
    return str(failure_of(exc))


def not_computed(path: str) -> RuntimeFailure:
    """A result field read after it failed on an error, not on a missing fact."""
    return RuntimeFailure("RP504", f"`{path}` could not be computed")


def score_failure(exc: BaseException) -> RuntimeFailure:
    return RuntimeFailure("RP504", f"the score cannot be computed: {exc}")


def deduction_failure(deduction: str, exc: BaseException) -> RuntimeFailure:
    return RuntimeFailure("RP504", f"deduction `{deduction}` is not a number: {exc}")


def unique_clash(rows: Sequence[str]) -> RuntimeFailure:
    return RuntimeFailure(
        "RP506", f"rows {', '.join(rows)} all match under the unique hit policy")


def finite(value: float) -> float:
    """``value``, if it is finite; else raise :class:`NotFinite`."""
    if not math.isfinite(value):
        raise NotFinite(value)
    return value
