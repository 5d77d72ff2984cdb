"""What a user sees of a pack: a read-only description, apart from the model the engine runs.

The model (:mod:`rulepack.model.pack`) holds compiled expression trees and whatever evaluation
needs, and may change with the engine; a :class:`PackInfo` holds what a pack *says*: its id,
version and window, its texts and sources, its params, and its rules by id and kind. It is
made once per pack version, holds no reference to the model, and nothing in it can be changed
(params are a read-only mapping of read-only values).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from rulepack.model.pack import Pack, Source, Text

RuleKind = Literal["check", "output", "table", "score"]


@dataclass(frozen=True)
class RuleInfo:
    """One rule of a pack: its id, kind, title, the sentence it encodes, and whether its status
    counts towards the pack's outcome."""

    id: str
    kind: RuleKind
    title: Text
    source: Source
    decisive: bool


@dataclass(frozen=True)
class PackInfo:
    """One version of one policy, as its file states it."""

    id: str
    version: str
    effective_from: dt.date
    effective_until: dt.date | None
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

    def in_force(self, day: dt.date) -> bool:
        """Whether this version is in force on ``day`` (both ends inclusive)."""
        return self.effective_from <= day and (self.effective_until is None
                                               or day <= self.effective_until)

    def rule(self, rule_id: str) -> RuleInfo:
        """The rule with this id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def describe(pack: Pack) -> PackInfo:
    """The description of one compiled pack version."""
    return PackInfo(
        id=pack.id, version=pack.version, effective_from=pack.effective_from,
        effective_until=pack.effective_until, subject=pack.subject, title=pack.title,
        description=pack.description, sources=pack.sources,
        params=MappingProxyType({k: _frozen(v) for k, v in pack.params.items()}),
        rules=tuple(RuleInfo(id=r.id, kind=r.kind, title=r.title, source=r.source,
                             decisive=r.decisive) for r in pack.rules),
        result_fields=pack.result_fields, platforms=pack.platforms, digest=pack.digest,
        file=pack.file)


def _frozen(value: Any) -> Any:
    """A param value nobody can change in place: lists become tuples."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value
