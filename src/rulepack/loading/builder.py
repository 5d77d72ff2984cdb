"""The model stage and the types stage: a pack that passed the schema built into the
immutable model of rulepack.model, with every expression compiled and type-checked against the
fact vocabulary."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import ProblemSink, did_you_mean, json_shown
from rulepack.lang.expressions import (
    CompiledExpr,
    CompileError,
    CompileScope,
    FieldInfo,
    Limits,
    compile_expression,
    names_in_template,
)
from rulepack.lang.types import check_types
from rulepack.loading.strings import text_position
from rulepack.model.pack import (
    AllOf,
    AnyOf,
    Assignment,
    Atom,
    CheckRule,
    Condition,
    Constant,
    Deduction,
    Messages,
    NotOf,
    OutputRule,
    Pack,
    Property,
    Row,
    Rule,
    ScoreRule,
    Source,
    TableRule,
    Text,
    Where,
    reads_of,
    result_labels,
)

_STATUS_MESSAGES = ("pass", "fail", "unknown", "skipped")


def canonical_digest(data: Any) -> str:
    """``sha256:`` of the pack's canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Builder:
    """The model stage: a pack that passed the schema stage built into the immutable model,
    every expression compiled (problems RP106-RP109, RP2xx); then the types stage (RP210s):
    :meth:`type_check` type-checks every expression that compiled."""

    def __init__(
        self, doc: yaml_reader.Positioned, sink: ProblemSink, facts: Mapping[str, FieldInfo],
        limits: Limits,
    ) -> None:
        self.doc = doc
        self.sink = sink
        self.facts = facts
        self.limits = limits
        self.data: dict[str, Any] = doc.data
        self.params: dict[str, Any] = dict(self.data.get("params") or {})
        self.results: list[str] = []
        self.rule_id: str | None = None
        # Every expression that compiled, with where it stands, for the types stage.
        self.compiled: list[tuple[CompiledExpr, str, tuple[Any, ...], str | None]] = []

    # -- helpers ----------------------------------------------------------------------------

    def where(self, path: tuple[Any, ...]) -> Where:
        line, column = self.doc.position(path)
        return Where(line, column)

    def expr(self, text: str, path: tuple[Any, ...], extra: frozenset[str] = frozenset()) \
            -> CompiledExpr | None:
        scope = CompileScope(
            facts=self.facts, params=self.params,
            results=frozenset(self.results) | extra, limits=self.limits,
        )
        try:
            compiled = compile_expression(text, scope)
        except CompileError as exc:
            self.expr_problem(exc, text, path, self.rule_id)
            return None
        self.compiled.append((compiled, text, path, self.rule_id))
        return compiled

    def type_check(self) -> None:
        """Kinds are checked on the compiled trees, where every name is resolved; all
        findings are kept, and the pack is rejected with the other problems of its file."""
        for compiled, text, path, rule_id in self.compiled:
            lead = len(text) - len(text.lstrip())
            for finding in check_types(compiled, self.facts, lead=lead):
                self.expr_problem(finding, text, path, rule_id)

    def expr_problem(self, exc: CompileError, text: str, path: tuple[Any, ...],
                     rule_id: str | None) -> None:
        at = text_position(self.doc, path, text, exc.offset)
        self.sink.add(exc.code, exc.message, at=at, rule=rule_id,
                      value=exc.value if exc.value is not None else text, hint=exc.hint)

    def condition(self, raw: Any, path: tuple[Any, ...]) -> Condition:
        if isinstance(raw, bool):
            return Constant(raw)
        if isinstance(raw, str):
            compiled = self.expr(raw, path)
            return Atom(compiled, None, self.where(path)) if compiled else Constant(False)
        if "all" in raw:
            return AllOf(tuple(self.condition(c, path + ("all", i))
                               for i, c in enumerate(raw["all"])))
        if "any" in raw:
            return AnyOf(tuple(self.condition(c, path + ("any", i))
                               for i, c in enumerate(raw["any"])))
        if "not" in raw:
            return NotOf(self.condition(raw["not"], path + ("not",)))
        compiled = self.expr(raw["expr"], path + ("expr",))
        label = _text(raw["label"]) if "label" in raw else None
        return Atom(compiled, label, self.where(path)) if compiled else Constant(False)

    def messages(self, raw: Mapping[str, Any] | None, path: tuple[Any, ...]) -> Messages:
        if not raw:
            return Messages()
        by_status: dict[str, Text] = {}
        for status in _STATUS_MESSAGES:
            if status in raw:
                by_status[status] = _text(raw[status])
        return Messages(by_status)

    def check_messages(self, rule: Rule, raw: Mapping[str, Any], path: tuple[Any, ...]) -> None:
        """Every placeholder of a rule's messages names something that rule can fill."""
        reads = set(reads_of(rule))
        for status, text in (raw or {}).items():
            for lang in ("zh", "en"):
                self.placeholders(text[lang], path + (status, lang), reads)

    def placeholders(self, template: str, path: tuple[Any, ...], reads: set[str]) -> None:
        for name, spec in names_in_template(template):
            if spec == "!unclosed":
                self.sink.add("RP207", "a `{` in the message is never closed", at=self.doc
                              .position(path), rule=self.rule_id, value=template,
                              hint="write {{ for a literal brace")
                continue
            if _placeholder_known(name, self.facts, self.params, self.all_results):
                if name in self.facts and name not in reads:
                    self.sink.add("RP207", f"the placeholder `{{{name}}}` names a fact this rule "
                                  "never reads", at=self.doc.position(path), rule=self.rule_id,
                                  value=name, hint="read it in a condition of the rule, or use "
                                  "a fact it reads: " + (", ".join(sorted(reads)) or "none"))
                continue
            known = ["why", "title", "today", "as_of", *(f"params.{p}" for p in self.params),
                     *(f"result.{r}" for r in self.all_results),
                     *(p for p in self.facts if "[]" not in p)]
            self.sink.add("RP207", f"the placeholder `{{{name}}}` names nothing the rule can "
                          "fill", at=self.doc.position(path), rule=self.rule_id, value=name,
                          hint=did_you_mean(name, known) or "use {why}, a fact path, "
                          "params.NAME or result.NAME")

    # -- pack -------------------------------------------------------------------------------

    def check_params(self) -> None:
        """RP209 a mapping or a number that is not finite, RP214 a number written as text,
        RP206 a text or list longer than an expression may hold: expressions read params as
        literals, so a param over their limits would make every rule that reads it unknown."""
        limits = self.limits
        for name, value in self.params.items():
            if isinstance(value, (dict,)):
                self.sink.add("RP209", f"param `{name}` is a mapping", at=self.doc.position(
                    ("params", name)), value=name)
            if isinstance(value, list) and _list_size(value) > limits.max_built:
                self.sink.add("RP206", f"param `{name}` is a list of {_list_size(value):,} "
                              f"items and characters, more than the {limits.max_built:,} a "
                              "value may hold", at=self.doc.position(("params", name)),
                              value=name, hint="split it into several params")
            for path, item in _param_items(name, value):
                meant = number_meant(item)
                if meant is not None:
                    self.sink.add(
                        "RP214", f"param `{name}` is the text {json_shown(item)}, not a number",
                        at=self.doc.position(path), value=item,
                        hint=f"write {meant} (digits only: YAML reads separators, 万 and 1e5 "
                        "as text)")
                elif isinstance(item, float) and not math.isfinite(item):
                    self.sink.add(
                        "RP209", f"param `{name}` is {item!r}, not a finite number",
                        at=self.doc.position(path), value=repr(item),
                        hint="write a finite number: no rule can meet NaN, and JSON, where "
                        "verdicts go, has neither NaN nor infinity")
                elif isinstance(item, str) and len(item) > limits.max_string:
                    self.sink.add(
                        "RP206", f"param `{name}` is a text of {len(item):,} characters, more "
                        f"than the {limits.max_string:,} an expression may hold",
                        at=self.doc.position(path), value=item,
                        hint="shorten it: a rule that read it could only be unknown")

    def pack(self) -> Pack:
        data = self.data
        self.check_params()
        self.all_results = _declared_results(data["rules"])
        when = self.condition(data["when"], ("when",)) if "when" in data else None
        rules: list[Rule] = []
        seen: dict[str, tuple[int, int]] = {}
        for index, raw in enumerate(data["rules"]):
            path = ("rules", index)
            self.rule_id = raw["id"]
            if raw["id"] in seen:
                self.sink.add("RP106", f"the rule id `{raw['id']}` is used twice",
                              at=self.doc.position(path + ("id",)), rule=raw["id"],
                              value=raw["id"],
                              hint=f"its first use is at line {seen[raw['id']][0]}")
            seen.setdefault(raw["id"], self.doc.position(path))
            rule = self.rule(raw, path)
            self.check_messages(rule, raw.get("message") or {}, path + ("message",))
            rules.append(rule)
        self.rule_id = None
        until = data.get("effective_until")
        start = dt.date.fromisoformat(data["effective_from"])
        end = dt.date.fromisoformat(until) if until else None
        if end is not None and end < start:
            self.sink.add("RP109", f"effective_until {end} comes before effective_from {start}",
                          at=self.doc.position(("effective_until",)), value=until,
                          hint="effective_until is the last day in force: on or after "
                          "effective_from")
        retired = None
        if "retired_from" in data:
            retired = dt.date.fromisoformat(data["retired_from"])
            end = self.retirement(start, end)
        properties = tuple(
            Property(p["id"], p["kind"], dict(p), self.where(("properties", i)))
            for i, p in enumerate(data.get("properties") or [])
        )
        return Pack(
            id=data["id"],
            version=data["version"],
            effective_from=start,
            effective_until=end,
            subject=data["subject"],
            title=_text(data["title"]),
            description=_text(data["description"]),
            sources=tuple(_source(s) for s in data["sources"]),
            params=self.params,
            when=when,
            rules=tuple(rules),
            properties=properties,
            result_fields=tuple(self.results),
            platforms=tuple(data.get("platforms") or ()),
            positions={key: self.where((key,)) for key in ("version", "effective_from",
                                                           "effective_until", "retired_from")
                       if key in data},
            digest=canonical_digest(data),
            file=self.sink.file,
            retired_from=retired,
            value_labels=self.labels(),
        )

    def labels(self) -> dict[str, dict[str, Text]]:
        """The pack's ``labels:`` for its result codes; a field that no rule sets is RP215 (its
        labels would never be shown, most likely a misspelt name)."""
        raw = self.data.get("labels") or {}
        for name in raw:
            if name not in self.results:
                known = ", ".join(self.results) or "none"
                at = self.doc.keys.get(("labels", name)) or self.doc.position(("labels", name))
                self.sink.add("RP215", f"labels for `{name}`, a result field no rule sets",
                              at=at, value=name, hint=f"the pack's result fields: {known}")
        return result_labels(raw)

    def retirement(self, start: dt.date, end: dt.date | None) -> dt.date | None:
        """The last day in force of a version that retires its policy: the day before
        ``retired_from``, which must follow ``effective_from`` and agree with
        ``effective_until`` when both are written (RP111)."""
        text = self.data["retired_from"]
        retired = dt.date.fromisoformat(text)
        at = self.doc.position(("retired_from",))
        last = retired - dt.timedelta(days=1)
        if retired <= start:
            self.sink.add("RP111", f"retired_from {retired} is not after effective_from {start}",
                          at=at, value=text,
                          hint="retired_from is the first day the policy is no longer in force")
        elif end is not None and end != last:
            self.sink.add("RP111", f"retired_from {retired} is not the day after "
                          f"effective_until {end}", at=at, value=text,
                          hint=f"write retired_from: {end + dt.timedelta(days=1)}, or leave "
                          "effective_until out")
        return last

    def rule(self, raw: Mapping[str, Any], path: tuple[Any, ...]) -> Rule:
        kind = raw.get("kind", "check")
        common: dict[str, Any] = {
            "id": raw["id"],
            "title": _text(raw["title"]),
            "source": _source(raw["source"]),
            "when": self.condition(raw["when"], path + ("when",)) if "when" in raw else None,
            "messages": self.messages(raw.get("message"), path + ("message",)),
            "decisive": raw.get("decisive", kind != "output"),
            "where": self.where(path),
        }
        if kind == "table":
            return self.table(raw, path, common)
        if kind == "score":
            return self.score(raw, path, common)
        assignments = self.assignments(raw.get("set") or {}, path + ("set",))
        if kind == "output":
            return OutputRule(**common, assignments=assignments)
        require = self.condition(raw["require"], path + ("require",))
        return CheckRule(**common, require=require, assignments=assignments)

    def assignments(self, raw: Mapping[str, str], path: tuple[Any, ...]) -> tuple[Assignment, ...]:
        out: list[Assignment] = []
        for name, text in raw.items():
            compiled = self.expr(text, path + (name,))
            if compiled is not None:
                out.append(Assignment(name, compiled))
            self.results.append(name)
        return tuple(out)

    def table(self, raw: Mapping[str, Any], path: tuple[Any, ...], common: dict[str, Any]) \
            -> TableRule:
        outputs = tuple(raw["outputs"])
        rows: list[Row] = []
        seen: set[str] = set()
        policy = raw["hit_policy"]
        for index, row in enumerate(raw["rows"]):
            row_path = path + ("rows", index)
            if row["id"] in seen:
                self.sink.add("RP106", f"the row id `{row['id']}` is used twice",
                              at=self.doc.position(row_path + ("id",)), rule=self.rule_id,
                              value=row["id"])
            seen.add(row["id"])
            then: list[tuple[str, Any]] = []
            for name, value in row["then"].items():
                if name not in outputs:
                    self.sink.add("RP102", f"row `{row['id']}` sets `{name}`, which is not one "
                                  "of the table's outputs", at=self.doc.position(
                                      row_path + ("then", name)), rule=self.rule_id, value=name,
                                  hint=did_you_mean(name, outputs)
                                  or f"declare it in outputs: {list(outputs)}")
                if isinstance(value, dict) and "expr" in value:
                    value = self.expr(value["expr"], row_path + ("then", name, "expr"))
                then.append((name, value))
            if policy == "priority" and "priority" not in row:
                self.sink.add("RP102", f"row `{row['id']}` of a priority table needs a "
                              "`priority`", at=self.doc.position(row_path), rule=self.rule_id,
                              hint="higher numbers win")
            rows.append(Row(
                id=row["id"],
                when=self.condition(row["when"], row_path + ("when",)) if "when" in row else None,
                then=tuple(then),
                priority=row.get("priority", 0),
                where=self.where(row_path),
                source=_source(row["source"]) if "source" in row else None,
            ))
        self.results.extend(o for o in outputs if o not in self.results)
        return TableRule(
            **common, hit_policy=policy, outputs=outputs, rows=tuple(rows),
            complete=raw.get("complete", policy != "collect"),
        )

    def score(self, raw: Mapping[str, Any], path: tuple[Any, ...], common: dict[str, Any]) \
            -> ScoreRule:
        def optional(key: str) -> CompiledExpr | None:
            return self.expr(str(raw[key]), path + (key,)) if key in raw else None

        deductions = tuple(
            Deduction(
                id=d["id"],
                when=self.condition(d["when"], path + ("deductions", i, "when"))
                if "when" in d else None,
                points=self.expr(d["points"], path + ("deductions", i, "points"))
                or _never(),
                label=_text(d["label"]) if "label" in d else None,
            )
            for i, d in enumerate(raw["deductions"])
        )
        start = self.expr(str(raw["start"]), path + ("start",))
        floor, ceiling = optional("floor"), optional("ceiling")
        into = raw["into"]
        self.results.append(into["score"])
        if "deducted" in into:
            self.results.append(into["deducted"])
        pass_if = self.condition(raw["pass_if"], path + ("pass_if",)) if "pass_if" in raw \
            else None
        return ScoreRule(
            **common, start=start, deductions=deductions, floor=floor, ceiling=ceiling,
            into_score=into["score"], into_deducted=into.get("deducted"), pass_if=pass_if,
        )


# Numbers as people write them, which YAML reads as text: 100,000 / 1e5 / 10万 / 1.5亿.
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_EXPONENT = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_CHINESE = re.compile(r"([+-]?\d+(?:\.\d+)?)\s*(万|亿)")


def number_meant(text: Any) -> str | None:
    """The number a param written as text most likely means, as digits; None for text that
    is not a number written in one of those ways, or one of more than MAX_INT_DIGITS digits."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if _GROUPED.fullmatch(text):
        value = Decimal(text.replace(",", ""))
    elif _EXPONENT.fullmatch(text):
        value = Decimal(text)
    elif match := _CHINESE.fullmatch(text):
        value = Decimal(match[1]) * (10_000 if match[2] == "万" else 100_000_000)
    else:
        return None
    if abs(value.adjusted()) >= yaml_reader.MAX_INT_DIGITS:
        return None  # 1e99999: more digits than any number of a pack may have
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def _param_items(name: str, value: Any) -> list[tuple[tuple[Any, ...], Any]]:
    """A param's value, or each item of a list param, with its path in the pack."""
    if isinstance(value, list):
        return [(("params", name, index), item) for index, item in enumerate(value)]
    return [(("params", name), value)]


def _list_size(items: list[Any]) -> int:
    """A list param's size as a result field's value is measured: items and characters."""
    return len(items) + sum(len(item) for item in items if isinstance(item, str))


def _never() -> CompiledExpr:
    # Stands in for an expression that failed to compile; the pack is rejected anyway.
    return CompiledExpr("0", ast.Expression(ast.Constant(0)), ())


def _declared_results(rules: list[Mapping[str, Any]]) -> list[str]:
    out: list[str] = []
    for raw in rules:
        out.extend(raw.get("set") or {})
        out.extend(raw.get("outputs") or [])
        into = raw.get("into") or {}
        out.extend(v for v in into.values())
    return out


def _placeholder_known(
    name: str, facts: Mapping[str, FieldInfo], params: Mapping[str, Any], results: list[str],
) -> bool:
    if name in ("why", "title", "today", "as_of"):
        return True
    if name.startswith("params."):
        return name[7:] in params
    if name.startswith("result."):
        return name[7:] in results
    return name in facts and "[]" not in name


def _text(raw: Mapping[str, str]) -> Text:
    return Text(zh=raw["zh"], en=raw["en"])


def _source(raw: Mapping[str, str]) -> Source:
    return Source(seed=raw["seed"], quote=raw["quote"])

