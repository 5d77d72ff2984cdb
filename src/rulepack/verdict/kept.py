"""What compiled code keeps of a condition it evaluated raw, and the explanation made from it.

A whole-pack function (:mod:`rulepack.engine.codegen`) keeps, for every atom of a plain check
rule, its status and actual value (the whole check record when the atom is unknown), and makes
no record: most verdicts are used for their outcome alone. :class:`RawCondition` knows where
each atom's values are and makes the records, and picks the deciding ones, when an explanation
is read; :mod:`rulepack.verdict.json_writer` writes checks straight from the values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from rulepack.model.logic import NEGATE
from rulepack.model.pack import AllOf, AnyOf, Atom, Condition, Constant, NotOf, Status
from rulepack.verdict.records import CheckRecord, CheckSite

# A fact compiled code did not read (never a fact's value: those come from JSON).
UNREAD = object()
# How a RawAtom is kept: its threshold is the constant given; its threshold is kept after its
# value; the value kept is always the atom's whole record (an atom evaluated by `_Run.atom`).
CONSTANT_THRESHOLD, KEPT_THRESHOLD, KEPT_RECORD = "constant", "kept", "record"


class RawAtom(NamedTuple):
    """How compiled code keeps one atom of a raw condition."""

    place: int  # the index of its status among the values kept; its value follows
    site: CheckSite
    threshold: Any  # with CONSTANT_THRESHOLD
    how: str  # CONSTANT_THRESHOLD, KEPT_THRESHOLD or KEPT_RECORD


class RawCondition:
    """A condition that compiled code evaluated raw (see rulepack.engine.codegen): for every atom in
    order it kept the status and the actual value (the whole record if the atom is unknown),
    and no records. The records, and which atoms decided, are made from those values only when
    an explanation is read.

    Which atoms decide depends on their statuses alone (the members of a group with the group's
    own status, as `_Run.condition` picks them), so it is worked out once per combination of
    statuses seen and remembered.
    """

    __slots__ = ("_deciding", "_statuses", "atoms", "condition", "distinct")
    _REMEMBERED = 1024  # combinations of statuses kept per condition; then forgotten

    def __init__(self, condition: Condition, atoms: tuple[RawAtom, ...]) -> None:
        self.condition = condition
        self.atoms = atoms
        # No two atoms with the same text: then no two deciding records need merging.
        texts = [atom.site.text for atom in atoms]
        self.distinct = len(set(texts)) == len(texts)
        places = [atom.place for atom in atoms]
        # The statuses of the atoms, as a key: one C call.
        self._statuses: Callable[[tuple[Any, ...]], Any] = (
            operator.itemgetter(*places) if places else lambda values: ())
        self._deciding: dict[Any, tuple[int, ...]] = {}

    def deciding(self, values: tuple[Any, ...]) -> tuple[int, ...]:
        """The indexes, in order, of the atoms that decided the condition."""
        statuses = self._statuses(values)
        known = self._deciding.get(statuses)
        if known is None:
            seen = statuses if len(self.atoms) != 1 else (statuses,)
            known = _deciding(self.condition, enumerate(seen))[1]
            if len(self._deciding) >= self._REMEMBERED:
                self._deciding.clear()
            self._deciding[statuses] = known
        return known

    def record(self, values: tuple[Any, ...], index: int) -> CheckRecord:
        """The check record of atom ``index``, from the values kept."""
        place, site, threshold, kind = self.atoms[index]
        status = values[place]
        if status == "unknown" or kind == KEPT_RECORD:
            record: CheckRecord = values[place + 1]
            return record
        if kind == KEPT_THRESHOLD:
            threshold = values[place + 2]
        return (site, status, values[place + 1], threshold, (), None)

    def records(self, values: tuple[Any, ...]) -> tuple[CheckRecord, ...]:
        """The records of the atoms that decided the condition."""
        return tuple([self.record(values, i) for i in self.deciding(values)])


def _deciding(node: Condition, statuses: Iterator[tuple[int, Status]]) \
        -> tuple[Status, tuple[int, ...]]:
    """A condition's status and the indexes of its deciding atoms, given its atoms' indexes
    and statuses in order: `_Run.condition`'s choice, on statuses alone."""
    return _DECIDING[type(node)](node, statuses)


def _atom(node: Atom, statuses: Iterator[tuple[int, Status]]) -> tuple[Status, tuple[int, ...]]:
    index, status = next(statuses)
    return status, (index,)


def _constant(node: Constant, statuses: Iterator[tuple[int, Status]]) \
        -> tuple[Status, tuple[int, ...]]:
    return ("pass" if node.value else "fail"), ()


def _not(node: NotOf, statuses: Iterator[tuple[int, Status]]) -> tuple[Status, tuple[int, ...]]:
    status, picked = _deciding(node.child, statuses)
    return NEGATE[status], picked


def _group(node: AllOf | AnyOf, statuses: Iterator[tuple[int, Status]]) \
        -> tuple[Status, tuple[int, ...]]:
    return node.junction.decision([_deciding(child, statuses) for child in node.children])


# By condition kind, as the interpreter dispatches (`_CONDITION_KINDS`).
_DECIDING: dict[type, Callable[[Any, Iterator[tuple[int, Status]]],
                               tuple[Status, tuple[int, ...]]]] = {
    Atom: _atom, Constant: _constant, NotOf: _not, AllOf: _group, AnyOf: _group}
