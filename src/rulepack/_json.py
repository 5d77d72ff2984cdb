"""Verdicts written as JSON straight from their evaluation's records.

:func:`render` gives exactly ``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, without
building :class:`Reason` and :class:`Check` objects or the dict: batch output renders every
verdict, and the objects cost several times what the JSON does. What does not depend on the
document is written once: per check site and language the start of the check's object and a
function that words its check (:func:`rulepack._render.site_text`); per rule and language the
start of the reason's object, its source and its message templates in pieces.

A reason whose rule recorded details (missing or broken results, table rows, score lines,
errors) is rare and takes the reference path: its :class:`Reason` dict, encoded by the same
encoder json.dumps uses. So does any value that is not plainly JSON (dates, durations, sets,
subclasses, mappings with keys other than strings), through :func:`to_jsonable`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any, Protocol, cast

from rulepack import _render
from rulepack._facts import FactSchema
from rulepack._model import Lang, Pack, Rule
from rulepack._verdict import (
    DEFAULT_MESSAGE,
    STATUS_WORD,
    CheckRecord,
    CheckSite,
    Reason,
    Verdict,
    check_gap,
    to_jsonable,
)

# json.dumps(..., ensure_ascii=False) with no other option is this encoder, made once.
_encode = json.JSONEncoder(ensure_ascii=False).encode
# The function that encoder writes every string with (json's C one, no ASCII escapes).
_string = encode_basestring
_LANGS = ("zh", "en")
_STATUSES = ("pass", "fail", "unknown", "skipped")
_INFINITY = float("inf")


class _Records(Protocol):
    """What rendering reads from a verdict's explanation (``_Run`` of rulepack._evaluate)."""

    @property
    def records(self) -> tuple[Any, ...]: ...
    @property
    def result(self) -> Mapping[str, Any]: ...
    @property
    def today(self) -> dt.date: ...
    @property
    def as_of(self) -> dt.datetime: ...
    @property
    def pack(self) -> Pack: ...
    @property
    def schema(self) -> FactSchema: ...
    def reason(self, record: Any) -> Reason: ...
    def rule_checks(self, record: Any) -> tuple[CheckRecord, ...]: ...
    def rule_values(self, record: Any) -> dict[str, Any]: ...


def render(verdict: Verdict, lang: Lang) -> str:
    """``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, written directly."""
    explanation = verdict._explanation
    if explanation is None or lang not in _LANGS:
        return _encode(verdict.to_dict(lang))
    run = cast(_Records, explanation)
    reasons = ", ".join([_reason(run, record, lang) for record in run.records])
    return (f"{_head(verdict.pack, verdict.version, verdict.digest)}{_instant(verdict.as_of)}"
            f', "outcome": {_value(verdict.outcome)}, "result": {_fields(verdict.result)}'
            f', "reasons": [{reasons}], "missing": {_value(verdict.missing)}}}')


# -- values -----------------------------------------------------------------------------------

# The types json writes as they are, and to_jsonable leaves as they are.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_STRING = frozenset({str})
# The C encoder json.dumps(..., ensure_ascii=False) sets up, called directly to write a whole
# container at once (where json has no C speedups, the encoder itself). It is handed only what
# it writes exactly as it would write the container to_jsonable makes (see _whole).
_c_encode: Callable[[Any, int], Sequence[str]] = (
    c_make_encoder(None, None, _string, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None else lambda value, _: (_encode(value),))


def _value(value: Any) -> str:
    """``_encode(to_jsonable(value))``."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is float:
        return _float(value)
    if _whole(value):
        return "".join(_c_encode(value, 0))
    return _encode(to_jsonable(value))


def _float(value: float) -> str:
    # json's own spelling of the values JSON has no number for.
    if math.isnan(value):
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


def _whole(value: Any) -> bool:
    """Whether json writes ``value`` as it writes ``to_jsonable(value)``: plain values, and
    lists, tuples and dicts of them, dict keys strings (to_jsonable would turn ``True`` into
    ``"True"``, json into ``"true"``)."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is list or kind is tuple:
        return set(map(type, value)) <= _PLAIN or all(map(_whole, value))
    if kind is dict:
        return set(map(type, value)) <= _STRING and (
            set(map(type, value.values())) <= _PLAIN or all(map(_whole, value.values())))
    return False


def _fields(fields: Mapping[str, Any]) -> str:
    """``{k: to_jsonable(v) for k, v in fields.items()}`` encoded: its keys are not converted,
    so json writes them alike either way."""
    if not fields:
        return "{}"
    if type(fields) is dict:
        for item in fields.values():  # _whole, its commonest cases first
            kind = type(item)
            if kind in _PLAIN or ((kind is list or kind is tuple)
                                  and set(map(type, item)) <= _PLAIN) or _whole(item):
                continue
            break
        else:
            return "".join(_c_encode(fields, 0))
    return _encode({key: to_jsonable(item) for key, item in fields.items()})


_HEADS: dict[tuple[str, str, str], str] = {}
# The instant written last, and how: the verdicts of a batch mostly share one.
_LAST_INSTANT: list[tuple[dt.datetime | None, str]] = [(None, "")]


def _head(pack: str, version: str, digest: str) -> str:
    """The verdict's object up to the value of ``as_of``."""
    key = (pack, version, digest)
    head = _HEADS.get(key)
    if head is None:
        head = (f'{{"pack": {_encode(pack)}, "version": {_encode(version)}, '
                f'"digest": {_encode(digest)}, "as_of": ')
        _remember(_HEADS, key, head)
    return head


def _instant(as_of: dt.datetime) -> str:
    last = _LAST_INSTANT[0]  # one read: another thread may replace it meanwhile
    if last[0] is as_of:  # a datetime cannot change: the same object, the same text
        return last[1]
    text = _string(as_of.isoformat())
    _LAST_INSTANT[0] = (as_of, text)
    return text


# -- caches -----------------------------------------------------------------------------------

# Writers of the sites and rules rendered lately, by language and id. Each entry holds the
# object of its id, so that no other object can take the id while the entry stands; a rule's
# writer also holds the pack and fact schema it was made for and serves no other (packs made
# from one another may share rules). A full cache is emptied, so memory stays bounded
# whatever is loaded.
_LIMIT = 2048
_SITES: dict[str, dict[int, tuple[CheckSite, _CheckWriter]]] = {lang: {} for lang in _LANGS}
_RULES: dict[str, dict[int, tuple[Rule, Pack, FactSchema, _RuleWriter]]] = {
    lang: {} for lang in _LANGS}


def _remember(cache: dict[Any, Any], key: Any, entry: Any) -> None:
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = entry


# -- reasons ----------------------------------------------------------------------------------


def _reason(run: _Records, record: Any, lang: Lang) -> str:
    """One reason's object, as ``_encode(run.reason(record).to_dict(lang))`` would write it."""
    if record[4]:
        # Details: missing results, errors, table rows (and their sources), score lines.
        return _encode(run.reason(record).to_dict(lang))
    rule, status = record[0], record[1]
    pack, schema = run.pack, run.schema
    rules = _RULES[lang]
    entry = rules.get(id(rule))
    if entry is None or entry[1] is not pack or entry[2] is not schema:
        entry = (rule, pack, schema, _RuleWriter(rule, pack, schema, lang))
        _remember(rules, id(rule), entry)
    writer = entry[3]
    sites = _SITES[lang]
    texts: list[str] = []
    checks: list[str] = []
    for check in run.rule_checks(record):
        site = check[0]
        known = sites.get(id(site))
        if known is None:
            known = (site, _check_writer(site, lang))
            _remember(sites, id(site), known)
        text, written = known[1](check)
        texts.append(text)
        checks.append(written)
    values = run.rule_values(record)
    start, before, after, parts = writer.statuses.get(status) or writer.status(status)
    why = writer.separator.join(dict.fromkeys(texts)) if texts else STATUS_WORD[lang][status]
    message = f"{before}{why}{after}" if parts is None \
        else writer.fill(parts, why, values, run)
    return (f'{start}{_string(message)}, "values": {_fields(values)}{writer.source}'
            f'{", ".join(checks)}]}}')


# A message template in parts: literal text, None for {why}, or a placeholder's function of
# (the values the rule read, the evaluation).
_Part = str | None | Callable[[Mapping[str, Any], _Records], str]
# Per status: the reason's object up to the message, and the message as text before {why} and
# after it (when that is all it holds) or else in parts.
_Status = tuple[str, str, str, tuple[_Part, ...] | None]


class _RuleWriter:
    """The fixed parts of one rule's reasons in one language."""

    __slots__ = ("_lang", "_pack", "_rule", "_schema", "separator", "source", "statuses")

    def __init__(self, rule: Rule, pack: Pack, schema: FactSchema, lang: Lang) -> None:
        self._rule, self._pack, self._schema, self._lang = rule, pack, schema, lang
        self.separator = _render.join_checks(["", ""], lang)
        # Details are empty here, so there are no row sources, no details and no error.
        self.source = f', "source": {_encode(rule.source.to_dict())}, "checks": ['
        self.statuses: dict[str, _Status] = {}
        for status in _STATUSES:
            self.status(status)

    def status(self, status: str) -> _Status:
        """The fixed parts of a reason with ``status``, made and kept."""
        rule, lang = self._rule, self._lang
        start = (f'{{"rule": {_encode(rule.id)}, "kind": {_encode(rule.kind)}, '
                 f'"status": {_encode(status)}, "message": ')
        parts = self._parts(rule.messages.by_status.get(status, DEFAULT_MESSAGE).get(lang))
        if len(parts) == 3 and parts[1] is None:  # "literal{why}literal": most messages
            made: _Status = (start, cast(str, parts[0]), cast(str, parts[2]), None)
        else:
            made = (start, "", "", parts)
        self.statuses[status] = made
        return made

    @staticmethod
    def fill(parts: tuple[_Part, ...], why: str, values: Mapping[str, Any],
             run: _Records) -> str:
        return "".join([why if part is None else part if isinstance(part, str)
                        else part(values, run) for part in parts])

    def _parts(self, template: str) -> tuple[_Part, ...]:
        """``template`` as ``Reason.message`` fills it; adjacent literals joined."""
        lang = self._lang
        parts: list[_Part] = []
        for literal, name, spec in _render.pieces(template):
            _literal(parts, literal)
            if name == "why":
                parts.append(None)
            elif name == "title":
                title = self._rule.title.get(lang)
                _literal(parts, title if isinstance(title, str)
                         else _render.fmt(title, lang, spec=spec))
            elif name is not None:
                parts.append(self._placeholder(name, spec))
        _literal(parts, "")
        return tuple(parts)

    def _placeholder(self, name: str, spec: str) -> Callable[[Mapping[str, Any], _Records], str]:
        """A placeholder other than why and title, looked up where ``Reason.message`` looks."""
        lang = self._lang
        if name in ("today", "as_of"):
            def moment(values: Mapping[str, Any], run: _Records) -> str:
                return _render.fmt(run.today if name == "today" else run.as_of, lang, spec=spec)
            return moment
        # A fact the rule read shows with its units; else params and results by name.
        show = _render.shower(lang, rate=self._schema.is_rate(name), spec=spec,
                              labels=self._schema.value_labels.get(name))
        params = self._pack.params
        constant = "?"
        if name.startswith("params.") and name[7:] in params:
            constant = _render.fmt(params[name[7:]], lang, spec=spec)

        def placeholder(values: Mapping[str, Any], run: _Records) -> str:
            if name in values:
                return show(values[name])
            if name.startswith("result.") and name[7:] in run.result:
                return _render.fmt(run.result[name[7:]], lang, spec=spec)
            return constant

        return placeholder


def _literal(parts: list[_Part], text: str) -> None:
    """Append literal text, joined to a literal before it: "title: {why}" is three parts."""
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


# -- checks -----------------------------------------------------------------------------------

_CheckWriter = Callable[[CheckRecord], tuple[str, str]]
# A check site's outputs by the values they were written from: most sites see a few values
# again and again (an enum, a boolean, a count). The memo stops growing when full.
_MEMO = 64
# Actual values whose equality is their identity as JSON and text: no 1 == 1.0 == True.
_KEYED = frozenset({str, int, bool, type(None)})


def _check_writer(site: CheckSite, lang: Lang) -> _CheckWriter:
    """(text, JSON object) of a check record of ``site``, as ``Check.from_record(record)``
    gives them: its ``text(lang)`` and ``to_dict(lang)`` encoded."""
    words = _render.site_text(site, lang)
    start = f'{{"expr": {_encode(site.text)}, "status": '
    starts = {status: f'{start}{_string(status)}, "text": ' for status in _STATUSES}
    path = f', "path": {_encode(site.path)}' if site.path is not None else ""
    op = site.op
    compared = path
    if op is not None:
        compared += f', "op": {_encode(op)}'
        if site.param is not None:
            compared += f', "param": {_encode(site.param)}'
    compared += ', "actual": '

    def write(record: CheckRecord) -> tuple[str, str]:
        _, status, actual, threshold, missing, error = record
        begin = starts.get(status) or f'{start}{_encode(status)}, "text": '
        if op is None or status == "unknown":
            # Check.from_record keeps neither operator nor threshold: no gap, no param.
            text = words(status, actual, None, None, missing, error)
            out = begin + _string(text) + path
            if error is not None:
                out += ', "error": ' + _value(error)
            if status != "unknown" or actual is not None:
                out += ', "actual": ' + _value(actual)
            if missing:
                out += ', "missing": ' + _value(missing)
            return text, out + "}"
        gap = check_gap(op, actual, threshold) if status == "fail" else None
        text = words(status, actual, threshold, gap, (), None)
        out = (f"{begin}{_string(text)}{compared}{_value(actual)}"
               f', "threshold": {_value(threshold)}')
        if gap is not None:
            out += ', "gap": ' + _value(gap)
        return text, out + "}"

    memo: dict[tuple[Any, ...], tuple[Any, tuple[str, str]]] = {}

    def remembered(record: CheckRecord) -> tuple[str, str]:
        # Keyed by the threshold's identity, which the entry keeps alive: a threshold is a
        # param or a literal, the same object every time, and only one that cannot change
        # (a plain value or a tuple of them) is remembered.
        _, status, actual, threshold, missing, error = record
        kind = type(actual)
        if kind not in _KEYED or missing or error is not None:
            return write(record)
        key = (status, kind, actual, id(threshold))
        known = memo.get(key)
        if known is not None and known[0] is threshold:
            return known[1]
        written = write(record)
        if len(memo) < _MEMO and (type(threshold) in _PLAIN or (
                type(threshold) is tuple and set(map(type, threshold)) <= _PLAIN)):
            memo[key] = (threshold, written)
        return written

    return remembered
