"""Verdicts written as JSON straight from their evaluation's records.

:func:`render` gives exactly ``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, without
building :class:`Reason` and :class:`Check` objects or the dict: batch output renders every
verdict, and the objects cost several times what the JSON does. What does not depend on the
document is written once: per check site and language the start of the check's object and a
function that words its check (:func:`rulepack._render.site_text`); per rule and language the
start of the reason's object, its source and its message templates in pieces. A check once
written is remembered by its site and values, which most sites see again and again; a check
of plain numbers against a limit (fans, an average), whose values vary most, has a writer of
its own. The facts a reason read go to json's C encoder as they are, and are looked at only
when their text shows a container inside.

A reason whose rule recorded details (missing or broken results, table rows, score lines,
errors) is rare and takes the reference path: its :class:`Reason` dict, encoded by the same
encoder json.dumps uses. So does any value that is not plainly JSON (dates, durations, sets,
subclasses, mappings with keys other than strings), through :func:`to_jsonable`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Any, Protocol, cast

from rulepack import _render
from rulepack._facts import FactSchema
from rulepack._kept import KEPT_RECORD, KEPT_THRESHOLD, UNREAD, RawCondition
from rulepack._model import (
    NEGATE,
    AllOf,
    Atom,
    CheckRule,
    Condition,
    Constant,
    Lang,
    NotOf,
    Pack,
    Rule,
)
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

if TYPE_CHECKING:
    from rulepack._evaluate import Plan

# json.dumps(..., ensure_ascii=False) with no other option is this encoder, made once.
_encode = json.JSONEncoder(ensure_ascii=False).encode
# The function that encoder writes every string with (json's C one, no ASCII escapes).
_string = encode_basestring
_LANGS = ("zh", "en")
_STATUSES = ("pass", "fail", "unknown", "skipped")
# json's spelling of the floats JSON has no number for; any other float is written as its repr.
_NOT_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
# The verdict's object from its outcome to the value of "result".
_OUTCOMES = {status: f', "outcome": {_string(status)}, "result": ' for status in _STATUSES}


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
    @property
    def plan(self) -> Plan: ...
    @property
    def facts(self) -> tuple[Any, ...]: ...
    def reason(self, record: Any) -> Reason: ...
    def rule_checks(self, record: Any) -> tuple[CheckRecord, ...]: ...
    def rule_values(self, record: Any) -> dict[str, Any]: ...


def render(verdict: Verdict, lang: Lang) -> str:
    """``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, written directly."""
    explanation = verdict._explanation
    if explanation is None or lang not in _LANGS:
        return _encode(verdict.to_dict(lang))
    run = cast(_Records, explanation)
    outcome = verdict.outcome
    # The verdict's text in pieces, joined once.
    out = [_start(verdict._pack, verdict.as_of),
           _OUTCOMES.get(outcome) or f', "outcome": {_value(outcome)}, "result": ',
           _fields(verdict.result), ', "reasons": [']
    first = True
    plan = run.plan
    known = _PLANS[lang].get(id(plan))
    codes = known[1] if known is not None and known[0] is plan else _codes(run, lang)
    facts = run.facts
    for record, code in zip(run.records, codes):
        if first:
            first = False
        else:
            out.append(", ")
        if code is not None and record[3] is not None and not record[4]:
            text = code(record[2], facts, run, record)
            if text is not None:
                out.append(text)
                continue
        _reason(run, record, lang, out)
    missing = verdict.missing
    out.append(f'], "missing": {_value(missing)}}}' if missing else '], "missing": []}')
    return "".join(out)


# -- values -----------------------------------------------------------------------------------

# The types json writes as they are, and to_jsonable leaves as they are.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_STRING = frozenset({str})
_INT = frozenset({int})


class _NotPlain(Exception):
    """Raised by the C encoder below on a value json cannot write as it is."""


def _not_plain(value: Any) -> Any:
    raise _NotPlain


# The C encoder json.dumps(..., ensure_ascii=False) sets up, called directly to write a whole
# container at once; unlike json's, it gives up (_NotPlain) on anything but JSON's own types
# (where json has no C speedups, the Python encoder does the same). Its text is used only
# where it is what json writes of the container to_jsonable makes (see _whole and _fields).
_plain_encode = json.JSONEncoder(ensure_ascii=False, default=_not_plain).encode
_c_encode: Callable[[Any, int], Sequence[str]] = (
    c_make_encoder(None, _not_plain, _string, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None else lambda value, _: (_plain_encode(value),))


def _value(value: Any) -> str:
    """``_encode(to_jsonable(value))``."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        text = float.__repr__(value)
        return _NOT_FINITE.get(text, text)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        if _INT.issuperset(map(type, value)):
            # Exactly ints (not bools, not subclasses): Python writes the list as JSON does, in
            # half the time of json's encoder.
            return list.__repr__(value) if kind is list else list.__repr__(list(value))
        # Written first, looked at after, as _fields does: only a mapping inside can be
        # written otherwise than to_jsonable makes it.
        try:
            text = "".join(_c_encode(value, 0))
        except (_NotPlain, TypeError, ValueError):
            pass
        else:
            if text.find("{") < 0 or _whole(value):
                return text
    elif _whole(value):
        return "".join(_c_encode(value, 0))
    return _encode(to_jsonable(value))


def _whole(value: Any) -> bool:
    """Whether json writes ``value`` as it writes ``to_jsonable(value)``: plain values, and
    lists, tuples and dicts of them, dict keys strings (to_jsonable would turn ``True`` into
    ``"True"``, json into ``"true"``)."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is list or kind is tuple:
        return _PLAIN.issuperset(map(type, value)) or all(map(_whole, value))
    if kind is dict:
        return _STRING.issuperset(map(type, value)) and (
            _PLAIN.issuperset(map(type, value.values())) or all(map(_whole, value.values())))
    return False


def _fields(fields: Mapping[str, Any]) -> str:
    """``{k: to_jsonable(v) for k, v in fields.items()}`` encoded: its keys are not converted,
    so json writes them alike either way."""
    if not fields:
        return "{}"
    if type(fields) is dict:
        # Written before the values are looked at (a list of 30 plays is the commonest): the
        # encoder gives up on anything that is not JSON's own (dates, sets, other mappings),
        # and writes the rest as it writes what to_jsonable makes of it: the same numbers and
        # strings (subclasses too), lists and tuples (subclasses too, as iterated). Only the
        # keys of a mapping inside differ (json writes True as "true", to_jsonable "True"):
        # when the text shows one (a second "{", or a string holds one), the values are
        # looked at as _whole looks.
        try:
            text = "".join(_c_encode(fields, 0))
        except (_NotPlain, TypeError, ValueError):
            # Not JSON's own; or keys json cannot write (to_jsonable writes their str()); or
            # what the long way meets as well.
            pass
        else:
            if text.find("{", 1) < 0 or all(map(_whole, fields.values())):
                return text
    return _encode({key: to_jsonable(item) for key, item in fields.items()})


# The verdict's object up to the value of "as_of", by pack (see _remember).
_HEADS: dict[int, tuple[Pack, str]] = {}
# The start written last, and of what: the verdicts of a batch mostly share pack and instant.
_LAST_START: list[tuple[Pack | None, dt.datetime | None, str]] = [(None, None, "")]


def _start(pack: Pack, as_of: dt.datetime) -> str:
    """The verdict's object up to its outcome."""
    last = _LAST_START[0]  # one read: another thread may replace it meanwhile
    if last[0] is pack and last[1] is as_of:  # neither can change: the same text
        return last[2]
    known = _HEADS.get(id(pack))
    if known is None:
        head = (f'{{"pack": {_encode(pack.id)}, "version": {_encode(pack.version)}, '
                f'"digest": {_encode(pack.digest)}, "as_of": ')
        known = (pack, head)
        _remember(_HEADS, id(pack), known)
    text = known[1] + _string(as_of.isoformat())
    _LAST_START[0] = (pack, as_of, text)
    return text


# -- caches -----------------------------------------------------------------------------------

# Writers of the sites and rules rendered lately, by language and id. Each entry holds the
# object of its id, so that no other object can take the id while the entry stands; a rule's
# writer also holds the pack and fact schema it was made for and serves no other (packs made
# from one another may share rules). A full cache is emptied, so memory stays bounded
# whatever is loaded.
_LIMIT = 2048
_SITES: dict[str, dict[int, _Site]] = {lang: {} for lang in _LANGS}
_RULES: dict[str, dict[int, tuple[Rule, Pack, FactSchema, _RuleWriter]]] = {
    lang: {} for lang in _LANGS}


# Per plan and language: the compiled writer of each rule's reasons, in the order of its
# records (None for a rule written the general way); see _codes.
_PLANS: dict[str, dict[int, tuple[Plan, tuple[_ReasonCode | None, ...]]]] = {
    lang: {} for lang in _LANGS}
_PLAN_LIMIT = 64


def _codes(run: _Records, lang: Lang) -> tuple[_ReasonCode | None, ...]:
    """The compiled writers of the reasons of ``run.plan``'s rules, made and kept; for a plan
    without a whole-pack function (its records are not the rules one by one), none."""
    plan = run.plan
    codes: tuple[_ReasonCode | None, ...]
    if plan.rules_code is None:
        codes = (None,) * len(run.records)  # not kept: the records vary with the document
        return codes
    codes = tuple([_rule_writer(rule, run, lang).compiled(plan, rule)
                   for rule in plan.pack.rules])
    plans = _PLANS[lang]
    if len(plans) >= _PLAN_LIMIT:  # plans are big, and a service uses a few at a time
        plans.clear()
    plans[id(plan)] = (plan, codes)
    return codes


def _rule_writer(rule: Rule, run: _Records, lang: Lang) -> _RuleWriter:
    """The writer of ``rule``'s reasons for ``run``'s pack and schema, made and kept."""
    pack, schema = run.pack, run.schema
    rules = _RULES[lang]
    entry = rules.get(id(rule))
    if entry is None or entry[1] is not pack or entry[2] is not schema:
        entry = (rule, pack, schema, _RuleWriter(rule, pack, schema, lang))
        _remember(rules, id(rule), entry)
    return entry[3]


def _remember(cache: dict[Any, Any], key: Any, entry: Any) -> None:
    if len(cache) >= _LIMIT:
        cache.clear()
    cache[key] = entry


# -- reasons ----------------------------------------------------------------------------------


def _reason(run: _Records, record: Any, lang: Lang, out: list[str]) -> None:
    """Append one reason's object, as ``_encode(run.reason(record).to_dict(lang))`` would
    write it, to ``out``."""
    if record[4]:
        # Details: missing results, errors, table rows (and their sources), score lines.
        out.append(_encode(run.reason(record).to_dict(lang)))
        return
    status = record[1]
    writer = _rule_writer(record[0], run, lang)
    head, tail, parts = writer.statuses.get(status) or writer.status(status)
    # The checks' texts escaped (and as they are, for a message with placeholders), and their
    # objects.
    texts: list[str] = []
    plain: list[str] = []
    objects: list[str] = []
    memo = _MEMOS[lang]
    raw = run.plan.raw_conditions[id(record[3])] if record[3] is not None else None
    if raw is not None and raw.distinct:
        # Kept raw by compiled code: written from the values kept, with no record made. (A
        # condition with two atoms of one text takes the records' way, which merges them.)
        kept = record[2]
        for index in raw.deciding(kept):
            # The memo, inline: this loop runs for every check of most verdicts.
            place, site, threshold, how = raw.atoms[index]
            check_status, actual = kept[place], kept[place + 1]
            if check_status == "unknown" or how == KEPT_RECORD:  # `actual` is the record
                written = _from_record(actual, lang, memo)
            else:
                if how == KEPT_THRESHOLD:
                    threshold = kept[place + 2]
                kind = type(actual)
                key = (id(site), check_status, kind, actual) if kind in _KEYED else None
                found = memo.get(key) if key is not None else None
                written = found if found is not None and found[0] is threshold else \
                    _writer(site, lang)(check_status, actual, threshold, (), None, key)
            texts.append(written[2])
            objects.append(written[3])
            if parts is not None:
                plain.append(written[1])
    else:
        for check in run.rule_checks(record):
            written = _from_record(check, lang, memo)
            texts.append(written[2])
            objects.append(written[3])
            if parts is not None:
                plain.append(written[1])
    if parts is None:  # the message is "literal{why}literal", and written escaped in pieces
        if len(texts) == 1:
            why = texts[0]
        elif texts:
            why = writer.escaped_separator.join(
                texts if len(set(texts)) == len(texts) else dict.fromkeys(texts))
        else:
            why = _escaped(STATUS_WORD[lang][status])
        out += (head, why, tail, writer.values(run, record))
    else:
        values = run.rule_values(record)
        message = writer.fill(parts, writer.separator.join(dict.fromkeys(plain)) if plain
                              else STATUS_WORD[lang][status], values, run)
        out += (head, _escaped(message), tail, _fields(values))
    out += (writer.source, ", ".join(objects), "]}")


def _from_record(check: CheckRecord, lang: Lang, memo: dict[_Key, _Written]) -> _Written:
    """One check written from its record, through the memo when it can be."""
    site, status, actual, threshold, missing, error = check
    kind = type(actual)
    if kind in _KEYED and not missing and error is None:
        key = (id(site), status, kind, actual)
        found = memo.get(key)
        if found is not None and found[0] is threshold:
            return found
        return _writer(site, lang)(status, actual, threshold, missing, error, key)
    return _writer(site, lang)(status, actual, threshold, missing, error, None)


def _escaped(text: str) -> str:
    """``text`` as a JSON string without its quotes: JSON escapes character by character, so
    the pieces of a string can be escaped apart and joined."""
    return _string(text)[1:-1]


# A message template in parts: literal text, None for {why}, or a placeholder's function of
# (the values the rule read, the evaluation).
_Part = str | None | Callable[[Mapping[str, Any], _Records], str]
# Per status: the reason's object up to the message's first character, from its last one to
# the value of "values", and the message's parts, or None when it is "literal{why}literal"
# (the literals are then escaped into the first two).
_Status = tuple[str, str, tuple[_Part, ...] | None]


class _RuleWriter:
    """The fixed parts of one rule's reasons in one language."""

    __slots__ = ("_code", "_code_of", "_facts", "_lang", "_pack", "_places", "_rule", "_schema",
                 "escaped_separator", "separator", "source", "statuses")

    def __init__(self, rule: Rule, pack: Pack, schema: FactSchema, lang: Lang) -> None:
        self._rule, self._pack, self._schema, self._lang = rule, pack, schema, lang
        self.separator = _render.join_checks(["", ""], lang)
        self.escaped_separator = _escaped(self.separator)
        # Details are empty here, so there are no row sources, no details and no error.
        self.source = f', "source": {_encode(rule.source.to_dict())}, "checks": ['
        self.statuses: dict[str, _Status] = {}
        for status in _STATUSES:
            self.status(status)
        # The facts of the reason's values last seen (Plan.facts_of), and the text before each
        # value with its place among the facts compiled code kept; None if one has none.
        self._facts: tuple[tuple[str, int], ...] | None = None
        self._places: tuple[tuple[str, int], ...] | None = None
        # The compiled writer of this rule's reasons, and the plan it was made for.
        self._code_of: Plan | None = None
        self._code: _ReasonCode | None = None

    def compiled(self, plan: Plan, rule: Rule) -> _ReasonCode | None:
        """The compiled writer of this rule's reasons in ``plan`` (made on first use), or None
        where the general way must write them: a rule the plan's code did not evaluate raw, a
        condition with two atoms of one text (their checks are merged), a fact it did not
        keep."""
        if plan is not self._code_of:
            raw = plan.raw_conditions.get(id(rule.require)) \
                if isinstance(rule, CheckRule) else None
            facts = plan.facts_of[id(rule)][1]
            self._code = _reason_code(self, raw, facts, lang=self._lang) if raw is not None \
                and raw.distinct and all(slot >= 0 for _, slot in facts) else None
            self._code_of = plan
        return self._code

    def values(self, run: _Records, record: Any) -> str:
        """``_fields(run.rule_values(record))``: from the facts compiled code kept, when it
        kept them all."""
        facts = run.plan.facts_of[id(record[0])][record[1] != "skipped"]
        if facts is not self._facts:
            self._places = tuple(
                (("{" if i == 0 else ", ") + _string(path) + ": ", slot)
                for i, (path, slot) in enumerate(facts)) if all(
                slot >= 0 for _, slot in facts) else None
            self._facts = facts
        places, kept = self._places, run.facts
        if not facts:
            return "{}"
        if places is not None and kept:
            out: list[str] = []
            for key, slot in places:
                value = kept[slot]
                if value is UNREAD:  # absent, or not read: rule_values looks further
                    break
                out += (key, _value(value))
            else:
                out.append("}")
                return "".join(out)
        return _fields(run.rule_values(record))

    def status(self, status: str) -> _Status:
        """The fixed parts of a reason with ``status``, made and kept."""
        rule, lang = self._rule, self._lang
        start = (f'{{"rule": {_encode(rule.id)}, "kind": {_encode(rule.kind)}, '
                 f'"status": {_encode(status)}, "message": "')
        end = '", "values": '
        parts = self._parts(rule.messages.by_status.get(status, DEFAULT_MESSAGE).get(lang))
        if len(parts) == 3 and parts[1] is None:  # "literal{why}literal": most messages
            made: _Status = (start + _escaped(cast(str, parts[0])),
                             _escaped(cast(str, parts[2])) + end, None)
        else:
            made = (start, end, parts)
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


# A reason written whole from (the values its rule's atoms kept, the facts kept, the
# evaluation, its rule record); None when the general way must write it.
_ReasonCode = Callable[[tuple[Any, ...], tuple[Any, ...], Any, Any], "str | None"]


def _reason_code(writer: _RuleWriter, raw: RawCondition, facts: tuple[tuple[str, int], ...],
                 lang: Lang) -> _ReasonCode:
    """One function writing the reasons of one rule evaluated raw, in one language: the code of
    :func:`_reason` and :meth:`_RuleWriter.values` unrolled for this rule's atoms and facts.

    Which atoms decide is written as comparisons of statuses (an atom decides when it has the
    status of every group above it, as `_Run.condition` picks); each deciding check comes from
    the memo or its site's writer; each fact is written by the type its schema gives it, any
    other value the general way. A status whose message has placeholders, and facts the
    evaluation did not keep, return None or take the general way.
    """
    lines: list[str] = []
    constants: dict[str, Any] = {}

    def constant(value: Any) -> str:
        name = f"_k{len(constants)}"
        constants[name] = value
        return name

    # The values kept, unpacked: status and value (or record) of every atom, its threshold if
    # kept.
    names: list[str] = []
    for n, (_, _, _, how) in enumerate(raw.atoms):
        names += [f"_s{n}", f"_a{n}"] + ([f"_t{n}"] if how == KEPT_THRESHOLD else [])
    lines.append(f"    {''.join(f'{name}, ' for name in names)}= _raw" if names else "")
    groups = [0]

    def walk(node: Condition, counter: list[int]) -> tuple[str, list[tuple[int, list[str]]]]:
        """The status's expression, and each atom below with its deciding comparisons."""
        if isinstance(node, Atom):
            n = counter[0]
            counter[0] += 1
            return f"_s{n}", [(n, [])]
        if isinstance(node, Constant):
            return repr("pass" if node.value else "fail"), []
        groups[0] += 1
        name = f"_g{groups[0]}"
        if isinstance(node, NotOf):
            child, atoms = walk(node.child, counter)
            lines.append(f"    {name} = _NEG[{child}]")
            return name, atoms
        parts = [walk(child, counter) for child in node.children]
        statuses = "(" + "".join(f"{part[0]}, " for part in parts) + ")"
        decide, other = ("fail", "pass") if isinstance(node, AllOf) else ("pass", "fail")
        lines.append(f"    {name} = {decide!r} if {decide!r} in {statuses} else 'unknown' "
                     f"if 'unknown' in {statuses} else {other!r}")
        return name, [(n, [*conditions, f"{part[0]} == {name}"])
                      for part in parts for n, conditions in part[1]]

    root, atoms = walk(raw.condition, [0])
    statuses = {status: writer.statuses.get(status) or writer.status(status)
                for status in _STATUSES}
    # Only statuses whose message is "literal{why}literal" are written here.
    heads = {status: made[0] for status, made in statuses.items() if made[2] is None}
    tails = {status: made[1] for status, made in statuses.items() if made[2] is None}
    lines += [f"    _status = {root}",
              f"    if _status not in {constant(heads)}: return None",
              "    _texts = []", "    _objects = []"]
    for n, conditions in atoms:
        _, site, threshold, how = raw.atoms[n]
        test = " and ".join(dict.fromkeys(conditions)) or "True"
        lines.append(f"    if {test}:")
        if how == KEPT_RECORD:
            lines.append(f"        _w = _from_record(_a{n}, _LANG, _MEMO)")
        else:
            shown = f"_t{n}" if how == KEPT_THRESHOLD else constant(threshold)
            site_id = constant(id(site))
            lines += [
                f"        if _s{n} == 'unknown': _w = _from_record(_a{n}, _LANG, _MEMO)",
                "        else:",
                f"            _kind = _type(_a{n})",
                f"            _key = ({site_id}, _s{n}, _kind, _a{n}) if _kind in _KEYED else None",
                "            _w = _MEMO.get(_key) if _key is not None else None",
                f"            if _w is None or _w[0] is not {shown}:",
                (f"                _w = {constant(_writer(site, lang))}"
                 f"(_s{n}, _a{n}, {shown}, (), None, _key)"),
            ]
        lines += ["        _texts.append(_w[2])", "        _objects.append(_w[3])"]
    lines += [
        "    _count = _len(_texts)",
        "    if _count == 1: _why = _texts[0]",
        f"    elif not _texts: _why = {constant({s: _escaped(w) for s, w in STATUS_WORD[lang].items()})}[_status]",
        f"    elif _len(_set(_texts)) == _count: _why = {constant(writer.escaped_separator)}.join(_texts)",
        f"    else: _why = {constant(writer.escaped_separator)}.join(_dict.fromkeys(_texts))",
    ]
    # The values: each fact by its schema's type, or the general way.
    values = [f"_v{i}" for i in range(len(facts))]
    for name, (_, slot) in zip(values, facts):
        lines.append(f"    {name} = _facts[{slot}]")
    if values:
        pieces: list[str] = []
        for i, (name, (path, _)) in enumerate(zip(values, facts)):
            info = writer._schema.fields.get(path)
            kind = info.kind if info is not None else None
            key = constant(("{" if i == 0 else ", ") + _string(path) + ": ")
            if kind == "string":
                text = f"(_string({name}) if _type({name}) is _str else _value({name}))"
            elif kind == "integer":
                text = f"(_int_text({name}) if _type({name}) is _int else _value({name}))"
            elif kind == "boolean":
                text = (f"('true' if {name} is True else 'false' if {name} is False "
                        f"else _value({name}))")
            elif kind == "array":
                text = f"('[]' if _type({name}) is _list and not {name} else _value({name}))"
            else:
                text = f"_value({name})"
            pieces.append(f"{{{key}}}{{{text}}}")
        unread = " or ".join(f"{name} is _U" for name in values)
        lines += [f"    if {unread}: _values = _slow_values(_writer_of_rule, _run, _record)",
                  f"    else: _values = f\"{''.join(pieces)}}}}}\""]
    else:
        lines.append("    _values = '{}'")
    lines.append(f"    return f\"{{{constant(heads)}[_status]}}{{_why}}{{{constant(tails)}[_status]}}"
                 f"{{_values}}{{{constant(writer.source)}}}{{', '.join(_objects)}}]}}}}\"")
    source = "def _code(_raw, _facts, _run, _record):\n" + "\n".join(lines) + "\n"
    scope: dict[str, Any] = {
        "__builtins__": {}, "_NEG": NEGATE, "_from_record": _from_record, "_LANG": lang,
        "_MEMO": _MEMOS[lang], "_type": type, "_KEYED": _KEYED, "_set": set, "_dict": dict, "_len": len,
        "_string": _string, "_value": _value, "_str": str, "_int": int, "_list": list,
        "_int_text": int.__repr__, "_U": UNREAD, "_slow_values": _RuleWriter.values,
        "_writer_of_rule": writer, **constants}
    exec(compile(source, "<rulepack json>", "exec"), scope)  # noqa: S102
    code: _ReasonCode = scope["_code"]
    return code


def _literal(parts: list[_Part], text: str) -> None:
    """Append literal text, joined to a literal before it: "title: {why}" is three parts."""
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)


# -- checks -----------------------------------------------------------------------------------

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
# Checks written lately, by language and key: most sites see a few values again and again (an
# enum, a boolean, a count, the threshold itself). An entry holds its site, so that no other
# site takes the id in its key while it stands, and its threshold, which the key leaves out
# (see _site). A full memo is emptied; a check whose object is long (a long string) is not
# remembered, so memory stays bounded.
_MEMOS: dict[str, dict[_Key, _Written]] = {lang: {} for lang in _LANGS}
_MEMO = 4096
_MEMO_TEXT = 1024
# Actual values that key a memo (with their type: 1 == 1.0 == True, but each has its own text).
_KEYED = frozenset({str, int, bool, float, type(None)})


def _writer(site: CheckSite, lang: Lang) -> _Write:
    """The writer of the checks of ``site``, made and kept."""
    sites = _SITES[lang]
    known = sites.get(id(site))
    if known is None:
        known = _site(site, lang)
        _remember(sites, id(site), known)
    return known[1]


def _site(site: CheckSite, lang: Lang) -> _Site:
    """The writer of the checks of ``site``."""
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
    memo = _MEMOS[lang]

    def write(status: str, actual: Any, threshold: Any, missing: tuple[str, ...],
              error: str | None, key: _Key | None) -> _Written:
        begin = starts.get(status) or f'{start}{_encode(status)}, "text": '
        if op is None or status == "unknown":
            # Check.from_record keeps neither operator nor threshold: no gap, no param.
            text = words(status, actual, None, None, missing, error)
            escaped = _string(text)
            out = begin + escaped + path
            if error is not None:
                out += ', "error": ' + _value(error)
            if status != "unknown" or actual is not None:
                out += ', "actual": ' + _value(actual)
            if missing:
                out += ', "missing": ' + _value(missing)
            out += "}"
        else:
            gap = check_gap(op, actual, threshold) if status == "fail" else None
            text = words(status, actual, threshold, gap, (), None)
            escaped = _string(text)
            out = (f'{begin}{escaped}{compared}{_value(actual)}'
                   f', "threshold": {_value(threshold)}')
            out += "}" if gap is None else f', "gap": {_value(gap)}}}'
        written = (threshold, text, escaped[1:-1], out, site)
        # Remembered with its threshold, whose identity the key leaves out: a threshold is a
        # param or a literal, the same object every time, and only one that cannot change
        # (a plain value or a tuple of them) is remembered. Of floats, neither zero (0.0 and
        # -0.0 are equal, and written apart) nor NaN (never equal, a key never found again).
        if key is not None and len(out) <= _MEMO_TEXT and (type(threshold) in _PLAIN or (
                type(threshold) is tuple and _PLAIN.issuperset(map(type, threshold)))) and (
                key[2] is not float or (actual and not math.isnan(actual))):
            if len(memo) >= _MEMO:
                memo.clear()
            memo[key] = written
        return written

    limit_words = _render.limit_words(site, lang)
    if limit_words is None:
        return site, write
    # A check against a limit, of numbers of exactly int and float (fans, an average): the
    # commonest check whose values vary, so the one most often written rather than
    # remembered. Its words, gap and JSON written straight from the numbers.
    number = _render.plain_number
    gap_of = _GAPS[cast(str, op)]

    def int_forms(shown_limit: str, json_limit: str) -> dict[str, _Forms]:
        """Per status, the text (as it is and escaped) and JSON object of a check of an int
        against this int threshold, as functions of (actual, gap): an f-string writes an int
        as plain_number (``{:,}``) and as JSON (``{}``) does. Made by wording the check with
        markers where its numbers go."""
        forms: dict[str, _Forms] = {}
        for status in ("pass", "fail"):
            text = limit_words(status, _MARK_ACTUAL, shown_limit,
                               _MARK_GAP if status == "fail" else None)
            if text.count(_MARK_ACTUAL) != 1 or text.count(_MARK_GAP) > 1:
                continue  # a label with a marker in it: written the usual way
            escaped = _string(text)[1:-1]  # markers are not escaped
            made = (f'{starts[status]}"{escaped}"{compared}{_MARK_ACTUAL_JSON}'
                    f', "threshold": {json_limit}')
            made += f', "gap": {_MARK_GAP_JSON}}}' if status == "fail" else "}"
            forms[status] = (_format(text), None if escaped == text else _format(escaped),
                             _format(made))
        return forms

    # The threshold last seen, shown, in JSON and in the formats above (when an int): the
    # same object check after check.
    last: list[tuple[Any, str, str, dict[str, _Forms]]] = [(_UNSEEN, "", "", {})]

    def write_limit(status: str, actual: Any, threshold: Any, missing: tuple[str, ...],
                    error: str | None, key: _Key | None) -> _Written:
        kind, limit = type(actual), type(threshold)
        if status == "unknown" or not (kind is int or kind is float) or not (
                limit is int or limit is float):
            return write(status, actual, threshold, missing, error, key)
        seen = last[0]  # one read: another thread may replace it meanwhile
        if seen[0] is not threshold:
            shown, json_limit = number(threshold), _number_json(threshold)
            seen = (threshold, shown, json_limit,
                    int_forms(shown, json_limit) if limit is int else {})
            last[0] = seen
        form = seen[3].get(status) if kind is int else None
        if form is not None:  # ints both: each number shown once, then put in place
            shown = f"{actual:,}"
            if status == "fail":
                gap = actual - threshold if op == "<=" or op == "<" else threshold - actual
                gap += 1 if op == ">" or op == "<" else 0
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
        begin = starts.get(status) or f'{start}{_encode(status)}, "text": '
        escaped = _string(text)
        out = (f'{begin}{escaped}{compared}{_number_json(actual)}'
               f', "threshold": {seen[2]}')
        out += "}" if gap is None else f', "gap": {_number_json(gap)}}}'
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
# A check's text, the text escaped (None: the text itself), and its JSON object, each a
# function of (actual shown, gap shown, actual, gap).
_Form = Callable[[str, str, int, "int | None"], str]
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


def _number_json(value: float) -> str:
    """``_value(value)`` of a value of type exactly int or float."""
    if type(value) is int:
        return int.__repr__(value)
    text = float.__repr__(value)
    return _NOT_FINITE.get(text, text)


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
