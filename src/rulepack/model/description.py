"""What the public API says about a pack version: a read-only description, apart from the model.

The model (:mod:`rulepack.model.pack`) holds what evaluation needs: checked syntax trees,
conditions, compiled expressions. A caller of :class:`rulepack.Library` asks other questions
(which versions there are, what a rule is called, what a param is set to), and must not be able
to change a pack by changing what it was handed. :func:`describe` copies those answers out of the
model once, when a library is built, into frozen values that hold no reference to the model: the
model can change shape without breaking a caller, and no caller can reach into it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from rulepack.model.pack import Pack, Rule, Source, TableRule, Text

RuleKind = Literal["check", "output", "table", "score"]


@dataclass(frozen=True)
class RuleInfo:
    """One rule of a pack version: its id, kind and title, the phrase it encodes, whether its
    status counts toward the pack's outcome, and for a decision table its row ids in order."""

    id: str
    kind: RuleKind
    title: Text
    source: Source
    decisive: bool
    rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackInfo:
    """One version of one pack, described: what ``rulepack list`` shows, as values.

    Every field is read-only, ``params`` included (a read-only mapping whose lists are tuples
    and whose mappings are read-only too).
    """

    id: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
    retired_from: dt.date | None
    subject: str
    title: Text
    description: Text
    sources: tuple[Source, ...]
    params: Mapping[str, Any]
    rules: tuple[RuleInfo, ...]
    result_fields: tuple[str, ...]
    platforms: tuple[str, ...]
    digest: str
    file: str
    # The words for the codes of result fields (``labels:``), by field then by code; JSON
    # output keeps the codes, so a program can show them in its own words from here.
    labels: Mapping[str, Mapping[str, Text]] = field(default_factory=dict)

    def in_force(self, day: dt.date) -> bool:
        """Whether this version is in force on ``day`` (both ends inclusive)."""
        if day < self.effective_from:
            return False
        return self.effective_until is None or day <= self.effective_until

    def rule(self, rule_id: str) -> RuleInfo:
        """The rule with this id; :class:`KeyError` when the version has none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def describe(pack: Pack) -> PackInfo:
    """The public description of one compiled pack version."""
    return PackInfo(
        id=pack.id, version=pack.version, effective_from=pack.effective_from,
        effective_until=pack.effective_until, retired_from=pack.retired_from,
        subject=pack.subject, title=pack.title, description=pack.description,
        sources=pack.sources, params=_frozen_mapping(pack.params),
        rules=tuple(_rule_info(rule) for rule in pack.rules),
        result_fields=pack.result_fields, platforms=pack.platforms, digest=pack.digest,
        file=pack.file,
        labels=MappingProxyType({name: MappingProxyType(dict(codes))
                                 for name, codes in pack.value_labels.items()}),
    )


def _rule_info(rule: Rule) -> RuleInfo:
    rows = tuple(row.id for row in rule.rows) if isinstance(rule, TableRule) else ()
    return RuleInfo(id=rule.id, kind=rule.kind, title=rule.title, source=rule.source,
                    decisive=rule.decisive, rows=rows)


def _frozen_mapping(values: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType({key: _frozen(value) for key, value in values.items()})


def _frozen(value: Any) -> Any:
    """A param value that cannot be changed: YAML gives scalars, lists and mappings."""
    if isinstance(value, Mapping):
        return _frozen_mapping(value)
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value
