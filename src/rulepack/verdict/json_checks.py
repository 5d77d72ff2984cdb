"""Checks written as JSON: a check's object and its words, as ``Check.from_record(record)``
gives them (``to_dict(lang)`` encoded, ``text(lang)``).

What does not depend on the values is made once per check site and language: the start of the
object and a function that words the check (:func:`rulepack.verdict.wording.site_text`). A check once
written is remembered by its site and values, which most sites see again and again; a check of
plain numbers against a limit (fans, an average), whose values vary most, has a writer of its
own, and one of ints against an int limit is put together from templates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, cast

from rulepack.model.pack import Lang
from rulepack.verdict import wording
from rulepack.verdict.data import CheckRecord, CheckSite, check_gap
from rulepack.verdict.json_values import PLAIN, encode, number_json, string_json, value_json

LANGS = ("zh", "en")
STATUSES = ("pass", "fail", "unknown", "skipped")

# Writers of the sites (here) and rules (rulepack.verdict.json_writer) rendered lately, by language and id.
# Each entry holds the object of its id, so that no other object can take the id while the
# entry stands. A full cache is emptied, so memory stays bounded whatever is loaded.
_LIMIT = 2048


def remember(cache: dict[Any, Any], key: Any, entry: Any) -> None:
    """``cache[key] = entry``, the cache emptied first when full."""
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = entry


# A check written: (its threshold, its text, the text escaped as in JSON without quotes, its
# JSON object, its site), as Check.from_record(record) gives them: text(lang), to_dict(lang)
# encoded.
_Written = tuple[Any, str, str, str, CheckSite]
# A check's memo key: (id of its site, status, type of the actual value, the actual value).
_Key = tuple[int, str, type, Any]
# Writes one check of a site from its record's fields after the site (status, actual value,
# threshold, missing facts, error), and remembers it under the key given.
_Write = Callable[[str, Any, Any, tuple[str, ...], "str | None", "_Key | None"], _Written]
# Per check site and language: the site (kept, so that no other object takes its id) and its
# writer.
_Site = tuple[CheckSite, _Write]
_SITES: dict[str, dict[int, _Site]] = {lang: {} for lang in LANGS}
# Checks written lately, by language and key: most sites see a few values again and again (an
# enum, a boolean, a count, the threshold itself). An entry holds its site, so that no other
# site takes the id in its key while it stands, and its threshold, which the key leaves out
# (see _site). A full memo is emptied; a check whose object is long (a long string) is not
# remembered, so memory stays bounded.
MEMOS: dict[str, dict[_Key, _Written]] = {lang: {} for lang in LANGS}
_MEMO = 4096
_MEMO_TEXT = 1024
# Actual values that key a memo (with their type: 1 == 1.0 == True, but each has its own text).
KEYED = frozenset({str, int, bool, float, type(None)})


def site_writer(site: CheckSite, lang: Lang) -> _Write:
    """The writer of the checks of ``site``, made and kept."""
    sites = _SITES[lang]
    known = sites.get(id(site))
    if known is None:
        known = _site(site, lang)
        remember(sites, id(site), known)
    return known[1]


def _site(site: CheckSite, lang: Lang) -> _Site:
    """The writer of the checks of ``site``."""
    words = wording.site_text(site, lang)
    start = f'{{"expr": {encode(site.text)}, "status": '
    starts = {status: f'{start}{string_json(status)}, "text": ' for status in STATUSES}
    path = f', "path": {encode(site.path)}' if site.path is not None else ""
    op = site.op
    compared = path
    if op is not None:
        compared += f', "op": {encode(op)}'
        if site.param is not None:
            compared += f', "param": {encode(site.param)}'
    compared += ', "actual": '
    memo = MEMOS[lang]

    def write(status: str, actual: Any, threshold: Any, missing: tuple[str, ...],
              error: str | None, key: _Key | None) -> _Written:
        begin = starts.get(status) or f'{start}{encode(status)}, "text": '
        if op is None or status == "unknown":
            # Check.from_record keeps neither operator nor threshold: no gap, no param.
            text = words(status, actual, None, None, missing, error)
            escaped = string_json(text)
            out = begin + escaped + path
            if error is not None:
                out += ', "error": ' + value_json(error)
            if status != "unknown" or actual is not None:
                out += ', "actual": ' + value_json(actual)
            if missing:
                out += ', "missing": ' + value_json(missing)
            out += "}"
        else:
            gap = check_gap(op, actual, threshold) if status == "fail" else None
            text = words(status, actual, threshold, gap, (), None)
            escaped = string_json(text)
            out = (f'{begin}{escaped}{compared}{value_json(actual)}'
                   f', "threshold": {value_json(threshold)}')
            out += "}" if gap is None else f', "gap": {value_json(gap)}}}'
        written = (threshold, text, escaped[1:-1], out, site)
        # Remembered with its threshold, whose identity the key leaves out: a threshold is a
        # param or a literal, the same object every time, and only one that cannot change
        # (a plain value or a tuple of them) is remembered. Of floats, neither zero (0.0 and
        # -0.0 are equal, and written apart) nor NaN (never equal, a key never found again).
        if key is not None and len(out) <= _MEMO_TEXT and (type(threshold) in PLAIN or (
                type(threshold) is tuple and PLAIN.issuperset(map(type, threshold)))) and (
                key[2] is not float or (actual and not math.isnan(actual))):
            if len(memo) >= _MEMO:
                memo.clear()
            memo[key] = written
        return written

    limit_words = wording.limit_words(site, lang)
    if limit_words is None:
        return site, write
    # A check against a limit, of numbers of exactly int and float (fans, an average): the
    # commonest check whose values vary, so the one most often written rather than
    # remembered. Its words, gap and JSON written straight from the numbers.
    number = wording.plain_number
    gap_of = _GAPS[cast(str, op)]

    def int_forms(shown_limit: str, json_limit: str) -> dict[str, _Forms]:
        """Per status, the text (as it is and escaped) and JSON object of a check of an int
        against this int threshold, as functions of (actual, gap): an f-string writes an int
        as plain_number (``{:,}``) and as JSON (``{}``) does. Made by wording the check with
        markers where its numbers go."""
        forms: dict[str, _Forms] = {}
        for status in ("pass", "fail"):
            # The markers must be where this puts them and nowhere else: a label, expression
            # or path holding one (they are ordinary characters) is written the usual way.
            fixed = limit_words(status, "", shown_limit, "" if status == "fail" else None) + \
                starts[status] + compared + json_limit
            if _MARKS.intersection(fixed):
                continue
            text = limit_words(status, _MARK_ACTUAL, shown_limit,
                               _MARK_GAP if status == "fail" else None)
            escaped = string_json(text)[1:-1]  # markers are not escaped
            made = (f'{starts[status]}"{escaped}"{compared}{_MARK_ACTUAL_JSON}'
                    f', "threshold": {json_limit}')
            made += f', "gap": {_MARK_GAP_JSON}}}' if status == "fail" else "}"
            forms[status] = (_format(text), None if escaped == text else _format(escaped),
                             _format(made))
        return forms

    # The formats above by int threshold: most thresholds are a param or a literal, a few
    # values at most; a threshold read from the document may take a new value every time,
    # and once this is full a new one is written the usual way rather than compiled.
    forms_by_limit: dict[int, dict[str, _Forms]] = {}
    # The threshold last seen, shown, in JSON and in the formats above (when an int): the
    # same object check after check.
    last: list[tuple[Any, str, str, dict[str, _Forms]]] = [(_UNSEEN, "", "", {})]

    def forms_of(threshold: int, shown: str, json_limit: str) -> dict[str, _Forms]:
        forms = forms_by_limit.get(threshold)
        if forms is None:
            if len(forms_by_limit) >= _FORMS:
                return {}
            forms = forms_by_limit[threshold] = int_forms(shown, json_limit)
        return forms

    def write_limit(status: str, actual: Any, threshold: Any, missing: tuple[str, ...],
                    error: str | None, key: _Key | None) -> _Written:
        kind, limit = type(actual), type(threshold)
        if status == "unknown" or not (kind is int or kind is float) or not (
                limit is int or limit is float):
            return write(status, actual, threshold, missing, error, key)
        seen = last[0]  # one read: another thread may replace it meanwhile
        if seen[0] is not threshold:
            shown, json_limit = number(threshold), number_json(threshold)
            seen = (threshold, shown, json_limit,
                    forms_of(threshold, shown, json_limit) if limit is int else {})
            last[0] = seen
        form = seen[3].get(status) if kind is int else None
        if form is not None:  # ints both: each number shown once, then put in place
            shown = f"{actual:,}"
            if status == "fail":
                gap = gap_of(actual, threshold, True)
                short = f"{gap:,}"
            else:
                gap, short = None, ""
            text = form[0](shown, short, actual, gap)
            escaped = text if form[1] is None else form[1](shown, short, actual, gap)
            out = form[2](shown, short, actual, gap)
            written = (threshold, text, escaped, out, site)
            if key is not None and len(out) <= _MEMO_TEXT:
                if len(memo) >= _MEMO:
                    memo.clear()
                memo[key] = written
            return written
        if status == "fail":
            # check_gap's for exactly int and float
            gap = gap_of(actual, threshold, kind is int and limit is int)
            text = limit_words(status, number(actual), seen[1],
                               None if gap is None else number(gap))
        else:
            gap = None
            text = limit_words(status, number(actual), seen[1], None)
        begin = starts.get(status) or f'{start}{encode(status)}, "text": '
        escaped = string_json(text)
        out = (f'{begin}{escaped}{compared}{number_json(actual)}'
               f', "threshold": {seen[2]}')
        out += "}" if gap is None else f', "gap": {number_json(gap)}}}'
        written = (threshold, text, escaped[1:-1], out, site)
        if key is not None and len(out) <= _MEMO_TEXT and (
                kind is int or (actual and not math.isnan(actual))):
            if len(memo) >= _MEMO:
                memo.clear()
            memo[key] = written
        return written

    return site, write_limit


_UNSEEN = object()
# Where the numbers of a check of ints go in its text and JSON (see int_forms in _site):
# characters of Unicode's private use area, which json writes as they are.
_MARK_ACTUAL, _MARK_GAP, _MARK_ACTUAL_JSON, _MARK_GAP_JSON = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = frozenset({_MARK_ACTUAL, _MARK_GAP, _MARK_ACTUAL_JSON, _MARK_GAP_JSON})
_FORMS = 64  # int thresholds with formats, per check site
# A check's text, the text escaped (None: the text itself), and its JSON object, each a
# function of (actual shown, gap shown, actual, gap).
_Form = Callable[[str, str, int, "float | None"], str]
_Forms = tuple[_Form, "_Form | None", _Form]


def _format(marked: str) -> _Form:
    """``marked`` as a function of (actual shown, gap shown, actual, gap) putting them where
    its markers are: one f-string, compiled (str.format would parse its template on every
    call)."""
    pieces = re.split(f"({_MARK_ACTUAL}|{_MARK_GAP}|{_MARK_ACTUAL_JSON}|{_MARK_GAP_JSON})",
                      marked)
    # Literal text by repr, each marker an f-string field: Python joins adjacent literals.
    source = " ".join(_FIELDS[piece] if i % 2 else repr(piece) for i, piece in enumerate(pieces))
    function: _Form = eval(f"lambda sa, sg, a, g: ({source})", {"__builtins__": {}})
    return function


_FIELDS = {_MARK_ACTUAL: "f'{sa}'", _MARK_GAP: "f'{sg}'", _MARK_ACTUAL_JSON: "f'{a}'",
           _MARK_GAP_JSON: "f'{g}'"}


# check_gap(op, actual, threshold) by operator, for actual and threshold of exactly int and
# float, and whether both are int.
_GAPS: dict[str, Callable[[float, float, bool], float | None]] = {
    ">=": lambda actual, threshold, ints: threshold - actual if ints
    else round(threshold - actual, 10),
    "<=": lambda actual, threshold, ints: actual - threshold if ints
    else round(actual - threshold, 10),
    ">": lambda actual, threshold, ints: threshold - actual + 1 if ints else None,
    "<": lambda actual, threshold, ints: actual - threshold + 1 if ints else None,
}


def write_record(check: CheckRecord, lang: Lang, memo: dict[_Key, _Written]) -> _Written:
    """One check written from its record, through the memo when it can be."""
    site, status, actual, threshold, missing, error = check
    kind = type(actual)
    if kind in KEYED and not missing and error is None:
        key = (id(site), status, kind, actual)
        found = memo.get(key)
        if found is not None and found[0] is threshold:
            return found
        return site_writer(site, lang)(status, actual, threshold, missing, error, key)
    return site_writer(site, lang)(status, actual, threshold, missing, error, None)
