"""Verdicts: what a pack decided about one fact document, and why, as data.

A verdict holds values, not sentences; messages are rendered from it when asked for, in the
language asked for (:meth:`Verdict.to_dict`, :meth:`Reason.message`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rulepack.model.pack import Lang, Messages, Pack, Rule, Source, Status, Text
from rulepack.verdict import json_writer, wording
from rulepack.verdict.json_values import encode
from rulepack.verdict.records import (
    DEFAULT_LANG,
    DEFAULT_MESSAGE,
    LANGS,
    STATUS_WORD,
    CheckRecord,
    CheckSite,
    check_gap,
    to_jsonable,
)

# Names of the records module that users of verdicts import from here.
__all__ = ["DEFAULT_LANG", "DEFAULT_MESSAGE", "NEUTRAL_MARK", "STATUS_MARK", "STATUS_WORD", "Check",
           "CheckRecord", "CheckSite", "Explanation", "Reason", "Verdict", "check_gap",
           "to_jsonable"]

_T = TypeVar("_T")


def _frozen(cls: type[_T], fields: dict[str, Any]) -> _T:
    """An instance of the frozen dataclass ``cls`` with every field given in ``fields``.

    Checks and reasons are made for every explanation read; a frozen dataclass's ``__init__``
    sets each field through ``object.__setattr__``, which costs three times this one step.
    """
    made = object.__new__(cls)
    object.__setattr__(made, "__dict__", fields)
    return made


@dataclass(frozen=True)
class Check:
    """One atomic condition as evaluated: the values it compared and the gap, if any."""

    expr: str
    status: Status
    label: Text | None = None
    path: str | None = None
    actual: Any = None
    op: str | None = None
    threshold: Any = None
    param: str | None = None
    gap: Any = None
    rate: bool = False
    missing: tuple[str, ...] = ()
    error: str | None = None
    # Labels of enum values (``vulgar`` → 低俗色情), for words only; never in to_dict.
    value_labels: Mapping[str, Text] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_record(cls, record: CheckRecord) -> Check:
        site, status, actual, threshold, missing, error = record
        if site.op is None or status == "unknown":
            return _frozen(cls, {
                "expr": site.text, "status": status, "label": site.label, "path": site.path,
                "actual": actual, "op": None, "threshold": None, "param": None, "gap": None,
                "rate": site.rate, "missing": missing, "error": error,
                "value_labels": site.value_labels})
        return _frozen(cls, {
            "expr": site.text, "status": status, "label": site.label, "path": site.path,
            "actual": actual, "op": site.op, "threshold": threshold, "param": site.param,
            "gap": check_gap(site.op, actual, threshold) if status == "fail" else None,
            "rate": site.rate, "missing": (), "error": None, "value_labels": site.value_labels})

    def text(self, lang: Lang = DEFAULT_LANG) -> str:
        """The check in words: "99,999 of 100,000 fans: 1 short"."""
        return wording.check_text(self, lang)

    def to_dict(self, lang: Lang = DEFAULT_LANG, *, text: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"expr": self.expr, "status": self.status,
                               "text": self.text(lang) if text is None else text}
        for key in ("path", "op", "param", "error"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.status != "unknown" or self.actual is not None:
            out["actual"] = to_jsonable(self.actual)
        if self.op is not None:
            out["threshold"] = to_jsonable(self.threshold)
        if self.gap is not None:
            out["gap"] = to_jsonable(self.gap)
        if self.missing:
            out["missing"] = list(self.missing)
        return out


@dataclass(frozen=True)
class Reason:
    """One rule looked at: its status, the checks that decided it, and the facts its rule refers
    to (as the document has them)."""

    rule: str
    kind: str
    status: Status
    title: Text
    source: Source
    checks: tuple[Check, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    messages: Messages = field(default_factory=Messages)
    # The sources of the table rows that decided, where rows cite their own sentence.
    row_sources: tuple[Source, ...] = ()
    context: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def make(cls, rule: str, kind: str, status: Status, title: Text, source: Source,
             checks: tuple[Check, ...], values: Mapping[str, Any], details: Mapping[str, Any],
             error: str | None, messages: Messages, row_sources: tuple[Source, ...],
             context: Mapping[str, Any]) -> Reason:
        """The same as the constructor with every field given, made faster (see _frozen)."""
        return _frozen(cls, {
            "rule": rule, "kind": kind, "status": status, "title": title, "source": source,
            "checks": checks, "values": values, "details": details, "error": error,
            "messages": messages, "row_sources": row_sources, "context": context})

    def message(self, lang: Lang = DEFAULT_LANG, *, texts: list[str] | None = None) -> str:
        """The rule's message for its status, filled with the actual values."""
        template = self.messages.by_status.get(self.status, DEFAULT_MESSAGE).get(lang)
        why = self.why(lang, texts=texts)

        def lookup(name: str) -> tuple[bool, Any, bool, Mapping[str, Any] | None]:
            if name == "why":
                return True, why, False, None
            if name == "title":
                return True, self.title.get(lang), False, None
            if name in ("today", "as_of"):
                return name in self.context, self.context.get(name), False, None
            rate = bool(self.context.get("rates", {}).get(name))
            labels = self.context.get("result_labels", {}).get(name[7:]) \
                if name.startswith("result.") else self.context.get("labels", {}).get(name)
            if name in self.values:
                return True, self.values[name], rate, labels
            if name.startswith("params."):
                params = self.context.get("params", {})
                return name[7:] in params, params.get(name[7:]), rate, None
            if name.startswith("result."):
                result = self.context.get("result", {})
                return name[7:] in result, result.get(name[7:]), rate, labels
            return False, None, False, None

        return wording.fill(template, lang, lookup)

    def why(self, lang: Lang = DEFAULT_LANG, *, texts: list[str] | None = None) -> str:
        """The deciding checks in words, or the status when there are none.

        ``texts`` are the checks' texts when the caller has them already.
        """
        if texts is None:
            texts = [check.text(lang) for check in self.checks]
        texts = list(dict.fromkeys(texts))
        missing = self.details.get("missing")
        if missing and not any(c.missing for c in self.checks):
            texts.append(wording.missing_text(missing, lang))
        if self.error:
            texts.append(self.error)
        if not texts:
            return STATUS_WORD[lang][self.status]
        return wording.join_checks(texts, lang)

    def to_dict(self, lang: Lang = DEFAULT_LANG) -> dict[str, Any]:
        texts = [check.text(lang) for check in self.checks]
        out: dict[str, Any] = {
            "rule": self.rule,
            "kind": self.kind,
            "status": self.status,
            "message": self.message(lang, texts=texts),
            "values": {k: to_jsonable(v) for k, v in self.values.items()},
            "source": self.source.to_dict(),
            **({"row_sources": [s.to_dict() for s in self.row_sources]}
               if self.row_sources else {}),
            "checks": [c.to_dict(lang, text=t) for c, t in zip(self.checks, texts, strict=True)],
        }
        if self.details:
            out["details"] = to_jsonable(self.details)
        if self.error:
            out["error"] = self.error
        return out


# The mark of a rule in explain(): ✓ and ✗ for what decides the outcome, NEUTRAL_MARK for what
# decides nothing (an output rule, a table that found its row, a `decisive: false` rule), so a
# worked-out value such as a red warning level never stands beside a tick.
STATUS_MARK: Mapping[Status, str] = {"pass": "✓", "fail": "✗", "unknown": "?", "skipped": "-"}
NEUTRAL_MARK = "·"


def _mark(status: Status, rule: Rule | None) -> str:
    if rule is None or status not in ("pass", "fail"):
        return STATUS_MARK[status]
    if not rule.decisive or (status == "pass" and not rule.judges):
        return NEUTRAL_MARK
    return STATUS_MARK[status]


class Explanation(json_writer.Records, Protocol):
    """The compact records an evaluation kept, able to build the reasons of its verdict and
    to have it written as JSON."""

    def reasons(self) -> tuple[Reason, ...]: ...


class Verdict:
    """What one pack version decided about one fact document.

    The outcome, result and missing facts are computed by evaluation; the per-rule reasons are
    kept as compact records and turned into :class:`Reason` objects on first access, so that a
    caller who only wants the decision does not pay for the explanation objects. Treat a
    verdict as read-only.
    """

    __slots__ = ("_explanation", "_pack", "_reasons", "applicable", "as_of", "missing",
                 "outcome", "pinned", "result")

    def __init__(
        self, pack: Pack, as_of: dt.datetime, outcome: Status, result: Mapping[str, Any],
        missing: tuple[str, ...] = (), applicable: bool = True,
        explanation: Explanation | None = None, *, reasons: tuple[Reason, ...] | None = None,
    ) -> None:
        # Positional and few: a verdict is made for every document evaluated.
        self._pack = pack
        self.as_of = as_of
        self.outcome = outcome
        self.result = result
        self.missing = missing
        # False when the pack's own `when` does not hold for this document: every rule skipped.
        self.applicable = applicable
        self._reasons = reasons
        # Given reasons are the verdict's; records that might say otherwise are dropped.
        self._explanation = explanation if reasons is None else None
        # True when the caller pinned the version (``--version``, ``version=``) rather than
        # letting the date choose it: see :meth:`pinned_copy`.
        self.pinned = False

    def pinned_copy(self) -> Verdict:
        """This verdict, marked as judged by a version the caller pinned: ``pinned`` is true,
        ``to_dict``/``to_json`` say ``"pinned": true`` and ``explain`` says so. Whether the
        version was in force on the day judged is the caller's to warn about."""
        copy = Verdict(self._pack, self.as_of, self.outcome, self.result, self.missing,
                       self.applicable, self._explanation, reasons=self._reasons)
        copy.pinned = True
        return copy

    @property
    def pack(self) -> str:
        """The pack id."""
        return self._pack.id

    @property
    def version(self) -> str:
        return self._pack.version

    @property
    def digest(self) -> str:
        """The digest of the pack version's canonical form."""
        return self._pack.digest

    @property
    def title(self) -> Text:
        return self._pack.title

    @property
    def reasons(self) -> tuple[Reason, ...]:
        """One reason per rule, in pack order.

        The evaluation's records stay after the reasons are built: ``to_json`` writes from them
        about six times faster than from the reasons (14.5 against 90 µs a verdict on the
        documents of bench/json_cost.py), and they are what a verdict costs to keep anyway
        until its reasons are read."""
        if self._reasons is None:
            explanation = self._explanation
            self._reasons = explanation.reasons() if explanation is not None else ()
        return self._reasons

    def __repr__(self) -> str:
        return (f"Verdict(pack={self.pack!r}, version={self.version!r}, "
                f"outcome={self.outcome!r}, result={dict(self.result)!r}, "
                f"missing={self.missing!r})")

    def reason(self, rule: str) -> Reason:
        """The reason of one rule, by id."""
        for reason in self.reasons:
            if reason.rule == rule:
                return reason
        raise KeyError(rule)

    def to_dict(self, lang: Lang = DEFAULT_LANG) -> dict[str, Any]:
        """A JSON-safe dict with the catalogue's verdict fields; messages in ``lang``. A
        verdict of a pack whose ``when`` does not hold (every rule skipped, outcome ``pass``)
        also says ``"applicable": false``, and one judged by a version the caller pinned
        ``"pinned": true`` (both absent otherwise)."""
        out: dict[str, Any] = {
            "pack": self.pack,
            "version": self.version,
            "digest": self.digest,
            "as_of": self.as_of.isoformat(),
            "outcome": self.outcome,
            "result": {k: to_jsonable(v) for k, v in self.result.items()},
            "reasons": [r.to_dict(lang) for r in self.reasons],
            "missing": list(self.missing),
        }
        if not self.applicable:
            out["applicable"] = False
        if self.pinned:
            out["pinned"] = True
        return out

    def to_json(self, lang: Lang = DEFAULT_LANG) -> str:
        """The same as ``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``, written
        directly from the evaluation's records, without building the reasons or the dict.
        Always JSON: no NaN or Infinity (see :mod:`rulepack.verdict.records`)."""
        explanation = self._explanation
        if explanation is None or lang not in LANGS or not self.applicable or self.pinned:
            return encode(self.to_dict(lang))  # rare shapes, written the reference way
        return json_writer.render(self._pack, self.as_of, self.outcome, self.result,
                                  self.missing, explanation, lang)

    def explain(self, lang: Lang = DEFAULT_LANG) -> str:
        """A readable explanation: the outcome, the result, then every rule's message."""
        words = STATUS_WORD[lang]
        title = self.title.get(lang) if self.title.zh else self.pack
        outcome = f"  {'结论' if lang == 'zh' else 'outcome'}: {words[self.outcome]}"
        lines = [f"{self.pack} {self.version} — {title}",
                 f"{outcome}  (as_of {self.as_of.isoformat()})"]
        if self.pinned:
            lines.append(f"  （版本 {self.version} 由调用方指定，不按日期选择）" if lang == "zh"
                         else f"  (version {self.version} pinned by the caller, not chosen by "
                         "the date)")
        if not self.applicable:
            lines.append("  （该规则包的适用条件 when 不成立，各规则均不适用）" if lang == "zh" else
                         "  (the pack's `when` does not hold: it does not apply, and every "
                         "rule is skipped)")
        if self.result:
            labels = self._pack.value_labels
            shown = ", ".join(f"{k}={wording.fmt(v, lang, labels=labels.get(k))}"
                              for k, v in self.result.items())
            lines.append(f"  {'结果' if lang == 'zh' else 'result'}: {shown}")
        rules = {rule.id: rule for rule in self._pack.rules}
        for reason in self.reasons:
            mark = _mark(reason.status, rules.get(reason.rule))
            lines.append(f"  {mark} [{reason.rule}] {reason.message(lang)}")
            for source in (reason.source, *reason.row_sources):
                lines.append(f"      {'依据' if lang == 'zh' else 'source'}: {source.seed} "
                             f"「{source.quote}」")
        if self.missing:
            lines.append(f"  {'缺少的事实' if lang == 'zh' else 'missing facts'}: "
                         + ", ".join(self.missing))
        return "\n".join(lines)
