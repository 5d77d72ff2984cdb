"""What is known of a value that evaluation could not compute exactly: the one definition.

A list with one incomplete record is still mostly known. Looking into it record by record gives,
for each record, whether it is a member (``True``, ``False``, or ``None`` for unknown: its
filter read a missing fact) and its value (a value, or a :class:`Bound` when that is unknown).
From those this module defines, once, what every evaluator makes of them:

- ``any_of`` / ``all_of`` are Kleene's: one certain true member decides ``any_of``, one certain
  false member decides ``all_of``;
- ``count``, ``total``, ``minimum`` and ``maximum`` give an interval (:class:`Bound`): at least
  what the certain members give, at most that plus what the uncertain ones could add, within
  the bounds the fact schema puts on an item;
- a comparison of an interval with a value (or another interval) is decided when the whole
  interval is on one side (:func:`compare`), else it is unknown;
- a list known in part (:func:`partial_list`: a collect table with rows left open) holds its
  certain members and may hold more: ``in``, ``==`` and the aggregates are decided by what it
  must and what it may hold (:func:`members_of` gives its records to :func:`aggregate`).

When nothing is unknown the functions give exactly what the library function gives for the
same list (they call it), so a complete document means what it meant before. The reference
interpreter applies these to an expression tree (:mod:`rulepack.engine.partial`); the compiled
path reaches them through the interpreter, never through a copy.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rulepack.model.pack import Text

# Kleene truth: True, False, or None (unknown).
Truth = bool | None


@dataclass(frozen=True)
class Bound:
    """A value not known exactly: an interval (``low`` … ``high``, ``None`` for no limit on
    that side), the exact fact paths whose absence left it open, and how many records of a
    list were incomplete with the labels of the item fields they lack (for words).

    An unknown boolean is ``Bound(False, True)``; an unknown anything-else ``Bound(None,
    None)``. A list known in part has its certain members in ``members`` and, when that is
    known, every item it may hold in ``may_hold``; its ``low`` … ``high`` is then how many items
    it holds (which is also its truth: a list with one certain member is not empty).
    """

    low: Any = None
    high: Any = None
    missing: tuple[str, ...] = ()
    incomplete: int = 0
    lacking: tuple[Text, ...] = ()
    members: tuple[Any, ...] | None = None
    may_hold: tuple[Any, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON value a verdict writes for it: what is known, nothing more."""
        known = {"at_least": self.low, "at_most": self.high, "incomplete": self.incomplete}
        if self.members is not None:
            return {"includes": list(self.members), **known}
        return known


def unknown(missing: Iterable[str] = (), incomplete: int = 0,
            lacking: Iterable[Text] = ()) -> Bound:
    """A value of which nothing is known."""
    return Bound(None, None, tuple(dict.fromkeys(missing)), incomplete,
                 tuple(dict.fromkeys(lacking)))


def unknown_truth(of: Iterable[Any]) -> Bound:
    """An unknown boolean, open because of the bounds in ``of``."""
    return _merged(False, True, [b for b in of if type(b) is Bound])


def _merged(low: Any, high: Any, parts: Sequence[Bound]) -> Bound:
    return Bound(low, high, tuple(dict.fromkeys(m for b in parts for m in b.missing)),
                 sum(b.incomplete for b in parts),
                 tuple(dict.fromkeys(t for b in parts for t in b.lacking)))


def truth(value: Any) -> Truth:
    """Kleene truth of a value: ``bool(value)`` when known; for an interval, whether every
    number in it is true (not 0) or every one false."""
    if type(value) is not Bound:
        return bool(value)
    low, high = value.low, value.high
    if (_number(low) and low > 0) or (_number(high) and high < 0):
        return True
    if low is not None and low == high == 0:
        return False
    return None


def as_truth(value: Truth, parts: Iterable[Any]) -> Any:
    """A Kleene truth as a value: the boolean, or an unknown boolean open because of
    ``parts``."""
    return unknown_truth(parts) if value is None else value


def _number(value: Any) -> bool:
    return type(value) is not bool and isinstance(value, (int, float))


def _side(value: Any) -> tuple[Any, Any]:
    """The interval of a value: itself twice if known, its bounds (infinite if open) if not."""
    if type(value) is not Bound:
        return value, value
    return (-math.inf if value.low is None else value.low,
            math.inf if value.high is None else value.high)


# -- comparisons --------------------------------------------------------------------------------

_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def compare(op: str, left: Any, right: Any) -> Any:
    """``left op right`` where either side may be a :class:`Bound`: the boolean when every
    value of the intervals gives the same answer, else an unknown boolean."""
    parts = [v for v in (left, right) if type(v) is Bound]
    if not parts:
        raise ValueError("compare: nothing unknown")
    return as_truth(_decided(op, left, right), parts)


def _decided(op: str, left: Any, right: Any) -> Truth:
    if op in ("in", "not in"):
        held = _held(left, right)
        return held if op == "in" or held is None else not held
    if op in ("==", "!="):
        equal = _equal(left, right)
        return equal if op == "==" or equal is None else not equal
    order = _ORDER.get(op)
    if order is None or not all(_interval(v) for v in (left, right)):
        return None  # `is`, or an order between values with no interval known
    (left_low, left_high), (right_low, right_high) = _side(left), _side(right)
    # True for every pair of values when it holds for the worst pair; false when it fails
    # for the best pair.
    if op in ("<", "<="):
        if order(left_high, right_low):
            return True
        return False if not order(left_low, right_high) else None
    if order(left_low, right_high):
        return True
    return False if not order(left_high, right_low) else None


def _interval(value: Any) -> bool:
    """A known number, or an interval of numbers (an unknown boolean is not one, nor a list
    known in part)."""
    if type(value) is Bound:
        return not (value.low is False and value.high is True) and value.members is None
    return _number(value)


def _held(item: Any, items: Any) -> Truth:
    """Whether a list known in part holds a known ``item``: yes if it is a certain member, no
    if it is none of the items the list may hold."""
    if type(items) is not Bound or items.members is None or type(item) is Bound:
        return None
    if item in items.members:
        return True
    if items.may_hold is not None and item not in items.may_hold:
        return False
    return None


def _list_equal(bound: Bound, other: Any) -> Truth:
    """Whether a list known in part equals a known value: not if that is no list, lacks a
    certain member, holds an item the list never could, or has a length outside the count's
    interval; never yes for certain (a list is known in part only while a row is open)."""
    if type(other) is not list:
        return False  # a list equals only a list
    members = bound.members or ()
    if any(m not in other for m in members):
        return False
    if bound.may_hold is not None and any(x not in bound.may_hold for x in other):
        return False
    low, high = _side(bound)
    return False if len(other) < low or len(other) > high else None


def _equal(left: Any, right: Any) -> Truth:
    for bound, other in ((left, right), (right, left)):
        if type(bound) is Bound and bound.members is not None and type(other) is not Bound:
            return _list_equal(bound, other)
    for bound, other in ((left, right), (right, left)):
        if type(bound) is not Bound or type(other) is Bound:
            continue
        if _interval(bound) and _number(other):
            low, high = _side(bound)
            return False if other < low or other > high else None
        return None
    if _interval(left) and _interval(right):
        (left_low, left_high), (right_low, right_high) = _side(left), _side(right)
        return False if left_high < right_low or right_high < left_low else None
    return None


# -- arithmetic on intervals --------------------------------------------------------------------


def add(left: Any, right: Any) -> Any:
    """``left + right`` of numbers or intervals."""
    return _arithmetic(left, right, lambda a, b: (a[0] + b[0], a[1] + b[1]))


def subtract(left: Any, right: Any) -> Any:
    """``left - right`` of numbers or intervals."""
    return _arithmetic(left, right, lambda a, b: (a[0] - b[1], a[1] - b[0]))


def _arithmetic(left: Any, right: Any,
                interval: Callable[[tuple[Any, Any], tuple[Any, Any]], tuple[Any, Any]]) -> Any:
    parts = [v for v in (left, right) if type(v) is Bound]
    if not all(_interval(v) for v in (left, right)):
        return _merged(None, None, parts)
    low, high = interval(_side(left), _side(right))
    return _closed(low, high, parts)


def at_least(value: Any, floor: Any) -> Any:
    """``max(value, floor)``, an interval raised to the floor."""
    low, high = _side(value)
    return _closed(max(low, floor), max(high, floor), [value])


def at_most(value: Any, ceiling: Any) -> Any:
    """``min(value, ceiling)``, an interval lowered to the ceiling."""
    low, high = _side(value)
    return _closed(min(low, ceiling), min(high, ceiling), [value])


def _closed(low: Any, high: Any, parts: Sequence[Any]) -> Any:
    """The value of the interval low … high: the number when the interval is one point."""
    if low == high and math.isfinite(low):
        return low
    return _merged(None if low == -math.inf else low, None if high == math.inf else high,
                   [p for p in parts if type(p) is Bound])


# -- a list known in part ----------------------------------------------------------------------


def partial_list(members: Sequence[Any], may_hold: Sequence[Any] | None,
                 missing: Iterable[str]) -> Bound:
    """A list whose ``members`` are certain and whose every item is one of ``may_hold`` (which
    holds the members too; None: not known), left open by the ``missing`` facts."""
    return Bound(len(members), None if may_hold is None else len(may_hold),
                 tuple(dict.fromkeys(missing)), members=tuple(members),
                 may_hold=None if may_hold is None else tuple(may_hold))


def members_of(value: Bound) -> list[Element] | None:
    """The records of a list known in part, as :func:`aggregate` takes them: each certain
    member, then each item it may hold besides, an uncertain member; None when it is no such
    list or what it may hold is not known."""
    if value.members is None or value.may_hold is None:
        return None
    why = Bound(None, None, value.missing)
    return [*((True, m, None) for m in value.members),
            *((None, x, why) for x in value.may_hold if x not in value.members)]


# -- looking into a list ------------------------------------------------------------------------

# One record of a list as seen by an aggregate: whether it is a member, its value, and why
# either is open (one incomplete record, with the facts it lacks), None when neither is.
Element = tuple[Truth, Any, "Bound | None"]
# The library function of an aggregate, for a list known whole.
Exact = Callable[[list[Any]], Any]


def aggregate(name: str, elements: Sequence[Element], exact: Exact,
              item_range: tuple[Any, Any] = (None, None)) -> Any:
    """What the aggregate ``name`` (any_of, all_of, count, total, minimum, maximum) gives for a
    list of records: ``exact`` of the members' values when every record is known, else the
    boolean or interval the known records decide. ``item_range`` is what the fact schema
    allows an item's value to be (None: no limit)."""
    certain = [value for member, value, _ in elements if member]
    if all(member is not None for member, _, _ in elements) and \
            not any(type(value) is Bound for value in certain):
        return exact(certain)
    incomplete = [why for _, _, why in elements if why is not None]
    if name == "count":
        known = len(certain)
        possible = sum(1 for member, _, _ in elements if member is None)
        return _merged(known, known + possible, incomplete)
    if name in ("any_of", "all_of"):
        # Items of another type fail as the library function fails them, whatever else the
        # list holds; then one certain member of the deciding value decides.
        exact([value for member, value, _ in elements if member and type(value) is not Bound])
        deciding = name == "any_of"
        if any(member and value is deciding for member, value, _ in elements):
            return deciding
        return unknown_truth(incomplete)
    if name == "total":
        return _total(elements, item_range, incomplete)
    if name in ("minimum", "maximum"):
        return _extreme(name == "minimum", elements, item_range, incomplete)
    return _merged(None, None, incomplete)


def _total(elements: Sequence[Element], item_range: tuple[Any, Any],
           parts: Sequence[Bound]) -> Any:
    low = high = 0
    floor = -math.inf if item_range[0] is None else item_range[0]
    ceiling = math.inf if item_range[1] is None else item_range[1]
    for member, value, _ in elements:
        if member is False:
            continue
        if type(value) is Bound:
            if not _interval(value):
                return _merged(None, None, parts)
            value_low, value_high = _side(value)
            value_low, value_high = max(value_low, floor), min(value_high, ceiling)
        elif _number(value):
            value_low = value_high = value
        else:
            return _merged(None, None, parts)
        if member is None:  # a record that may not count adds nothing or its value
            value_low, value_high = min(value_low, 0), max(value_high, 0)
        low, high = low + value_low, high + value_high
    return _closed(low, high, parts)


def _extreme(smallest: bool, elements: Sequence[Element], item_range: tuple[Any, Any],
             parts: Sequence[Bound]) -> Any:
    pick = min if smallest else max
    known = [v for member, v, _ in elements if member and type(v) is not Bound]
    if not known or not all(_number(v) for v in known):
        return _merged(None, None, parts)  # the list may be empty, or of other things
    best = pick(known)
    # An unknown record can only move the extreme further out, down to what the schema allows.
    limit = item_range[0] if smallest else item_range[1]
    far = (-math.inf if smallest else math.inf) if limit is None else limit
    low, high = (min(far, best), best) if smallest else (best, max(far, best))
    return _closed(low, high, parts)
