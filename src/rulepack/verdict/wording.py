"""Turning explanation data into words, in Chinese or English.

Nothing here decides anything: a check already holds the actual value, the threshold and the
gap; this module only formats them ("99,999 of 100,000 fans: 1 short",
"粉丝 99,999，未达到 100,000，还差 1") and fills message templates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from itertools import islice
from typing import Any, Protocol

from rulepack.lang.expressions import names_in_template
from rulepack.model.bounds import Bound
from rulepack.model.pack import Text
from rulepack.verdict.records import CheckSite

_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_SEP = {"zh": "；", "en": "; "}
_OP_WORD = {"==": "=", "!=": "≠", ">=": "≥", "<=": "≤", ">": ">", "<": "<"}
# The operators of a check against a limit: "99,999 of 100,000 fans: 1 short".
_LIMIT_OPS = frozenset({">=", ">", "<=", "<"})

# A value is shown in words bounded, whatever its size, so that the explanation of a document
# holding a huge text or list costs what a small one does: a text longer than SHOWN_CHARS is
# cut there and says its length; a list or mapping of more than SHOWN_ITEMS items shows that
# many and says how many more. (JSON keeps every value whole; only the words are cut.)
SHOWN_CHARS = 200
SHOWN_ITEMS = 20


def _cut(text: str, lang: str) -> str:
    """``text``, or its first SHOWN_CHARS characters and its length when it is longer."""
    if len(text) <= SHOWN_CHARS:
        return text
    return text[:SHOWN_CHARS] + (f"…（共 {len(text):,} 字）" if lang == "zh"
                                 else f"… ({len(text):,} characters)")


def _more(count: int, lang: str) -> str:
    """The words for the items of a list or mapping left out of its words."""
    return f"……另有 {count:,} 项" if lang == "zh" else f"… and {count:,} more"


def fmt(value: Any, lang: str, *, rate: bool = False, spec: str = "",
        labels: Mapping[str, Any] | None = None) -> str:
    """One value as a person reads it: 99,999 / 2.5% / 2026-11-21 / yes / 低俗色情."""
    if labels and isinstance(value, (str, int)) and not isinstance(value, bool) \
            and str(value) in labels:
        return str(labels[str(value)].get(lang))
    if isinstance(value, str):
        if value == "":
            return "“”" if lang == "zh" else '""'
        return _cut(value, lang)
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
    if isinstance(value, (Mapping, list, tuple)):
        return _many(value, lang, rate, labels)
    return _cut(str(value), lang)


def _many(value: Mapping[Any, Any] | list[Any] | tuple[Any, ...], lang: str, rate: bool,
          labels: Mapping[str, Any] | None) -> str:
    """A mapping or list in words, its first SHOWN_ITEMS items and how many more."""
    if isinstance(value, Mapping):
        # Labels name a mapping's keys (test periods by module: erp → 电商 ERP 系统).
        sep = "，" if lang == "zh" else ", "
        shown = [f"{fmt(k, lang, labels=labels)} {fmt(v, lang, labels=labels)}"
                 for k, v in islice(value.items(), SHOWN_ITEMS)]
    else:
        sep = "、" if lang == "zh" else ", "
        if not value:
            return "（空）" if lang == "zh" else "(none)"
        shown = [fmt(v, lang, rate=rate, labels=labels) for v in value[:SHOWN_ITEMS]]
    if len(value) > SHOWN_ITEMS:
        shown.append(_more(len(value) - SHOWN_ITEMS, lang))
    return sep.join(shown)


def _number(value: float) -> str:
    # A subclass of int or float (an IntEnum, say) is shown as its plain value.
    return plain_number(int(value) if isinstance(value, int) else float(value))


def plain_number(value: float) -> str:
    """A number of type exactly int or float as people read it: 99,999 / 2.5 / 0.1234."""
    if type(value) is int:
        return f"{value:,}"
    if value.is_integer() and -1e15 < value < 1e15:
        return f"{int(value):,}"
    # Not finite: ".4f" writes nan, inf and -inf as str() does, with nothing to strip.
    return f"{value:,.4f}".rstrip("0").rstrip(".")


class Worded(Protocol):
    """What the words of a check read: a :class:`rulepack.verdict.data.Check` has it all."""

    @property
    def expr(self) -> str: ...
    @property
    def label(self) -> Text | None: ...
    @property
    def path(self) -> str | None: ...
    @property
    def op(self) -> str | None: ...
    @property
    def rate(self) -> bool: ...
    @property
    def value_labels(self) -> Mapping[str, Text] | None: ...
    @property
    def status(self) -> str: ...
    @property
    def actual(self) -> Any: ...
    @property
    def threshold(self) -> Any: ...
    @property
    def gap(self) -> Any: ...
    @property
    def missing(self) -> tuple[str, ...]: ...
    @property
    def error(self) -> str | None: ...


def check_text(check: Worded, lang: str) -> str:
    """One atomic condition explained: its label, actual value, threshold and gap."""
    show = partial(fmt, lang=lang, rate=check.rate, labels=check.value_labels)
    return _words(_label(check.label, check.expr, lang), check.op, check.path is not None, show,
                  lang == "zh", check.status, check.actual, check.threshold, check.gap,
                  check.missing, check.error, rate=check.rate)


Show = Callable[[Any], str]
# (status, actual, threshold, gap, missing, error) -> the check's text, as check_text words it
# for a check with those fields.
SiteText = Callable[[str, Any, Any, Any, tuple[str, ...], "str | None"], str]


def site_text(site: CheckSite, lang: str) -> SiteText:
    """``check_text`` of the checks of one site, as a function of their record's fields: the
    same words (:func:`_words`), with the label and the formatting of the site's values
    (:func:`shower`) fixed once."""
    return partial(_words, _label(site.label, site.text, lang), site.op,
                   site.path is not None,
                   shower(lang, rate=site.rate, labels=site.value_labels), lang == "zh",
                   rate=site.rate)


# (status, actual shown, threshold shown, gap shown or None) -> the words of a check against
# a limit, as site_text words it for two plain numbers on a site that is no rate and has no
# value labels (their shown forms are then plain_number's).
LimitText = Callable[[str, str, str, "str | None"], str]


def limit_text(site: CheckSite, lang: str) -> LimitText | None:
    """The words of ``site``'s checks of two plain numbers, their values already shown; None
    when the site is not such a check (another operator, a rate, value labels)."""
    if site.op not in _LIMIT_OPS or site.rate or site.value_labels:
        return None
    return partial(_limit_text, _label(site.label, site.text, lang), site.op, lang == "zh")


def _label(label: Text | None, text: str, lang: str) -> str:
    if not label:
        return text
    return label.zh if lang == "zh" else label.en


def _words(label: str, op: str | None, has_path: bool, show: Show, zh: bool, status: str,
           actual: Any, threshold: Any, gap: Any, missing: tuple[str, ...],
           error: str | None, *, rate: bool = False) -> str:
    """The words of one check; ``op`` is not looked at when it is unknown. The gap between two
    rates is in percentage points: "0.5% short" of 3% would read as a share of 3%."""
    if status == "unknown":
        if missing:
            paths = ", ".join(missing)
            return f"缺少{label}（{paths}）" if zh else f"{label}: missing ({paths})"
        return f"无法判断{label}：{error}" if zh else f"{label}: cannot tell ({error})"
    if type(actual) is Bound:
        return _known_text(label, op, zh, status, actual, threshold, show)
    if op in _LIMIT_OPS and _number_type(actual) and _number_type(threshold):
        if gap is None:
            short = None
        elif rate and _number_type(gap):  # what show() writes as a percent, in points
            points = _number(gap * 100)
            short = f"{points} 个百分点" if zh else f"{points} percentage points"
        else:
            short = show(gap)
        return _limit_text(label, op, zh, status, show(actual), show(threshold), short)
    if op is not None:
        shown, limit = show(actual), show(threshold)
        if status == "pass":
            return f"{label}：{shown}" if zh else f"{label}: {shown}"
        if op in ("==", "is"):
            return f"{label}为 {shown}，应为 {limit}" if zh else \
                f"{label} is {shown}, expected {limit}"
        if op in ("!=", "is not"):
            return f"{label}不得为 {limit}" if zh else f"{label} must not be {limit}"
        if op == "in":
            return f"{label}为 {shown}，不在 {limit} 之中" if zh else \
                f"{label} is {shown}, not one of {limit}"
        if op == "not in":
            return f"{label}为 {shown}，属于 {limit}" if zh else \
                f"{label} is {shown}, one of {limit}"
        return f"{label}：{shown}（要求 {_OP_WORD.get(op, op)} {limit}）" if zh \
            else f"{label} {shown}, needs {_OP_WORD.get(op, op)} {limit}"
    if has_path and isinstance(actual, bool):
        return f"{label}：{show(actual)}" if zh else f"{label}: {show(actual)}"
    if status == "pass":
        return f"满足：{label}" if zh else f"holds: {label}"
    return f"不满足：{label}" if zh else f"does not hold: {label}"


def _known_text(label: str, op: str | None, zh: bool, status: str, known: Bound,
                threshold: Any, show: Show) -> str:
    """The words of a check decided by what is known of its value (an interval), with how many
    records were incomplete: "at least 3 violations this
    calendar quarter (1 record without date) ≥ 3"."""
    note = ""
    if known.incomplete:
        fields = ("、" if zh else " or ").join(
            (text.zh if zh else text.en) for text in known.lacking)
        count = known.incomplete
        note = f"（{count} 条记录缺少{fields or '数据'}）" if zh else \
            f" ({count} record{'s' if count != 1 else ''} without {fields or 'data'})"
    word = _OP_WORD.get(op or "", op or "")
    needs = "" if op is None else (f"，满足 {word} {show(threshold)}" if zh else
                                   f" {word} {show(threshold)}") if status == "pass" else \
        (f"，不满足 {word} {show(threshold)}" if zh else f": needs {word} {show(threshold)}")
    # The end of the interval that decided: the low end for a passing ≥ or a failing ≤, else
    # the high end; of an equality, the end beyond the value it was compared with.
    if op in _LIMIT_OPS:
        low_decides = (op in (">=", ">")) == (status == "pass")
    else:
        low_decides = known.low is not None and (
            known.high is None or not _number_type(threshold) or known.low > threshold)
    if known.low is not None and (low_decides or known.high is None):
        shown = f"至少 {show(known.low)}" if zh else f"at least {show(known.low)}"
    else:
        shown = f"至多 {show(known.high)}" if zh else f"at most {show(known.high)}"
    return f"{label}{shown}{note}{needs}" if zh else f"{shown} {label}{note}{needs}"


def _number_type(value: Any) -> bool:
    """A number and not a boolean; the common types first."""
    kind = type(value)
    return kind is int or kind is float or (
        kind is not bool and isinstance(value, (int, float)))


def _limit_text(label: str, op: str, zh: bool, status: str, shown: str, limit: str,
                short: str | None) -> str:
    """The words of a check against a limit, its values already shown."""
    if status == "pass":
        word = _OP_WORD[op]
        return f"{label} {shown}，满足 {word} {limit}" if zh else \
            f"{label} {shown} {word} {limit}"
    if op == ">=" or (op == ">" and short is not None):
        if short is not None:
            return f"{label} {shown}，未达到 {limit}，还差 {short}" if zh else \
                f"{shown} of {limit} {label}: {short} short"
        return f"{label} {shown}，须高于 {limit}" if zh else \
            f"{label} {shown}, must be above {limit}"
    if op == "<=" and short is not None:
        return f"{label} {shown}，超过上限 {limit}，超出 {short}" if zh else \
            f"{label} {shown}, over the limit of {limit} by {short}"
    return f"{label} {shown}，须低于 {limit}" if zh else \
        f"{label} {shown}, must be below {limit}"


# -- values formatted once their units are known -----------------------------------------------
#
# A verdict rendered to JSON (rulepack.verdict.json_checks) words every check: fixing a check site's
# units and labels once per language, rather than on every value, is most of what makes that
# fast.


def shower(lang: str, *, rate: bool = False, spec: str = "",
           labels: Mapping[str, Any] | None = None) -> Show:
    """``fmt(value, lang, rate=rate, spec=spec, labels=labels)`` as a function of the value."""
    zh = lang == "zh"
    percent = rate or spec == "%"
    names = {key: str(text.get(lang)) for key, text in labels.items()} if labels else None
    empty = "“”" if zh else '""'
    yes, no = _YES_NO.get(lang, _YES_NO["en"])
    # Short lists of texts shown lately (a table's collected codes, mostly), by their items:
    # fmt words each item and joins them, and a batch shows a few lists again and again.
    # (Only short ones: the key costs what the list's length does, and a long list's words
    # cost what a short one's do.)
    lists: dict[tuple[str, ...], str] = {}

    def show(value: Any) -> str:
        # The plain types by exact type, in fmt's order; anything else (subclasses included)
        # is fmt's own business.
        kind = type(value)
        if kind is str:
            if names is not None and value in names:
                return names[value]
            if len(value) > SHOWN_CHARS:
                return _cut(value, lang)
            return value if value else empty
        if kind is int:
            if names is not None and str(value) in names:
                return names[str(value)]
            return _number(value * 100) + "%" if percent else f"{value:,}"
        if kind is float:
            return _number(value * 100) + "%" if percent else _number(value)
        if kind is bool:
            return yes if value else no
        if value is None:
            return "—"
        if kind is list and len(value) <= _LIST_ITEMS and _TEXT.issuperset(map(type, value)) \
                and max(map(len, value), default=0) <= SHOWN_CHARS:  # (the key holds them)
            items = tuple(value)
            text = lists.get(items)
            if text is None:
                text = fmt(value, lang, rate=rate, spec=spec, labels=labels)
                if len(text) <= _LIST_TEXT:  # (memory stays bounded: short lists only)
                    if len(lists) >= _LISTS_REMEMBERED:
                        lists.clear()
                    lists[items] = text
            return text
        return fmt(value, lang, rate=rate, spec=spec, labels=labels)

    return show


_TEXT = frozenset({str})
_LISTS_REMEMBERED = 256
_LIST_ITEMS = 16
_LIST_TEXT = 512


Lookup = Callable[[str], tuple[bool, Any, bool, Mapping[str, Any] | None]]


def fill(template: str, lang: str, lookup: Lookup) -> str:
    """Fill ``{name}`` / ``{name:%}`` placeholders.

    ``lookup`` gives (found, value, is_rate, value labels) for a placeholder name.

    No attribute access or format mini-language reaches Python's ``str.format``: a template is
    data written by an analyst, so it is read here piece by piece (once per template).
    """
    out: list[str] = []
    for literal, name, spec in pieces(template):
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
def pieces(template: str) -> tuple[tuple[str, str | None, str], ...]:
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


def missing_text(missing: list[str], lang: str) -> str:
    """What a reason's words say of the results it could not work out for want of facts."""
    return ("缺少：" if lang == "zh" else "missing: ") + ", ".join(missing)
