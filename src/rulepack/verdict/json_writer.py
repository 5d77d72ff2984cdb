"""Verdicts written as JSON straight from their evaluation's records.

:func:`render` gives exactly ``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, without
building :class:`~rulepack.verdict.data.Reason` and :class:`~rulepack.verdict.data.Check`
objects or the dict: batch output renders every verdict, and the objects cost several times
what the JSON does. What does not depend on the document is written once per plan and language
and kept in the plan's ``renderings`` (:class:`_PlanWriter`): the start of the verdict's object,
and per rule the start of its reason's object, its source and its message templates in pieces.
Checks are written by :mod:`rulepack.verdict.json_checks`, values by
:mod:`rulepack.verdict.json_values`.

A reason whose rule recorded errors (their words join its message) is rare and takes the
reference path: its reason's ``to_dict``, encoded by the same encoder json.dumps uses. Its other
details (table rows, score lines, results missing) are written as they are, the missing ones'
words added to the message as ``Reason.why`` adds them.

Safe for threads by construction: a plan's writer is made whole before it is put in the plan's
``renderings``, and what a writer keeps of the last verdict (its instant's text) is one tuple,
replaced whole; two threads that miss at once each make one, and one of them is kept. A rule
writer's remembered table details are texts put whole under keys that say all they depend on:
two threads may both add one, and pass the bound by a few.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Protocol, cast

from rulepack.facts.schema import FactSchema
from rulepack.model.logic import NEGATE, Status
from rulepack.model.pack import (
    Atom,
    Condition,
    Constant,
    Lang,
    NotOf,
    Pack,
    Rule,
    TableRule,
)
from rulepack.verdict import wording
from rulepack.verdict.json_checks import KEYED, Memo, site_writer, write_record
from rulepack.verdict.json_values import (
    encode,
    engine_json,
    escaped,
    fields_json,
    sequence_json,
    string_json,
    value_json,
)
from rulepack.verdict.kept import KEPT_RECORD, KEPT_THRESHOLD, UNREAD, RawAtom, RawCondition
from rulepack.verdict.records import (
    DEFAULT_MESSAGE,
    LANGS,
    STATUS_WORD,
    STATUSES,
    CheckRecord,
)

# The verdict's object from its outcome to the value of "result".
_OUTCOMES: dict[str, str] = {
    status: f', "outcome": {string_json(status)}, "result": ' for status in STATUSES}
# The key of a plan's writer among its renderings, by language.
_RENDERING: dict[str, str] = {lang: f"json.{lang}" for lang in LANGS}

# Fact paths, each with its place in the facts compiled code kept (-1: none).
_Facts = tuple[tuple[str, int], ...]


class Plan(Protocol):
    """What rendering reads of a plan (``Plan`` of rulepack.engine.interpreter)."""

    @property
    def pack(self) -> Pack: ...
    @property
    def schema(self) -> FactSchema: ...
    @property
    def facts_of(self) -> Mapping[int, tuple[_Facts, _Facts]]: ...
    @property
    def rules_code(self) -> object | None: ...
    @property
    def raw_conditions(self) -> Mapping[int, RawCondition]: ...
    @property
    def renderings(self) -> dict[str, Any]: ...


class Reason(Protocol):
    """What rendering reads of a reason: its dict, the reference."""

    def to_dict(self, lang: Lang = ...) -> dict[str, Any]: ...


class Records(Protocol):
    """What rendering reads from a verdict's explanation (``_Run`` of rulepack.engine.interpreter):
    the record of every rule, in pack order, and what the records need to be read."""

    @property
    def records(self) -> tuple[Any, ...]: ...
    @property
    def result(self) -> Mapping[str, Any]: ...
    @property
    def today(self) -> dt.date: ...
    @property
    def as_of(self) -> dt.datetime: ...
    @property
    def plan(self) -> Plan: ...
    @property
    def facts(self) -> tuple[Any, ...]: ...
    def reason(self, record: Any) -> Reason: ...
    def rule_checks(self, record: Any) -> tuple[CheckRecord, ...]: ...
    def rule_values(self, record: Any) -> dict[str, Any]: ...


def render(pack: Pack, as_of: dt.datetime, outcome: str, result: Mapping[str, Any],
           missing: tuple[str, ...], run: Records, lang: Lang) -> str:
    """``json.dumps(verdict.to_dict(lang), ensure_ascii=False)`` of the applicable verdict with
    these fields and explanation, written directly."""
    writer = run.plan.renderings.get(_RENDERING[lang])
    if writer is None:
        plan = run.plan
        writer = plan.renderings[_RENDERING[lang]] = _PlanWriter(plan, lang)
    # The verdict's text in pieces, joined once.
    out = [writer.start(pack, as_of),
           _OUTCOMES.get(outcome) or f', "outcome": {value_json(outcome)}, "result": ',
           fields_json(result) if result else "{}", ', "reasons": [']
    records = run.records
    facts = run.facts
    # The records are those of the pack's rules, in order: each with its rule's writer and
    # generated writer, looked for if not.
    rules = writer.by_place if len(writer.by_place) == len(records) else ()
    for place, record in enumerate(records):
        if place:
            out.append(", ")
        if rules and rules[place][0] is record[0]:
            _, code, rule_writer = rules[place]
        else:
            rule_writer = writer.of(record[0])
            code = rule_writer.code
        if code is not None and record[3] is not None and not record[4]:
            text = code(record[2], facts, run, record)
            if text is not None:
                out.append(text)
                continue
        rule_writer.write(run, record, out)
    out.append(f'], "missing": {value_json(missing)}}}' if missing else '], "missing": []}')
    return "".join(out)


class _PlanWriter:
    """The fixed parts of the verdicts of one plan in one language."""

    __slots__ = ("_head", "_last", "_pack", "_plan", "by_place", "lang", "memo", "rules")

    def __init__(self, plan: Plan, lang: Lang) -> None:
        self._plan, self._pack, self.lang = plan, plan.pack, lang
        self._head = _head(plan.pack)
        # The instant last written, and the verdict's object up to its outcome: the verdicts
        # of a batch mostly share it.
        self._last: tuple[dt.datetime | None, str] = (None, "")
        # The checks of this plan's verdicts written lately (see json_checks.Memo).
        self.memo: Memo = {}
        self.rules = tuple([_RuleWriter(rule, plan, lang, self.memo)
                            for rule in plan.pack.rules])
        if plan.rules_code is not None:  # records kept raw: each rule's writer of its own
            for writer in self.rules:
                writer.code = writer.compiled(plan)
        # Per rule in pack order: the rule, its generated writer (or None), its writer.
        self.by_place = tuple([(writer.rule, writer.code, writer) for writer in self.rules])

    def start(self, pack: Pack, as_of: dt.datetime) -> str:
        """The verdict's object up to its outcome."""
        last = self._last  # one read: another thread may replace it meanwhile
        if last[0] is as_of and pack is self._pack:  # neither can change: the same text
            return last[1]
        text = (self._head if pack is self._pack else _head(pack)) + \
            string_json(as_of.isoformat())
        if pack is self._pack:
            self._last = (as_of, text)
        return text

    def of(self, rule: Rule) -> _RuleWriter:
        """The writer of ``rule``'s reasons, for a record out of the pack's order."""
        for writer in self.rules:
            if writer.rule is rule:
                return writer
        return _RuleWriter(rule, self._plan, self.lang, self.memo)  # not the plan's: not kept


def _head(pack: Pack) -> str:
    """The verdict's object up to the value of "as_of"."""
    return (f'{{"pack": {encode(pack.id)}, "version": {encode(pack.version)}, '
            f'"digest": {encode(pack.digest)}, "as_of": ')


_CHECKS = ', "checks": ['
# The words of each status, escaped as in JSON, by language.
_ESCAPED_WORD: dict[str, dict[str, str]] = {
    lang: {status: escaped(word) for status, word in words.items()}
    for lang, words in STATUS_WORD.items()}
# The kinds of rule whose details the engine keys with texts of its own at every depth.
_ENGINE_KEYED = frozenset({"score", "table"})
# The most texts of a table's details one rule's writer remembers.
_ROWS_REMEMBERED = 256
# Placeholders that never show a fact of the rule: the moments, and those named by these.
_MOMENTS = frozenset({"today", "as_of"})
_NAMED = ("params.", "result.")
# The facts a message's placeholders are given when none of them shows a fact.
_NO_VALUES: Mapping[str, Any] = MappingProxyType({})

# A message template in parts: literal text, None for {why}, or a placeholder's function of
# (the values the rule read, the evaluation).
_Part = str | None | Callable[[Mapping[str, Any], Records], str]
# Per status: the reason's object up to the message's first character, from its last one to
# the value of "values", and the message's parts, or None when it is "literal{why}literal"
# (the literals are then escaped into the first two).
_Status = tuple[str, str, tuple[_Part, ...] | None]


class _RuleWriter:
    """The fixed parts of one rule's reasons in one language, and the writer of a reason."""

    __slots__ = ("_facts_shown", "_lang", "_pack", "_places", "_row_sources", "_rows",
                 "_schema", "_source", "code", "escaped_separator", "memo", "rule", "separator",
                 "source", "statuses")

    def __init__(self, rule: Rule, plan: Plan, lang: Lang, memo: Memo) -> None:
        self.rule, self._pack, self._schema, self._lang = rule, plan.pack, plan.schema, lang
        self.memo = memo
        self.separator = wording.join_checks(["", ""], lang)
        self.escaped_separator = escaped(self.separator)
        # The reason's source, then its checks; a table's reason may have the sources of the
        # rows that decided between them (see write).
        self._source = f', "source": {encode(rule.source.to_dict())}'
        self.source = self._source + _CHECKS
        # A table's rows' own sources, encoded, by row id.
        self._row_sources: dict[str, str] = {
            row.id: encode(row.source.to_dict()) for row in rule.cited_rows(rule.row_ids)
            if row.source is not None} if isinstance(rule, TableRule) else {}
        # A table's details written lately, by (their keys, its rows' statuses, the rows that
        # matched): a table has few rows, and its documents mostly fall in a few of them.
        self._rows: dict[tuple[Any, ...], str] = {}
        # The statuses whose message has a placeholder that may show a fact of the rule (not
        # why, title, today, as_of, a param or a result field).
        self._facts_shown: set[str] = set()
        self.statuses = {status: self._status(status) for status in STATUSES}
        # The facts of the reason's values last seen (Plan.facts_of), and the text before each
        # value with its place among the facts compiled code kept; None if one has none.
        # (Each pair is one attribute, replaced whole: another thread may read it meanwhile.)
        self._places: tuple[Any, tuple[tuple[str, int], ...] | None] = (None, None)
        # The generated writer of this rule's reasons when its records are kept raw (set by
        # the plan's writer before it is published; see _reason_code).
        self.code: _ReasonCode | None = None

    def compiled(self, plan: Plan) -> _ReasonCode | None:
        """A generated writer of this rule's reasons in ``plan``, or None where the general way
        must write them: a rule the plan's code did not evaluate raw, a condition with two
        atoms of one text (their checks are merged), a fact it did not keep."""
        rule = self.rule
        raw = plan.raw_conditions.get(id(rule.require)) if rule.kind == "check" else None
        facts = plan.facts_of[id(rule)][1]
        if raw is None or not raw.distinct or not all(slot >= 0 for _, slot in facts):
            return None
        return _reason_code(self, raw, facts, lang=self._lang)

    def write(self, run: Records, record: Any, out: list[str]) -> None:
        """Append one reason's object, as ``encode(run.reason(record).to_dict(lang))`` would
        write it, to ``out``."""
        details = record[4]
        checks = run.rule_checks(record)
        # Results left unknown for want of facts no check names: their words join the
        # checks' (as Reason.why adds them).
        wanting = details.get("missing") if details else None
        if wanting and any(check[4] for check in checks):
            wanting = None
        if (details and "errors" in details) or (wanting and (
                type(wanting) is not list or not all(type(path) is str for path in wanting))):
            # Errors have words of their own: the reference writes them.
            out.append(encode(run.reason(record).to_dict(self._lang)))
            return
        status = record[1]
        head, tail, parts = self.statuses.get(status) or self._status(status)
        # The checks' texts escaped (and as they are, for a message with placeholders), and
        # their objects.
        texts: list[str] = []
        plain: list[str] = []
        objects: list[str] = []
        lang, memo = self._lang, self.memo
        for check in checks:
            written = write_record(check, lang, memo)
            texts.append(written[2])
            objects.append(written[3])
            if parts is not None:
                plain.append(written[1])
        if parts is None:  # the message is "literal{why}literal", and written escaped in pieces
            why = _why(texts, escaped(wording.missing_text(wanting, lang)) if wanting else "",
                       _ESCAPED_WORD[lang][status], self.escaped_separator)
            out += (head, why, tail, self.values(run, record))
        else:
            out += self._up_to_source(head, tail, parts, status, plain, wanting, run, record)
        if not details:
            out += (self.source, ", ".join(objects), "]}")
            return
        # A table's rows and the ones that matched: the sources of those that cite their own
        # sentence go between the reason's source and its checks, as Reason.to_dict puts them.
        matched = details.get("matched") if self._row_sources else None
        rows = cast(TableRule, self.rule).cited_rows(matched) if matched else ()
        if rows:
            cited = ", ".join([self._row_sources[row.id] for row in rows])
            out += (self._source, ', "row_sources": [', cited, "]", _CHECKS)
        else:
            out.append(self.source)
        out += (", ".join(objects), '], "details": ', self.details(details), "}")

    def details(self, details: Mapping[str, Any]) -> str:
        """``value_json(details)``, remembered for a table's rows and the ones that matched."""
        rows, matched = details.get("rows"), details.get("matched")
        if len(details) != 2 or type(rows) is not dict or type(matched) is not list:
            # A score's details, or a table's with more than its rows: their keys are the
            # engine's own texts at every depth.
            return engine_json(details) if self.rule.kind in _ENGINE_KEYED else \
                value_json(details)
        # The two keys' order is part of the text; the row ids and statuses are the engine's
        # own strings (the pairs of rows.items() mark where the matched ids begin).
        key = (*details, *rows.items(), *matched)
        text = self._rows.get(key)
        if text is None:
            text = value_json(details)
            if len(self._rows) < _ROWS_REMEMBERED:
                self._rows[key] = text
        return text

    def _up_to_source(self, head: str, tail: str, parts: tuple[_Part, ...], status: str,
                      texts: list[str], wanting: list[str] | None, run: Records,
                      record: Any) -> tuple[str, str, str, str]:
        """The reason's object up to its source, for a message with placeholders, filled as
        ``Reason.message`` fills it: ``texts`` are the deciding checks' words, ``wanting``
        the results missing that no check names."""
        lang = self._lang
        why = _why(texts, wording.missing_text(wanting, lang) if wanting else "",
                   STATUS_WORD[lang][status], self.separator)
        if status in self._facts_shown:  # a placeholder shows a fact: the facts by path
            values = run.rule_values(record)
            return head, escaped(self.fill(parts, why, values, run)), tail, fields_json(values)
        return head, escaped(self.fill(parts, why, _NO_VALUES, run)), tail, \
            self.values(run, record)

    def filled(self, status: Status, texts: list[str], objects: list[str], run: Records,
               record: Any) -> str:
        """The reason of a check rule whose message has placeholders, from its deciding
        checks' words and objects (for generated writers)."""
        head, tail, parts = self.statuses[status]
        return "".join((*self._up_to_source(head, tail, cast(tuple[_Part, ...], parts), status,
                                            texts, None, run, record),
                        self.source, ", ".join(objects), "]}"))

    def values(self, run: Records, record: Any) -> str:
        """``fields_json(run.rule_values(record))``: from the facts compiled code kept, when it
        kept them all."""
        facts = run.plan.facts_of[id(record[0])][record[1] != "skipped"]
        made_for, places = self._places
        if facts is not made_for:
            places = tuple(
                (("{" if i == 0 else ", ") + string_json(path) + ": ", slot)
                for i, (path, slot) in enumerate(facts)) if all(
                slot >= 0 for _, slot in facts) else None
            self._places = (facts, places)
        kept = run.facts
        if not facts:
            return "{}"
        if places is not None and kept:
            out: list[str] = []
            for key, slot in places:
                value = kept[slot]
                if value is UNREAD:  # absent, or not read: rule_values looks further
                    break
                out += (key, value_json(value))
            else:
                out.append("}")
                return "".join(out)
        return fields_json(run.rule_values(record))

    def _status(self, status: str) -> _Status:
        """The fixed parts of a reason with ``status``."""
        rule, lang = self.rule, self._lang
        start = (f'{{"rule": {encode(rule.id)}, "kind": {encode(rule.kind)}, '
                 f'"status": {encode(status)}, "message": "')
        end = '", "values": '
        parts, shows_facts = self._parts(
            rule.messages.by_status.get(status, DEFAULT_MESSAGE).get(lang))
        if shows_facts:
            self._facts_shown.add(status)
        if len(parts) == 3 and parts[1] is None:  # "literal{why}literal": most messages
            made: _Status = (start + escaped(cast(str, parts[0])),
                             escaped(cast(str, parts[2])) + end, None)
        else:
            made = (start, end, parts)
        return made

    @staticmethod
    def fill(parts: tuple[_Part, ...], why: str, values: Mapping[str, Any],
             run: Records) -> str:
        return "".join([why if part is None else part if isinstance(part, str)
                        else part(values, run) for part in parts])

    def _parts(self, template: str) -> tuple[tuple[_Part, ...], bool]:
        """``template`` as ``Reason.message`` fills it, adjacent literals joined; and whether
        a placeholder may show a fact of the rule (not today, as_of, a param or a result)."""
        lang = self._lang
        parts: list[_Part] = []
        shows_facts = False
        for literal, name, spec in wording.pieces(template):
            _literal(parts, literal)
            if name == "why":
                parts.append(None)
            elif name == "title":
                title = self.rule.title.get(lang)
                _literal(parts, title if isinstance(title, str)
                         else wording.fmt(title, lang, spec=spec))
            elif name is not None:
                parts.append(self._placeholder(name, spec))
                shows_facts = shows_facts or (name not in _MOMENTS and not name.startswith(_NAMED))
        _literal(parts, "")
        return tuple(parts), shows_facts

    def _placeholder(self, name: str, spec: str) -> Callable[[Mapping[str, Any], Records], str]:
        """A placeholder other than why and title, looked up where ``Reason.message`` looks."""
        lang = self._lang
        if name in ("today", "as_of"):
            def moment(values: Mapping[str, Any], run: Records) -> str:
                return wording.fmt(run.today if name == "today" else run.as_of, lang, spec=spec)
            return moment
        # A fact the rule read shows with its units; else params and results by name.
        # Codes in words: a fact's from the fact schema, a result field's from the pack.
        labels = self._pack.value_labels.get(name[7:]) if name.startswith("result.") \
            else self._schema.value_labels.get(name)
        show = wording.shower(lang, rate=self._schema.is_rate(name), spec=spec, labels=labels)
        params = self._pack.params
        constant = "?"
        if name.startswith("params.") and name[7:] in params:
            constant = wording.fmt(params[name[7:]], lang, spec=spec)

        field = name[7:] if name.startswith("result.") else None
        # A result field shows as fmt(value, lang, spec=spec, labels=labels) shows it: never
        # as a rate (show is one unless a fact path begins "result.").
        show_field = wording.shower(lang, spec=spec, labels=labels) \
            if self._schema.is_rate(name) else show

        def placeholder(values: Mapping[str, Any], run: Records) -> str:
            if name in values:
                return show(values[name])
            if field is not None:
                result = run.result
                if field in result:
                    return show_field(result[field])
            return constant

        return placeholder


# A reason written whole from (the values its rule's atoms kept, the facts kept, the
# evaluation, its rule record); None when the general way must write it.
_ReasonCode = Callable[[tuple[Any, ...], tuple[Any, ...], Any, Any], "str | None"]


def _reason_code(writer: _RuleWriter, raw: RawCondition, facts: tuple[tuple[str, int], ...],
                 lang: Lang) -> _ReasonCode:
    """One function writing the reasons of one rule evaluated raw, in one language: the code of
    :meth:`_RuleWriter.write` and :meth:`_RuleWriter.values` unrolled for this rule's atoms
    and facts.

    Which atoms decide is written as comparisons of statuses (an atom decides when it has the
    status of every group above it, as `_Run.condition` picks); each deciding check comes from
    the memo or its site's writer; each fact is written by the type its schema gives it, any
    other value the general way. A status whose message has placeholders has its deciding
    checks written here and its message filled by :meth:`_RuleWriter.filled`; facts the
    evaluation did not keep are found the general way.

    What it buys, measured with ``PYTHONPATH=src python bench/json_cost.py --docs 10000
    --rounds 5`` against the same code with :meth:`_RuleWriter.compiled` returning None (every
    reason by :meth:`_RuleWriter.write`), in turns on one machine: the to_json row at 29.7 and
    33.0 µs a document with it, 50.2 and 41.5 without (1.3 to 1.7 times slower): it stays.
    """
    code = _SourceWriter()
    # The values kept, unpacked: status and value (or record) of every atom, and its threshold
    # when that was kept too.
    names: list[str] = []
    for n, (_, _, _, how) in enumerate(raw.atoms):
        names += [f"_s{n}", f"_a{n}"] + ([f"_t{n}"] if how == KEPT_THRESHOLD else [])
    if names:
        code.line(f"{', '.join(names)}, = _raw")
    root, deciding = code.statuses(raw.condition, [0])
    made = writer.statuses
    # Statuses whose message is "literal{why}literal" are written here whole.
    heads = code.constant({status: m[0] for status, m in made.items() if m[2] is None})
    tails = code.constant({status: m[1] for status, m in made.items() if m[2] is None})
    code.line(f"_status = {root}")
    # A status whose message has placeholders: the checks' words as they are, and the
    # writer's own filling.
    code.line(f"_filled = _status not in {heads}")
    code.line("_texts = []")
    code.line("_objects = []")
    for n, tests in deciding:
        code.line(f"if {' and '.join(dict.fromkeys(tests)) or 'True'}:")
        code.check(n, raw.atoms[n], lang)
    code.line("if _filled: return _writer_of_rule.filled(_status, _texts, _objects, _run, "
              "_record)")
    words = code.constant(_ESCAPED_WORD[lang])
    separator = code.constant(writer.escaped_separator)
    code.line(f"_why = _why_of(_texts, '', {words}[_status], {separator})")
    code.values(facts, writer._schema)
    source = code.constant(writer.source)
    code.line(f"return f\"{{{heads}[_status]}}{{_why}}{{{tails}[_status]}}{{_values}}"
              f"{{{source}}}{{', '.join(_objects)}}]}}}}\"")
    function: _ReasonCode = code.build(
        "_code(_raw, _facts, _run, _record)", lang, writer.memo,
        {"_slow_values": _RuleWriter.values, "_writer_of_rule": writer})
    return function


class _SourceWriter:
    """The source of one generated reason writer, line by line, and the constants it names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.groups = 0

    def line(self, text: str, indent: int = 1) -> None:
        self.lines.append("    " * indent + text)

    def constant(self, value: Any) -> str:
        name = f"_k{len(self.constants)}"
        self.constants[name] = value
        return name

    def statuses(self, node: Condition, counter: list[int]) \
            -> tuple[str, list[tuple[int, list[str]]]]:
        """Lines computing the status of every group of ``node``; its status's expression,
        and each atom below with the comparisons that make it deciding (as _kept's _deciding
        picks, and in the same order as the atoms were kept)."""
        if isinstance(node, Atom):
            n = counter[0]
            counter[0] += 1
            return f"_s{n}", [(n, [])]
        if isinstance(node, Constant):
            return repr("pass" if node.value else "fail"), []
        self.groups += 1
        name = f"_g{self.groups}"
        if isinstance(node, NotOf):
            child, atoms = self.statuses(node.child, counter)
            self.line(f"{name} = _NEG[{child}]")
            return name, atoms
        parts = [self.statuses(child, counter) for child in node.children]
        members = "(" + "".join(f"{part[0]}, " for part in parts) + ")"
        self.line(f"{name} = {node.junction.source(members)}")
        return name, [(n, [*tests, f"{part[0]} == {name}"])
                      for part in parts for n, tests in part[1]]

    def check(self, n: int, atom: RawAtom, lang: Lang) -> None:
        """Lines adding deciding atom ``n``'s check to ``_texts`` and ``_objects``: from the
        memo when it is there (_reason's loop, unrolled), else from its site's writer."""
        _, site, threshold, how = atom
        if how == KEPT_RECORD:
            self.line(f"_w = _write_record(_a{n}, _LANG, _MEMO)", 2)
        else:
            shown = f"_t{n}" if how == KEPT_THRESHOLD else self.constant(threshold)
            site_id = self.constant(id(site))
            write = self.constant(site_writer(site, lang))
            self.line(f"if _s{n} == 'unknown': _w = _write_record(_a{n}, _LANG, _MEMO)", 2)
            self.line("else:", 2)
            self.line(f"_kind = _type(_a{n})", 3)
            self.line(f"_key = ({site_id}, _s{n}, _kind, _a{n}) if _kind in _KEYED else None", 3)
            self.line("_w = _MEMO.get(_key) if _key is not None else None", 3)
            self.line(f"if _w is None or _w[0] is not {shown}:", 3)
            self.line(f"_w = {write}(_s{n}, _a{n}, {shown}, (), None, _MEMO, _key)", 4)
        self.line("_texts.append(_w[1] if _filled else _w[2])", 2)
        self.line("_objects.append(_w[3])", 2)

    def values(self, facts: tuple[tuple[str, int], ...], schema: FactSchema) -> None:
        """Lines writing the reason's values into ``_values``: each fact by the type its schema
        gives it, any other value the general way; all of them the general way (which reads
        the document) when one was not kept."""
        if not facts:
            self.line("_values = '{}'")
            return
        pieces: list[str] = []
        for i, (path, slot) in enumerate(facts):
            name = f"_v{i}"
            self.line(f"{name} = _facts[{slot}]")
            info = schema.fields.get(path)
            key = self.constant(("{" if i == 0 else ", ") + string_json(path) + ": ")
            pieces.append(f"{{{key}}}{{{_VALUE_BY_KIND.get(info.kind if info else '', _ANY)}}}"
                          .replace("_V", name))
        unread = " or ".join(f"_v{i} is _U" for i in range(len(facts)))
        self.line(f"if {unread}: _values = _slow_values(_writer_of_rule, _run, _record)")
        self.line(f"else: _values = f\"{''.join(pieces)}}}}}\"")

    def build(self, signature: str, lang: Lang, memo: Memo, names: dict[str, Any]) -> Any:
        """The function defined by the lines, with the names they use and no builtins."""
        source = f"def {signature}:\n" + "\n".join(self.lines) + "\n"
        scope: dict[str, Any] = {
            "__builtins__": {}, "_NEG": NEGATE, "_write_record": write_record, "_LANG": lang,
            "_MEMO": memo,
            "_KEYED": KEYED, "_U": UNREAD, "_type": type, "_str": str, "_int": int,
            "_list": list,
            "_int_text": int.__repr__, "_string": string_json, "_value": value_json,
            "_sequence": sequence_json, "_why_of": _why, **names, **self.constants}
        # Source made here: every value from the pack is a named constant of the scope, never
        # source text; it runs with no builtins.
        exec(compile(source, "<rulepack json>", "exec"), scope)
        return scope[signature.split("(", 1)[0]]


# A fact's value written by the type its schema gives it (_V: the value), with the general way
# for any value of another type.
_ANY = "_value(_V)"
_VALUE_BY_KIND = {
    "string": "(_string(_V) if _type(_V) is _str else _value(_V))",
    "integer": "(_int_text(_V) if _type(_V) is _int else _value(_V))",
    "boolean": "('true' if _V is True else 'false' if _V is False else _value(_V))",
    "array": "(_sequence(_V) if _type(_V) is _list else _value(_V))",
}


def _why(texts: list[str], missing: str, word: str, separator: str) -> str:
    """``Reason.why`` from the deciding checks' words (escaped or not, as ``missing``,
    ``word`` and ``separator`` are): each once, then ``missing`` (the words of results missing
    that no check names, or ""), else the status's ``word``."""
    if missing:
        return separator.join([*dict.fromkeys(texts), missing])
    if len(texts) == 1:
        return texts[0]
    if texts:
        return separator.join(texts if len(set(texts)) == len(texts) else dict.fromkeys(texts))
    return word


def _literal(parts: list[_Part], text: str) -> None:
    """Append literal text, joined to a literal before it: "title: {why}" is three parts."""
    if parts and isinstance(parts[-1], str):
        parts[-1] += text
    else:
        parts.append(text)
