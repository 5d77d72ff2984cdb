"""The mark before each rule in ``Verdict.explain()``: ✓ and ✗ only for what decides."""

from __future__ import annotations

from pathlib import Path

import pytest

import rulepack
from rulepack.verdict.data import NEUTRAL_MARK

PACK = """\
id: demo.marks
version: 1.0.0
effective_from: 2026-01-01
subject: account
title: {zh: 标记, en: Marks}
description: {zh: 演示包, en: A demo pack}
sources: [{seed: s.txt, quote: 粉丝}]
rules:
  - id: tally
    kind: output
    title: {zh: 粉丝, en: Fans}
    source: {seed: s.txt, quote: 粉丝}
    set: {fans: account.fans}
  - id: tier
    kind: table
    title: {zh: 档位, en: Tier}
    source: {seed: s.txt, quote: 粉丝}
    hit_policy: first
    outputs: [tier]
    rows:
      - {id: big, when: account.fans >= 100, then: {tier: big}}
      - {id: small, when: account.fans >= 10, then: {tier: small}}
  - id: advice
    title: {zh: 建议, en: Advice}
    decisive: false
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= 1000
  - id: enough
    title: {zh: 门槛, en: Threshold}
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= 50
"""


def marks(verdict: rulepack.Verdict) -> dict[str, str]:
    """The mark of each rule's line of the explanation, by rule id."""
    found = {}
    for line in verdict.explain("en").splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[1].startswith("["):
            found[parts[1].strip("[]")] = parts[0]
    return found


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> rulepack.Library:
    folder: Path = tmp_path_factory.mktemp("marks")
    (folder / "marks.yaml").write_text(PACK, encoding="utf-8")
    return rulepack.load(folder)


@pytest.mark.parametrize(("fans", "expected"), [
    # outputs and a table that found its row decide nothing; the non-decisive check neither,
    # whether it passes or fails
    (2000, {"tally": NEUTRAL_MARK, "tier": NEUTRAL_MARK, "advice": NEUTRAL_MARK, "enough": "✓"}),
    (60, {"tally": NEUTRAL_MARK, "tier": NEUTRAL_MARK, "advice": NEUTRAL_MARK, "enough": "✓"}),
    # a complete table with no row for the case fails the pack: that is a decision
    (5, {"tally": NEUTRAL_MARK, "tier": "✗", "advice": NEUTRAL_MARK, "enough": "✗"}),
])
def test_only_what_decides_has_a_tick_or_a_cross(library: rulepack.Library, fans: int,
                                                 expected: dict[str, str]) -> None:
    verdict = library.evaluate("demo.marks", {"account": {"fans": fans}},
                               as_of="2026-06-01T00:00:00+08:00")
    assert marks(verdict) == expected


def test_unknown_is_a_question_mark_whatever_the_rule(library: rulepack.Library) -> None:
    verdict = library.evaluate("demo.marks", {}, as_of="2026-06-01T00:00:00+08:00")
    assert set(marks(verdict).values()) == {"?"}


def test_a_red_warning_level_does_not_stand_beside_a_tick() -> None:
    facts = {"organization": {"complaints": [],
                              "violations": [{"on": "2026-05-01", "points": 12}]}}
    verdict = rulepack.load().evaluate("kuaishou.signing.risk_warning", facts,
                                       as_of="2026-06-01T00:00:00+08:00")
    assert verdict.result["level"] == "red"
    assert marks(verdict) == {"tally": NEUTRAL_MARK, "level": NEUTRAL_MARK,
                              "actions": NEUTRAL_MARK, "red_line": "✗"}
