"""Decision-table verification: overlaps, gaps and rows that can never win, each shown with an
input that the evaluator confirms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.analysis.tables import table_problems
from rulepack.cli.main import main
from rulepack.core.errors import Problem
from rulepack.engine.interpreter import evaluate_pack
from rulepack.library import models_of
from rulepack.model.pack import Pack
from rulepack.verdict.data import Verdict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "tables"


def findings(path: Path) -> list[Problem]:
    library = rulepack.load(path)
    models = models_of(library)
    return [p for pack in models.packs for p in table_problems(pack, models.schema)]


def fixture(name: str) -> list[Problem]:
    return findings(FIXTURES / f"{name}.yaml")


PACK = """\
id: demo.tables
version: 1.0.0
effective_from: 2020-01-01
subject: {subject}
title: {{zh: 演示, en: Demo}}
description: {{zh: 演示包, en: A demo pack}}
sources: [{{seed: s.txt, quote: 演示}}]
{when}
rules:
  - id: table
    kind: table
    title: {{zh: 表, en: Table}}
    source: {{seed: s.txt, quote: 演示}}
    hit_policy: {policy}
    outputs: [out]
    rows:
{rows}
"""


def inline(tmp_path: Path, policy: str, rows: str, *, when: str = "",
           subject: str = "account") -> list[Problem]:
    """Findings of a one-table pack; ``rows`` is one flow mapping per line."""
    text = PACK.format(subject=subject, when=f"when: {when}" if when else "", policy=policy,
                       rows="\n".join(f"      - {row}" for row in rows.strip().splitlines()))
    path = tmp_path / "demo.yaml"
    path.write_text(text, encoding="utf-8")
    return findings(path)


# -- the fixtures -------------------------------------------------------------------------------


def test_closed_tier_ranges_overlap_at_both_shared_end_points() -> None:
    problems = fixture("tier_closed")
    assert [p.code for p in problems] == ["RP601", "RP601"]
    by_value = {p.value: p for p in problems}
    low = by_value["organization.annual_framework_cny = 10,000,000"]
    high = by_value["organization.annual_framework_cny = 50,000,000"]
    assert low.message.startswith(
        "organization.annual_framework_cny = 10,000,000 matches rows A and B")
    assert high.message.startswith(
        "organization.annual_framework_cny = 50,000,000 matches rows S and A")
    assert "`organization.annual_framework_cny < params.tier_a_min_cny` in row B" in str(low.hint)
    assert "`organization.annual_framework_cny < params.tier_s_min_cny` in row A" in str(high.hint)
    # Each finding points at the second row of its pair, in the pack file.
    assert (low.file.endswith("tier_closed.yaml"), low.line, high.line) == (True, 35, 29)
    assert (low.pack, low.rule) == ("fixture.tier_closed", "tier")


def test_the_overlap_witness_is_real() -> None:
    library = rulepack.load(FIXTURES / "tier_closed.yaml")
    facts = {"organization": {"type": "brand", "annual_framework_cny": 10_000_000}}
    reason = library.evaluate("fixture.tier_closed", facts, as_of="2026-01-01").reasons[0]
    assert reason.status == "unknown" and "RP506" in str(reason.error)


def test_the_bundled_tables_are_clean() -> None:
    library = rulepack.load()
    # The business tier table reads the seed's shared end points as half-open ranges.
    assert any(p.id == "kuaishou.signing.business_tier" for p in library.packs)
    models = models_of(library)
    assert [str(p) for pack in models.packs for p in table_problems(pack, models.schema)] == []


def test_a_row_hidden_by_an_earlier_row_of_a_first_hit_table() -> None:
    problems = {p.rule: p for p in fixture("first_masked")}
    assert {p.code for p in problems.values()} == {"RP603"}
    huge = problems["band"]
    assert huge.message.startswith("row huge can never be the first match: row big above it")
    assert huge.value == "account.fans = 1,000,000"
    assert "matches rows big and huge, and big wins" in huge.message
    assert huge.line == 29


def test_a_row_hidden_by_the_union_of_earlier_rows() -> None:
    problem = {p.rule: p for p in fixture("first_masked")}["ban_term"]
    assert "row any_ban can never be the first match: rows short and long above it" \
        in problem.message
    assert problem.value == "account.ban.level = 1"


def test_gaps_over_an_enum_and_a_numeric_interval() -> None:
    problems = fixture("gaps")
    assert {p.code for p in problems} == {"RP602"}
    by_rule: dict[str | None, list[str | None]] = {}
    for problem in problems:
        by_rule.setdefault(problem.rule, []).append(problem.value)
    assert by_rule == {
        "channel": ["account.platform = 'toutiao'"],
        # exactly 1,000 (both bounds strict) and the integers between 10,000 and 20,000
        "size": ["account.fans = 1,000", "account.fans = 10,001"],
    }  # `douyin_size` declares `complete: false`: its gap is intended
    assert "account.fans = 1,000 matches no row" in problems[1].message
    assert "complete: false" in str(problems[0].hint)


def test_the_gap_witness_is_real() -> None:
    library = rulepack.load(FIXTURES / "gaps.yaml")
    verdict = library.evaluate("fixture.gaps", {"account": {"platform": "toutiao", "fans": 1000}},
                               as_of="2026-01-01")
    assert [(r.rule, r.status) for r in verdict.reasons[:2]] == [("channel", "fail"),
                                                                 ("size", "fail")]


def test_a_row_outranked_in_a_priority_table() -> None:
    (problem,) = fixture("priority")
    assert problem.code == "RP603"
    assert problem.message.startswith(
        "row permanent_content can never win under the priority hit policy: higher-priority "
        "row permanent already matches every input it matches")
    assert problem.value == "account.ban.level = 3, account.ban.category = 'content'"


def test_clean_tables_have_no_finding() -> None:
    assert fixture("clean") == []


def test_unanalysable_atoms_make_no_false_finding() -> None:
    # Calls, arithmetic and result fields hide that the rows are exclusive and complete.
    assert fixture("unanalysable") == []


# -- semantics ----------------------------------------------------------------------------------


def test_a_free_atom_that_cannot_change_the_finding_does_not_hide_it(tmp_path: Path) -> None:
    problems = inline(tmp_path, "unique", """
{id: a, when: {any: ["count(account.violations) > 3", "account.fans >= 10"]}, then: {out: 1}}
{id: b, when: "account.fans <= 10", then: {out: 2}}
""")
    assert [(p.code, p.value) for p in problems] == [("RP601", "account.fans = 10")]


def test_free_atoms_that_might_cover_a_gap_leave_it_unreported(tmp_path: Path) -> None:
    problems = inline(tmp_path, "first", """
{id: a, when: {all: ["count(account.violations) > 3", "account.fans >= 10"]}, then: {out: 1}}
{id: b, when: "account.fans < 10", then: {out: 2}}
{id: c, when: "count(account.violations) <= 3", then: {out: 3}}
""")
    assert problems == []


def test_a_row_masked_whatever_the_free_atoms_are(tmp_path: Path) -> None:
    # Row b matches only where a does, whatever the call answers; a matches first.
    problems = inline(tmp_path, "first", """
{id: a, when: {any: ["count(account.violations) > 3", "account.fans >= 10"]}, then: {out: 1}}
{id: b, when: "account.fans >= 20", then: {out: 2}}
{id: c, then: {out: 3}}
""")
    assert [(p.code, p.value) for p in problems] == [("RP603", "account.fans = 20")]


def test_rows_that_match_nothing_can_never_win(tmp_path: Path) -> None:
    problems = inline(tmp_path, "first", """
{id: contradiction, when: {all: ["account.fans > 10", "account.fans < 5"]}, then: {out: 1}}
{id: excluded, when: "account.platform == 'toutiao'", then: {out: 2}}
{id: rest, then: {out: 3}}
""", when="account.platform != 'toutiao'")
    assert [(p.code, p.value) for p in problems] == [("RP603", None), ("RP603", None)]
    assert problems[0].message.startswith("row contradiction matches no input")
    assert problems[1].message.startswith("row excluded matches no input")


def test_the_context_restricts_the_inputs_and_stays_out_of_the_witness(tmp_path: Path) -> None:
    problems = inline(tmp_path, "unique", """
{id: low, when: "account.fans < 100", then: {out: 1}}
{id: high, when: "account.fans > 100", then: {out: 2}}
{id: ks, when: "account.platform == 'kuaishou'", then: {out: 3}}
""", when="account.platform == 'douyin'")
    # kuaishou accounts never reach the table, so row ks overlaps nothing.
    assert [(p.code, p.value) for p in problems] == [("RP602", "account.fans = 100")]


def test_null_and_unnamed_strings_in_witnesses(tmp_path: Path) -> None:
    problems = inline(tmp_path, "unique", """
{id: none, when: "task.accepted_at is None", then: {out: 1}}
""", subject="task")
    assert [p.value for p in problems] == ["task.accepted_at is set"]
    problems = inline(tmp_path, "unique", """
{id: xj, when: "account.region == 'xinjiang'", then: {out: 1}}
{id: west, when: "account.region in ('tibet', 'qinghai')", then: {out: 2}}
""")
    assert [p.value for p in problems] == ["account.region not in ('xinjiang', 'tibet', 'qinghai')"]


def test_enum_values_the_rows_treat_alike_are_shown_together(tmp_path: Path) -> None:
    problems = inline(tmp_path, "first", """
{id: douyin, when: "account.platform == 'douyin'", then: {out: 1}}
{id: kuaishou, when: "account.platform == 'kuaishou'", then: {out: 2}}
""")
    assert [p.value for p in problems] == ["account.platform in ('xigua', 'huoshan', 'toutiao')"]


def test_missing_facts_are_not_gaps(tmp_path: Path) -> None:
    # A null retention term makes the comparison unknown, never a gap.
    problems = inline(tmp_path, "first", """
{id: short, when: "task.retention_days_agreed < 30", then: {out: 1}}
{id: long, when: "task.retention_days_agreed >= 30", then: {out: 2}}
""", subject="task")
    assert problems == []


def test_a_witness_the_evaluator_does_not_reproduce_is_dropped(
        monkeypatch: pytest.MonkeyPatch) -> None:

    def blind(pack: Pack, document: Any, **options: Any) -> Verdict:
        return evaluate_pack(pack, {}, **options)  # an empty document: every row is unknown

    monkeypatch.setattr("rulepack.analysis.tables.evaluate_pack", blind)
    assert fixture("tier_closed") == []


# -- the command line ---------------------------------------------------------------------------


def test_check_reports_table_findings(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(FIXTURES)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "RP601: organization.annual_framework_cny = 10,000,000 matches rows A and B" in err
    assert "RP601: organization.annual_framework_cny = 50,000,000 matches rows S and A" in err
    assert "RP602: account.platform = 'toutiao' matches no row" in err
    assert "RP603: row huge can never be the first match" in err
    assert "RP603: row permanent_content can never win" in err
    assert "clean.yaml:" not in err and "unanalysable.yaml:" not in err
