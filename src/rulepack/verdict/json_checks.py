"""Checks written as JSON: a check's object and its words, as ``Check.from_record(record)``
gives them (``to_dict(lang)`` encoded, ``text(lang)``).

What does not depend on the values is made once per check site and language and kept on the
site (``CheckSite.renderings``): the start of the object and the function that words the check
(:func:`rulepack.verdict.wording.site_text`, the words of ``check_text``). A check once written
is remembered by its site and values (a check unknown for want of facts, by its site and the
facts missing) in a memo the caller keeps (per plan and language: see
:mod:`rulepack.verdict.json_writer`).

Safe for threads by construction: a site's writer and a remembered check are made whole before
they are put where another thread can read them, and replace nothing; two threads that miss at
once each make one, and one of them is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rulepack.verdict import wording
from rulepack.verdict.json_values import PLAIN, encode, string_json, value_json
from rulepack.verdict.records import LANGS, STATUSES, CheckRecord, CheckSite, check_gap

# A check written: (its threshold, its text, the text escaped as in JSON without quotes, its
# JSON object, its site), as Check.from_record(record) gives them: text(lang), to_dict(lang)
# encoded.
Written = tuple[Any, str, str, str, CheckSite]
# A check's key in a memo: (id of its site, status, type of the actual value, the actual value).
Key = tuple[int, str, type, Any]
# Checks written lately, by key, kept by the plan's writer (one memo per plan and language):
# most sites see a few values again and again (an enum, a boolean, a count, the threshold
# itself). An entry holds its site, so that no other site takes the id in its key while it
# stands, and its threshold, which the key leaves out and is checked by identity (a param or a
# literal: the same object every time). Generated reason writers look in it themselves.
# The key of a check unknown for want of facts alone: (id of its site, the facts missing).
UnknownKey = tuple[int, tuple[str, ...]]
Memo = dict[Key | UnknownKey, Written]
# Writes one check of a site from its record's fields after the site (status, actual value,
# threshold, missing facts, error), and remembers it in the memo under the key given.
Write = Callable[[str, Any, Any, tuple[str, ...], "str | None", Memo, "Key | None"], Written]

# The key of a site's writer among its renderings, by language.
_RENDERING: dict[str, str] = {lang: f"json.{lang}" for lang in LANGS}
# A full memo is emptied, and a check whose object is long (a long string) is not remembered,
# so memory stays bounded.
_MEMO = 4096
_MEMO_TEXT = 1024
# Actual values that key a memo (with their type: 1 == 1.0 == True, but each has its own text).
KEYED = frozenset({str, int, bool, float, type(None)})


def write_record(check: CheckRecord, lang: str, memo: Memo) -> Written:
    """One check written from its record, through the memo when it can be."""
    site, status, actual, threshold, missing, error = check
    kind = type(actual)
    if kind in KEYED and not missing and error is None:
        key = (id(site), status, kind, actual)
        found = memo.get(key)
        if found is not None and found[0] is threshold:
            return found
        return site_writer(site, lang)(status, actual, threshold, missing, error, memo, key)
    if missing and status == "unknown" and actual is None and error is None \
            and type(missing) is tuple:
        # Unknown for want of facts, the commonest unknown: its words and object name the
        # site and the facts alone (neither threshold nor actual value is written).
        unknown_key = (id(site), missing)
        found = memo.get(unknown_key)
        if found is None:
            found = site_writer(site, lang)(status, actual, threshold, missing, error, memo,
                                            None)
            _remember(memo, unknown_key, found)
        return found
    return site_writer(site, lang)(status, actual, threshold, missing, error, memo, None)


def site_writer(site: CheckSite, lang: str) -> Write:
    """The writer of the checks of ``site`` in ``lang``, made once and kept on the site."""
    write: Write | None = site.renderings.get(_RENDERING[lang])
    if write is None:
        write = site.renderings[_RENDERING[lang]] = _site(site, lang)
    return write


def _site(site: CheckSite, lang: str) -> Write:
    """The writer of the checks of ``site``."""
    words = wording.site_text(site, lang)
    start = f'{{"expr": {encode(site.text)}, "status": '
    starts: dict[str, str] = {
        status: f'{start}{string_json(status)}, "text": ' for status in STATUSES}
    path = f', "path": {encode(site.path)}' if site.path is not None else ""
    op = site.op
    compared = path
    if op is not None:
        compared += f', "op": {encode(op)}'
        if site.param is not None:
            compared += f', "param": {encode(site.param)}'
    compared += ', "actual": '
    # Two plain numbers against a limit, the commonest check: shown as plain_number shows
    # them, in the words of wording.limit_text, the threshold's forms kept while it lasts.
    limit_words = wording.limit_text(site, lang)
    limit_op = op or ""  # (an operator whenever limit_words is set)
    last: list[tuple[Any, str, str, _Forms | None]] = [(None, "", "", None)]

    def write(status: str, actual: Any, threshold: Any, missing: tuple[str, ...],
              error: str | None, memo: Memo, key: Key | None) -> Written:
        begin = starts.get(status) or f'{start}{encode(status)}, "text": '
        kind = type(actual)
        if limit_words is not None and status != "unknown" and (
                kind is int or kind is float) and type(threshold) in _NUMBERS:
            seen = last[0]  # one read: another thread may replace it meanwhile
            if seen[0] is not threshold:
                shown_limit = wording.plain_number(threshold)
                seen = last[0] = (threshold, shown_limit, value_json(threshold),
                                  _int_forms(limit_words, shown_limit)
                                  if type(threshold) is int else None)
            gap = check_gap(limit_op, actual, threshold) if status == "fail" else None
            forms = seen[3]
            if kind is int and forms is not None:  # ints both: the words made once, filled
                shown, short = f"{actual:,}", "" if gap is None else f"{gap:,}"
                text_form, escaped_form = forms[status]
                text = text_form.format(shown, short)
                escaped = text if escaped_form is None else escaped_form.format(shown, short)
                actual_json = int.__repr__(actual)
            else:
                text = limit_words(status, wording.plain_number(actual), seen[1],
                                   None if gap is None else wording.plain_number(gap))
                escaped = string_json(text)[1:-1]
                actual_json = value_json(actual)
            out = f'{begin}"{escaped}"{compared}{actual_json}, "threshold": {seen[2]}'
            out += "}" if gap is None else f', "gap": {value_json(gap)}}}'
            return _remembered(memo, key, (threshold, text, escaped, out, site), actual)
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
        return _remembered(memo, key, (threshold, text, escaped[1:-1], out, site), actual)

    return write


_NUMBERS = frozenset({int, float})

# Per status, a check's words as a format of (the actual value shown, the gap shown), and
# the same escaped as in JSON (None when no character needs it): what wording.limit_text
# gives for two ints against one threshold, where only the numbers change.
_Forms = dict[str, tuple[str, str | None]]
# Stand-ins for the numbers while the words are made: private-use characters, which no JSON
# escaping touches.
_ACTUAL, _GAP = "\ue000", "\ue001"


def _int_forms(limit_words: wording.LimitText, shown_limit: str) -> _Forms | None:
    """The words of a site's int checks against one threshold (shown as ``shown_limit``);
    None when a stand-in could be confused with the text around it."""
    forms: _Forms = {}
    for status, short in (("pass", None), ("fail", _GAP)):
        words = limit_words(status, _ACTUAL, shown_limit, short)
        if words.count(_ACTUAL) != 1 or words.count(_GAP) != (short is not None):
            return None
        escaped = string_json(words)[1:-1]
        forms[status] = (_format(words), None if escaped == words else _format(escaped))
    return forms


def _format(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}").replace(_ACTUAL, "{0}").replace(
        _GAP, "{1}")


def _remembered(memo: Memo, key: Key | None, written: Written, actual: Any) -> Written:
    """``written``, remembered in ``memo`` under ``key`` where it may be."""
    threshold = written[0]
    # Only a threshold that cannot change (a plain value or a tuple of them) is remembered
    # with. Of floats, neither zero (0.0 and -0.0 are equal, and written apart) nor NaN (a key
    # never equal to itself).
    if key is not None and (type(threshold) in PLAIN or (
            type(threshold) is tuple and PLAIN.issuperset(map(type, threshold)))) and (
            key[2] is not float or (actual and not math.isnan(actual))):
        _remember(memo, key, written)
    return written


def _remember(memo: Memo, key: Key | UnknownKey, written: Written) -> None:
    """Put ``written`` in ``memo``, unless its object is long; a full memo is emptied first."""
    if len(written[3]) <= _MEMO_TEXT:
        if len(memo) >= _MEMO:
            memo.clear()
        memo[key] = written
