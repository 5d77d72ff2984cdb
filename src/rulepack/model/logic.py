"""The rules of meaning every evaluator of a pack shares: three-valued logic and hit policies.

Logic is Kleene's: ``unknown`` is neither pass nor fail. A group is an ``all`` or an ``any``
(:data:`ALL`, :data:`ANY`); one member with the group's deciding status decides it, else an
unknown member leaves it unknown, else it has the other answer. A ``skipped`` member (a rule
that did not apply) is neither, so it changes nothing. The pack's outcome is the ``all`` of its
decisive rules.

A decision table's hit policy picks the rows that decide from the rows' statuses
(:data:`HIT_POLICIES`).

The reference interpreter calls these functions; the compiled fast path inlines the text
:meth:`Junction.source` writes from the same two statuses, and table analysis calls the same
functions and policies. Nothing else restates them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, TypeVar

Status = Literal["pass", "fail", "unknown", "skipped"]
HitPolicy = Literal["unique", "first", "priority", "collect"]
T = TypeVar("T")

# `not`: unknown stays unknown (and a skipped rule stays skipped).
NEGATE: dict[Status, Status] = {"pass": "fail", "fail": "pass", "unknown": "unknown",
                                "skipped": "skipped"}


@dataclass(frozen=True)
class Junction:
    """``all`` or ``any``: the status one member decides the group with, and the group's
    status when every member has the other."""

    deciding: Status
    otherwise: Status

    def combine(self, statuses: Iterable[Status]) -> Status:
        """The group's status from its members'; stops at the first deciding member (so a lazy
        ``statuses`` is read no further)."""
        answer = self.otherwise
        for status in statuses:
            if status == self.deciding:
                return status
            if status == "unknown":
                answer = "unknown"
        return answer

    def decision(self, parts: Iterable[tuple[Status, tuple[T, ...]]]) \
            -> tuple[Status, tuple[T, ...]]:
        """The group's status from its members' (status, what decided it), and what decided
        the group: that of the members with the group's own status (for a passing `all` or a
        failing `any`, every member)."""
        parts = list(parts)
        group = self.combine([p[0] for p in parts])
        return group, tuple(item for status, items in parts if status == group for item in items)

    def source(self, members: str) -> str:
        """A Python expression for :meth:`combine` of the tuple expression ``members``, for
        generated code (which pays for no call)."""
        return (f"{self.deciding!r} if {self.deciding!r} in {members} else 'unknown' "
                f"if 'unknown' in {members} else {self.otherwise!r}")


ALL = Junction("fail", "pass")
ANY = Junction("pass", "fail")
# The pack's outcome is the `all` of its decisive rules' statuses: fail if one fails, else
# unknown if one is, else pass (a skipped rule leaves the outcome to the others).
PACK_OUTCOME = ALL


def group_decision(all_of: bool, parts: Iterable[tuple[Status, tuple[T, ...]]]) \
        -> tuple[Status, tuple[T, ...]]:
    """:meth:`Junction.decision` of :data:`ALL` (or of :data:`ANY`)."""
    return (ALL if all_of else ANY).decision(parts)


def pack_outcome(decisive: Iterable[Status]) -> Status:
    """The pack's outcome from its decisive rules' statuses (:data:`PACK_OUTCOME`)."""
    return PACK_OUTCOME.combine(decisive)


# -- hit policies -------------------------------------------------------------------------------


class Hits(NamedTuple):
    """What a hit policy makes of a table's rows: the indices of the rows that decide, whether
    unknown rows leave the answer open, and (unique policy) the rows that all match."""

    # A named tuple, not a dataclass: one is made for every table a verdict decides, and a
    # frozen dataclass costs three times as much to make.
    winners: tuple[int, ...]
    undecided: bool
    clash: tuple[int, ...] = ()


# A hit policy: from each row's priority and status (in row order; a first-hit table may stop
# at its first row that does not fail) to its hits.
HitPolicyRule = Callable[[Sequence[int], Sequence[Status]], Hits]

_NO_HITS = Hits((), False)
_OPEN = Hits((), True)


def _first(priorities: Sequence[int], statuses: Sequence[Status]) -> Hits:
    """The first row that does not fail decides, if it passes; an unknown one before any
    passing row leaves the answer open."""
    for i, status in enumerate(statuses):
        if status == "pass":
            return Hits((i,), False)
        if status == "unknown":
            return _OPEN
    return _NO_HITS


def _unique(priorities: Sequence[int], statuses: Sequence[Status]) -> Hits:
    """The one passing row; two or more clash, and an unknown row might match too, which
    would break uniqueness: open."""
    if "pass" not in statuses:
        return _OPEN if "unknown" in statuses else _NO_HITS
    passing = tuple([i for i, s in enumerate(statuses) if s == "pass"])
    if len(passing) > 1:
        return Hits((), True, passing)
    if "unknown" in statuses:
        return _OPEN
    return Hits(passing, False)


def _priority(priorities: Sequence[int], statuses: Sequence[Status]) -> Hits:
    """The passing row of highest priority (the first among equals); an unknown row of higher
    priority leaves the answer open."""
    unknown = "unknown" in statuses
    if "pass" in statuses:
        best = -1
        for i, status in enumerate(statuses):
            if status == "pass" and (best < 0 or priorities[i] > priorities[best]):
                best = i
        if not unknown or not any(s == "unknown" and priorities[i] > priorities[best]
                                  for i, s in enumerate(statuses)):
            return Hits((best,), False)
    return _OPEN if unknown else _NO_HITS


def _collect(priorities: Sequence[int], statuses: Sequence[Status]) -> Hits:
    """Every passing row; an unknown row leaves the collection open."""
    return Hits(tuple([i for i, s in enumerate(statuses) if s == "pass"]),
                "unknown" in statuses)


HIT_POLICIES: dict[HitPolicy, HitPolicyRule] = {
    "first": _first, "unique": _unique, "priority": _priority, "collect": _collect,
}
