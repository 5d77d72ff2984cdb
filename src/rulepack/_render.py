"""Turning explanation data into words, in Chinese or English.

Nothing here decides anything: a :class:`~rulepack._verdict.Check` already holds the actual value,
the threshold and the gap; this module only formats them ("99,999 of 100,000 fans: 1 short",
"粉丝 99,999，未达到 100,000，还差 1") and fills message templates.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from rulepack._expr import names_in_template

if TYPE_CHECKING:
    from rulepack._verdict import Check

_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_SEP = {"zh": "；", "en": "; "}
_OP_WORD = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}


def fmt(value: Any, lang: str, *, rate: bool = False, spec: str = "",
        labels: Mapping[str, Any] | None = None) -> str:
    """One value as a person reads it: 99,999 / 2.5% / 2026-11-21 / yes / 低俗色情."""
    if labels and isinstance(value, (str, int)) and not isinstance(value, bool) \
            and str(value) in labels:
        return str(labels[str(value)].get(lang))
    if isinstance(value, str) and value == "":
        return "“”" if lang == "zh" else '""'
    if value is None:
        return "—"
    if isinstance(value, bool):
        yes, no = _YES_NO.get(lang, _YES_NO["en"])
        return yes if value else no
    if isinstance(value, (int, float)):
        if rate or spec == "%":
            return _number(value * 100) + "%"
        return _number(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        hours = value.total_seconds() / 3600
        return f"{_number(hours)} 小时" if lang == "zh" else f"{_number(hours)} h"
    if isinstance(value, Mapping):
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{k} {fmt(v, lang, labels=labels)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        sep = "、" if lang == "zh" else ", "
        if not value:
            return "（空）" if lang == "zh" else "(none)"
        return sep.join(fmt(v, lang, rate=rate, labels=labels) for v in value)
    return str(value)


def _number(value: float) -> str:
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()
                                  and abs(value) < 1e15):
        return f"{int(value):,}"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    text = f"{value:,.4f}".rstrip("0").rstrip(".")
    return text


def check_text(check: Check, lang: str) -> str:
    """One atomic condition explained: its label, actual value, threshold and gap."""
    label = check.label.get(lang) if check.label else check.expr  # type: ignore[arg-type]
    zh = lang == "zh"
    if check.status == "unknown":
        if check.missing:
            paths = ", ".join(check.missing)
            return f"缺少{label}（{paths}）" if zh else f"{label}: missing ({paths})"
        return f"无法判断{label}：{check.error}" if zh else f"{label}: cannot tell ({check.error})"
    def show(value: Any) -> str:
        return fmt(value, lang, rate=check.rate, labels=check.value_labels)

    if check.op in (">=", ">", "<=", "<") and _numeric(check.actual, check.threshold):
        return _threshold_text(check, label, show, zh)
    if check.op is not None:
        actual, threshold = show(check.actual), show(check.threshold)
        if check.status == "pass":
            return f"{label}：{actual}" if zh else f"{label}: {actual}"
        if check.op in ("==", "is"):
            return f"{label}为 {actual}，应为 {threshold}" if zh else \
                f"{label} is {actual}, expected {threshold}"
        if check.op in ("!=", "is not"):
            return f"{label}不得为 {threshold}" if zh else f"{label} must not be {threshold}"
        if check.op == "in":
            return f"{label}为 {actual}，不在 {threshold} 之中" if zh else \
                f"{label} is {actual}, not one of {threshold}"
        if check.op == "not in":
            return f"{label}为 {actual}，属于 {threshold}" if zh else \
                f"{label} is {actual}, one of {threshold}"
        return f"{label}：{actual}（要求 {_OP_WORD.get(check.op, check.op)} {threshold}）" if zh \
            else f"{label} {actual}, needs {_OP_WORD.get(check.op, check.op)} {threshold}"
    if check.path is not None and isinstance(check.actual, bool):
        return f"{label}：{show(check.actual)}" if zh else f"{label}: {show(check.actual)}"
    if check.status == "pass":
        return f"满足：{label}" if zh else f"holds: {label}"
    return f"不满足：{label}" if zh else f"does not hold: {label}"


def _numeric(*values: Any) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _threshold_text(check: Check, label: str, show: Callable[[Any], str], zh: bool) -> str:
    actual, threshold, op = show(check.actual), show(check.threshold), check.op
    if check.status == "pass":
        word = _OP_WORD[op or ""]
        return f"{label} {actual}，满足 {word} {threshold}" if zh else \
            f"{label} {actual} {word} {threshold}"
    gap = show(check.gap) if check.gap is not None else None
    if op == ">=" or (op == ">" and gap is not None):
        if gap is not None:
            return f"{label} {actual}，未达到 {threshold}，还差 {gap}" if zh else \
                f"{actual} of {threshold} {label}: {gap} short"
        return f"{label} {actual}，须高于 {threshold}" if zh else \
            f"{label} {actual}, must be above {threshold}"
    if op == "<=" and gap is not None:
        return f"{label} {actual}，超过上限 {threshold}，超出 {gap}" if zh else \
            f"{label} {actual}, over the limit of {threshold} by {gap}"
    return f"{label} {actual}，须低于 {threshold}" if zh else \
        f"{label} {actual}, must be below {threshold}"


Lookup = Callable[[str], tuple[bool, Any, bool, Mapping[str, Any] | None]]


def fill(template: str, lang: str, lookup: Lookup) -> str:
    """Fill ``{name}`` / ``{name:%}`` placeholders.

    ``lookup`` gives (found, value, is_rate, value labels) for a placeholder name.

    No attribute access or format mini-language reaches Python's ``str.format``: a template is
    data written by an analyst, so it is read here piece by piece (once per template).
    """
    out: list[str] = []
    for literal, name, spec in _pieces(template):
        if literal:
            out.append(literal)
        if name is None:
            continue
        found, value, rate, labels = lookup(name)
        if not found:
            out.append("?")
        elif isinstance(value, str) and name in ("why", "title"):
            out.append(value)
        else:
            out.append(fmt(value, lang, rate=rate, spec=spec, labels=labels))
    return "".join(out)


@lru_cache(maxsize=4096)
def _pieces(template: str) -> tuple[tuple[str, str | None, str], ...]:
    """A template as (literal text, placeholder name or None, format spec) pieces."""
    pieces: list[tuple[str, str | None, str]] = []
    literal: list[str] = []
    i = 0
    names = iter(names_in_template(template))
    while i < len(template):
        if template.startswith("{{", i):
            literal.append("{")
            i += 2
            continue
        if template.startswith("}}", i):
            literal.append("}")
            i += 2
            continue
        if template[i] == "{":
            end = template.find("}", i)
            name, spec = next(names)
            if end < 0:
                literal.append(template[i:])
                break
            pieces.append(("".join(literal), name, spec))
            literal = []
            i = end + 1
            continue
        literal.append(template[i])
        i += 1
    if literal:
        pieces.append(("".join(literal), None, ""))
    return tuple(pieces)


def join_checks(texts: list[str], lang: str) -> str:
    return _SEP.get(lang, "; ").join(texts)
