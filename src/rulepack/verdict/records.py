"""What an evaluation records of a check, and the JSON values a verdict is written with.

The lowest module of the verdict step: the check site and record that evaluation makes, the gap
of a failed check, the status words and default message, and :func:`to_jsonable`, the one rule
turning a value into a JSON value. Everything else in :mod:`rulepack.verdict` builds on these.

Numbers JSON has no spelling for (NaN and the infinities) are written as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``: JSON has no such numbers, so writing them bare (as Python's
json does by default) gives text a strict parser refuses; ``null`` would lose what the value
was and read as "absent". The strings are the tokens those lenient writers use, so a reader
who knows them knows these; both the reference (``to_dict``) and the direct writer
(:mod:`rulepack.verdict.json_values`) write them, and nothing else writes a non-finite number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rulepack.model.bounds import Bound
from rulepack.model.pack import Lang, Status, Text

DEFAULT_LANG: Lang = "zh"
LANGS: tuple[Lang, ...] = ("zh", "en")
STATUSES: tuple[Status, ...] = ("pass", "fail", "unknown", "skipped")

DEFAULT_MESSAGE = Text(zh="{title}：{why}", en="{title}: {why}")
STATUS_WORD = {
    "zh": {"pass": "通过", "fail": "未通过", "unknown": "无法判断", "skipped": "不适用"},
    "en": {"pass": "pass", "fail": "fail", "unknown": "unknown", "skipped": "not applicable"},
}

# The JSON value of each float JSON has no number for (see the module's docstring).
NOT_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


@dataclass(frozen=True)
class CheckSite:
    """What a check knows before any document is seen: its atom's text, label, path and units.

    Made once per atom when a pack is prepared; evaluation then only records the values
    (:data:`CheckRecord`), and checks are built from both when asked for.
    """

    text: str
    label: Text | None
    path: str | None
    op: str | None  # the comparison operator, None for a boolean atom
    param: str | None
    rate: bool
    value_labels: Mapping[str, Text] | None
    negated: bool
    # What renderers of this site's checks make once and keep, by a key of their own (the JSON
    # writer's per language): it lives and dies with the site. Not part of what the site is.
    renderings: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


# (site, status, actual, threshold, missing fact paths, error): one evaluated atom, as data.
CheckRecord = tuple[CheckSite, Status, Any, Any, tuple[str, ...], str | None]


def to_jsonable(value: Any) -> Any:
    """Dates, instants, durations, versions and tuples as JSON values; NaN and the infinities
    as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` (see the module's docstring)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else NOT_FINITE[float.__repr__(value)]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if type(value) is Bound:  # what is known of a value not known exactly
        return to_jsonable(value.to_json())
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return str(value)


def check_gap(op: str, actual: Any, threshold: Any) -> Any:
    """How far a failed threshold check is from passing, in the threshold's unit."""
    if type(actual) is int and type(threshold) is int:  # the commonest: two plain ints
        integral = True
    elif not (isinstance(actual, (int, float)) and not isinstance(actual, bool)
              and isinstance(threshold, (int, float)) and not isinstance(threshold, bool)):
        return None
    else:
        integral = isinstance(actual, int) and isinstance(threshold, int)
    if op == ">=":
        gap = threshold - actual
    elif op == "<=":
        gap = actual - threshold
    elif op == ">" and integral:
        gap = threshold - actual + 1
    elif op == "<" and integral:
        gap = actual - threshold + 1
    else:
        return None
    return gap if integral else round(gap, 10)
