"""What an operation costs, in units of work, for the work budget of loops.

The step budget counts nodes; one node may still do much work: ``x in xs`` compares ``x``
with every item of ``xs``, ``a == b`` compares two texts character by character, a library
function walks the list it is given. Repeated by a loop, that work multiplies (twenty
comparisons of a 100,000-character text with a list of 100,000 such texts is 2 * 10^11
character comparisons). Within a comprehension every such operation is charged here, and the
sum over one evaluation of an expression is held to ``Limits.max_work``.

A unit is about the time of one item looked at; texts are compared and copied a block at a
time, so TEXT_CHARS characters count as one unit. The costs are upper bounds of what CPython
does (it may stop early: texts of different lengths are unequal at once), computed in time
proportional to the charge, and capped, so that working out a cost never costs more than the
budget it is charged against.

Outside loops nothing is charged: an expression has at most ``Limits.max_nodes`` nodes, each
evaluated at most once, and a value is either a fact (its size is the document's) or built by
an operator within ``Limits.max_string`` (see ``flat_size``), so its work is bounded by its
size times the document's size plus the limits.

Compiled loops (:mod:`rulepack.engine.codegen`) charge these same costs, or bounds of them
known from an operation's shape, and hand an expression to the sandbox when the bounds could
pass the budget: both stop at the same places.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

# Characters of a text that count as one unit of work.
TEXT_CHARS = 16


def flat_size(value: Any, cap: int, text_chars: int = 1) -> int:
    """Items and characters in ``value`` (a text is its length; a list is its items plus the
    flat size of each; a mapping its keys plus the size of its values; anything else 0),
    counted until the count passes ``cap``; with ``text_chars``, that many characters of a
    text count as one.

    Values here are JSON data and what operators build from it, so the types are looked up
    exactly (an ``isinstance`` against an abstract class would cost more than the work)."""
    kind = type(value)
    if kind is str:
        return len(value) // text_chars
    if kind is list or kind is tuple:
        items = value
    elif kind is dict:
        items = value.values()
    else:
        return 0
    total = len(value)
    for item in items:
        kind = type(item)
        if kind is str:
            total += len(item) // text_chars
        elif kind in _NESTED:
            total += flat_size(item, cap - total, text_chars)
        else:
            continue
        if total > cap:
            break
    return total


_NESTED = frozenset({list, tuple, dict})


def comparison_cost(left: Any, right: Any, cap: int) -> int:
    """``left == right`` (or ``!=``, ``<``, ...): the smaller of the two is walked at most."""
    # The commonest operands first, counted without a walk: compiled loops and the sandbox
    # charge a comparison for every item they look at.
    if type(left) is str and type(right) is str:
        return 1 + min(len(left), len(right)) // TEXT_CHARS
    if type(left) not in _WALKED or type(right) not in _WALKED:
        return 1  # one side is nothing to walk
    return 1 + min(_units(left, cap), _units(right, cap))


def membership_cost(needle: Any, container: Any, cap: int) -> int:
    """``needle in container``: a text is searched once; a list compares the needle with each
    item; a mapping hashes the needle."""
    kind = type(container)
    if kind is str:
        return 1 + _units(container, cap) + _units(needle, cap)
    if kind is list or kind is tuple:
        units = len(needle) // TEXT_CHARS if type(needle) is str else _units(needle, cap)
        return 1 + len(container) * (1 + units)
    return 1 + _units(needle, cap)


# The kinds of value flat_size walks (any other counts 0 units).
_WALKED = frozenset({str, list, tuple, dict})


def sum_cost(left: Any, right: Any, cap: int) -> int:
    """``a + b``: the value built (of texts or lists: both copied)."""
    return 1 + _units(left, cap) + _units(right, cap)


def product_cost(left: Any, right: Any, cap: int) -> int:
    """``a * n``: the value built (a text or list repeated ``n`` times)."""
    for sequence, times in ((left, right), (right, left)):
        if type(times) is not int or times <= 0:
            continue
        if type(sequence) is str:
            return 1 + len(sequence) * times // TEXT_CHARS
        if type(sequence) in _LISTS:
            return 1 + _units(sequence, cap) * times
    return 1


_LISTS = frozenset({list, tuple})


def call_cost(arguments: tuple[Any, ...], cap: int) -> int:
    """A library function: its arguments, each walked once at most."""
    return 1 + sum(_units(argument, cap) for argument in arguments)


def _units(value: Any, cap: int) -> int:
    return flat_size(value, cap, TEXT_CHARS)


# The operators charged inside loops, each with its cost (library calls are charged by
# call_cost): the sandbox and compiled loops both charge from this table.
CHARGED: dict[type, Callable[[Any, Any, int], int]] = {
    **{op: comparison_cost for op in (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)},
    ast.In: membership_cost, ast.NotIn: membership_cost,
    ast.Add: sum_cost, ast.Mult: product_cost,
}
