"""``rulepack verify`` and the public strategies of ``rulepack.testing``.

The bundled packs' declared properties hold; each broken fixture under
``tests/fixtures/properties/`` is caught with its code, and its counterexample, written to a
test case file, makes the case runner fail exactly where the property says it should.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import rulepack
from rulepack import testing
from rulepack.analysis.properties import property_problems
from rulepack.cli.verify import add_arguments
from rulepack.cli.verify import run as run_verify
from rulepack.core import yaml_reader
from rulepack.library import models_of
from rulepack.model.pack import Pack, Property, Where
from rulepack.testing.cases import run_tests
from rulepack.testing.verify import Finding, VerifyReport, verify

FIXTURES = Path(__file__).parent / "fixtures" / "properties"
# Small budgets keep the suite fast; the seed is fixed, so the findings are too.
BUDGET = 50
FIXTURE_BUDGET = 100
QUICK = settings(max_examples=25, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.lru_cache(maxsize=1)
def bundled() -> rulepack.Library:
    return rulepack.load()


@functools.lru_cache(maxsize=1)
def fixtures() -> rulepack.Library:
    return rulepack.load(FIXTURES)


@functools.cache
def fixture_report(pack_id: str) -> VerifyReport:
    return verify(fixtures(), seed=0, examples=FIXTURE_BUDGET, packs=[pack_id])


def only_finding(pack_id: str) -> Finding:
    report = fixture_report(pack_id)
    assert len(report.findings) == 1, [str(f.problem) for f in report.findings]
    return report.findings[0]


def cases_of(finding: Finding) -> list[dict[str, Any]]:
    assert finding.counterexample is not None
    # Read as the case runner reads it: dates stay strings.
    cases: list[dict[str, Any]] = yaml_reader.load(finding.counterexample).data["cases"]
    return cases


# -- the bundled packs --------------------------------------------------------------------------


def test_bundled_packs_hold_every_declared_property() -> None:
    """Every property the bundled packs declare, and every complete table, holds."""
    report = verify(bundled(), seed=0, examples=BUDGET)
    assert report.ok, "\n\n".join(f"{f.problem}\n{f.counterexample}" for f in report.findings)
    assert report.stats.packs == len(bundled().packs)
    assert report.stats.properties >= 50
    assert report.stats.tables == sum(
        1 for pack in models_of(bundled()).packs for rule in pack.rules
        if rule.kind == "table" and rule.complete and rule.hit_policy != "collect")
    assert report.stats.examples >= BUDGET * report.stats.properties


def test_bundled_packs_declare_what_their_policies_imply() -> None:
    declared = {(pack.id, prop.kind, prop.spec.get("field"), prop.spec.get("fact"),
                 prop.spec.get("direction")) for pack in models_of(bundled()).packs
                for prop in pack.properties}
    assert ("xingtu.penalty_points", "bounds", "remaining", None, None) in declared
    assert ("xingtu.penalty_points", "monotone", "remaining", "account.violations[].points",
            "decreasing") in declared
    assert ("xingtu.entry", "monotone", None, "account.fans", "increasing") in declared
    for fact in ("organization.fans", "organization.interaction_rate",
                 "organization.managed_gmv_monthly"):
        assert ("kuaishou.signing.data_threshold", "monotone", None, fact,
                "increasing") in declared
    assert ("kuaishou.signing.business_tier", "bounds", "deposit_cny", None, None) in declared
    assert ("kuaishou.ban.level", "bounds", "max_days", None, None) in declared
    for pack in models_of(bundled()).packs:
        assert property_problems(pack, models_of(bundled()).schema) == [], pack.id


# -- broken fixtures ----------------------------------------------------------------------------

BROKEN = [
    ("fixture.non_monotone", "RP605", "non_monotone.yaml"),
    ("fixture.negative_score", "RP604", "negative_score.yaml"),
    ("fixture.exclusive", "RP606", "exclusive.yaml"),
    ("fixture.table_gap", "RP602", "table_gap.yaml"),
    ("fixture.table_overlap", "RP601", "table_overlap.yaml"),
]


@pytest.mark.parametrize(("pack_id", "code", "file"), BROKEN)
def test_broken_fixture_is_caught_with_its_code(pack_id: str, code: str, file: str) -> None:
    finding = only_finding(pack_id)
    problem = finding.problem
    assert problem.code == code
    assert problem.pack == pack_id
    assert Path(problem.file).name == file
    pack = models_of(fixtures()).versions(pack_id)[0]
    places = [p.where for p in pack.properties] + [r.where for r in pack.rules]
    assert Where(problem.line, problem.column) in places


@pytest.mark.parametrize(("pack_id", "code", "file"), BROKEN)
def test_counterexample_makes_the_case_runner_fail(pack_id: str, code: str, file: str,
                                                   tmp_path: Path) -> None:
    """Pasted into a test case file, the counterexample is a valid file with one failing case
    (a monotone counterexample also shows the lower document, which passes as written)."""
    finding = only_finding(pack_id)
    assert finding.counterexample is not None
    path = tmp_path / "counterexample.test.yaml"
    path.write_text(finding.counterexample, encoding="utf-8")
    report = run_tests(fixtures(), [path], every_pack=False)
    assert report.problems == []
    assert report.failed == 1
    assert report.passed == len(report.cases) - 1


def test_counterexamples_are_shrunk_to_the_boundary() -> None:
    """Hypothesis shrinks the values to the thresholds and every fact not needed is pruned:
    the pair straddles the cap, one fan apart."""
    lower, higher = cases_of(only_finding("fixture.non_monotone"))
    assert lower["facts"] == {"account": {"fans": 999}}
    assert higher["facts"] == {"account": {"fans": 1000}}
    assert lower["as_of"] == higher["as_of"] == "2024-01-01"
    assert higher["expect"] == {"outcome": "pass"}

    (score,) = cases_of(only_finding("fixture.negative_score"))
    assert score["facts"] == {"account": {"violations": [{"points": 13}]}}
    assert score["expect"] == {"result": {"remaining": 0}}

    for pack_id in ("fixture.exclusive", "fixture.table_gap", "fixture.table_overlap"):
        (case,) = cases_of(only_finding(pack_id))
        assert case["facts"] == {"account": {"fans": 1000}}, pack_id


def test_counterexample_of_a_later_version_names_it(tmp_path: Path) -> None:
    """With two versions of a pack, the case pins the one that breaks and judges in its window."""
    text = (FIXTURES / "non_monotone.yaml").read_text(encoding="utf-8")
    (tmp_path / "old.yaml").write_text(
        text.replace("effective_from: 2024-01-01", "effective_from: 2020-01-01\n"
                     "effective_until: 2023-12-31").replace("account.fans < params.cap",
                                                            "account.fans >= 0"),
        encoding="utf-8")
    (tmp_path / "new.yaml").write_text(text.replace("version: 1.0.0", "version: 1.1.0"),
                                       encoding="utf-8")
    library = rulepack.load(tmp_path)
    report = verify(library, examples=FIXTURE_BUDGET)
    assert [f.problem.file for f in report.findings] == [str(tmp_path / "new.yaml")]
    for case in cases_of(report.findings[0]):
        assert case["version"] == "1.1.0"
        assert case["as_of"] >= "2024-01-01"
    path = tmp_path / "pasted.test.yaml"
    path.write_text(report.findings[0].counterexample or "", encoding="utf-8")
    assert run_tests(library, [path], every_pack=False).failed == 1


def test_same_seed_same_findings() -> None:
    again = verify(fixtures(), seed=0, examples=FIXTURE_BUDGET, packs=["fixture.non_monotone"])
    assert again.findings == fixture_report("fixture.non_monotone").findings


# A pack whose single-document checks are searched together: three of them fail (no row from
# 5,000 fans, two rows from 500 to 1,000 fans, a score below zero) and one holds.
MANY_FAILING = """\
id: fixture.many
version: 1.0.0
effective_from: 2024-01-01
subject: account
title: {zh: 多处, en: Many}
description: {zh: 三处不成立。, en: Three checks fail.}
sources:
  - {seed: fixture.txt, quote: 粉丝}
params:
  line: 1000
  low: 500
  top: 5000
  start_points: 12
rules:
  - id: size
    kind: table
    title: {zh: 规模, en: Size}
    source: {seed: fixture.txt, quote: 粉丝}
    hit_policy: unique
    complete: true
    outputs: [size]
    rows:
      - {id: small, when: account.fans <= params.line, then: {size: small}}
      - {id: big, when: account.fans >= params.low and account.fans < params.top, then: {size: big}}
  - id: points
    kind: score
    title: {zh: 剩余积分, en: Points remaining}
    source: {seed: fixture.txt, quote: 粉丝}
    start: params.start_points
    deductions:
      - id: violations
        points: total([v.points for v in account.violations])
    into: {score: remaining, deducted: deducted}
properties:
  - {id: remaining_not_negative, kind: bounds, field: remaining, min: 0}
  - {id: deducted_not_negative, kind: bounds, field: deducted, min: 0}
"""


def test_checks_searched_together_are_each_found_and_shrunk(tmp_path: Path) -> None:
    (tmp_path / "many.yaml").write_text(MANY_FAILING, encoding="utf-8")
    report = verify(rulepack.load(tmp_path), examples=FIXTURE_BUDGET)
    assert [f.problem.code for f in report.findings] == ["RP604", "RP602", "RP601"]
    cases = {f.problem.code: cases_of(f)[0]["facts"] for f in report.findings}
    # Each is the smallest document of its own failure, not the first one that failed any.
    assert cases["RP601"] == {"account": {"fans": 500}}
    assert cases["RP602"] == {"account": {"fans": 5000}}
    assert cases["RP604"] == {"account": {"violations": [{"points": 13}]}}


@pytest.mark.parametrize("pack_id", [None, "fixture.table_overlap"])
def test_findings_are_the_same_with_one_job_or_two(pack_id: str | None) -> None:
    from rulepack.cli.verify import report_dict

    def run(jobs: int) -> dict[str, Any]:
        report = verify(fixtures(), examples=FIXTURE_BUDGET, jobs=jobs,
                        packs=[pack_id] if pack_id else None)
        out = report_dict(report)
        del out["stats"]["seconds"]
        return out

    alone = run(1)
    assert len(alone["findings"]) == (5 if pack_id is None else 1)
    assert run(2) == alone


def test_unknown_pack_is_an_evaluation_error() -> None:
    with pytest.raises(rulepack.EvaluationError) as caught:
        verify(fixtures(), packs=["fixture.nope"])
    assert caught.value.code == "RP501"


# -- RP213 and the schema of a property ---------------------------------------------------------


def _with_properties(*specs: dict[str, Any]) -> Pack:
    pack = models_of(bundled()).versions("xingtu.penalty_points")[0]
    props = tuple(Property(s["id"], s["kind"], s, Where(40 + i, 5)) for i, s in enumerate(specs))
    return dataclasses.replace(pack, properties=props)


BAD_PROPERTIES: list[tuple[dict[str, Any], str, str]] = [
    ({"id": "a", "kind": "bounds", "field": "remainign", "min": 0}, "RP213", "remaining"),
    ({"id": "b", "kind": "bounds", "field": "remaining", "min": 5, "max": 1}, "RP213", "swap"),
    ({"id": "c", "kind": "monotone", "fact": "account.fan", "of": "outcome",
      "direction": "increasing"}, "RP213", "account.fans"),
    ({"id": "d", "kind": "monotone", "fact": "account.platform", "of": "outcome",
      "direction": "increasing"}, "RP213", "string"),
    ({"id": "e", "kind": "monotone", "fact": "account.fans", "of": "outcome",
      "direction": "increasing"}, "RP213", "never reads"),
    ({"id": "f", "kind": "monotone", "fact": "account.violations[].points", "of": "result",
      "field": "remaning", "direction": "decreasing"}, "RP213", "remaining"),
    ({"id": "g", "kind": "monotone", "fact": "account.violations", "of": "outcome",
      "field": "remaining", "direction": "decreasing"}, "RP213", "of: result"),
    ({"id": "h", "kind": "exclusive", "outcomes": ["pionts", "status"]}, "RP213", "points"),
    ({"id": "i", "kind": "exclusive", "outcomes": ["points", "status.revokd"]}, "RP213",
     "revoked"),
    ({"id": "j", "kind": "exclusive", "outcomes": ["points.any", "status"]}, "RP213",
     "score rule"),
    ({"id": "k", "kind": "exclusive", "outcomes": ["points", "result.stat"]}, "RP213",
     "status"),
]


@pytest.mark.parametrize(("spec", "code", "words"), BAD_PROPERTIES)
def test_property_naming_nothing_is_rp213(spec: dict[str, Any], code: str, words: str) -> None:
    pack = _with_properties(spec)
    problems = property_problems(pack, models_of(bundled()).schema)
    assert [p.code for p in problems] == [code]
    problem = problems[0]
    assert (problem.file, problem.line, problem.column) == (pack.file, 40, 5)
    assert words in f"{problem.message} {problem.hint}"


def test_duplicate_property_ids_are_reported() -> None:
    spec = {"id": "same", "kind": "bounds", "field": "remaining", "min": 0}
    problems = property_problems(_with_properties(spec, spec), bundled().facts)
    assert [p.code for p in problems] == ["RP106"]


def test_verify_reports_a_property_naming_nothing_and_checks_the_rest() -> None:
    pack = _with_properties({"id": "a", "kind": "bounds", "field": "nope", "min": 0},
                            {"id": "b", "kind": "bounds", "field": "remaining", "min": 0})
    library = rulepack.Library([pack])
    report = verify(library, examples=10)
    assert [f.problem.code for f in report.findings] == ["RP213"]
    assert report.stats.properties == 1


PROPERTY_SHAPES = [
    ("  - {id: p, kind: bounds, min: 0}\n", "RP102"),
    ("  - {id: p, kind: bounds, field: remaining}\n", "RP102"),
    ("  - {id: p, kind: bounds, field: remaining, min: 0, fact: account.fans}\n", "RP103"),
    ("  - {id: p, kind: monotone, fact: account.fans, of: result, direction: increasing}\n",
     "RP102"),
    ("  - {id: p, kind: monotone, fact: account.fans, of: outcome, direction: up}\n", "RP102"),
    ("  - {id: p, kind: exclusive, outcomes: [points]}\n", "RP102"),
    ("  - {id: p, kind: exclusive, outcomes: [points, status], field: remaining}\n", "RP103"),
    ("  - {id: p, kind: sorted, field: remaining}\n", "RP102"),
]


@pytest.mark.parametrize(("entry", "code"), PROPERTY_SHAPES)
def test_property_shapes_are_checked_by_the_pack_schema(entry: str, code: str,
                                                        tmp_path: Path) -> None:
    text = (FIXTURES / "negative_score.yaml").read_text(encoding="utf-8")
    head = text[:text.index("properties:")]
    path = tmp_path / "pack.yaml"
    path.write_text(head + "properties:\n" + entry, encoding="utf-8")
    with pytest.raises(rulepack.PackError) as caught:
        rulepack.load(path)
    assert code in [p.code for p in caught.value.problems]


# -- the command --------------------------------------------------------------------------------


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rulepack verify")
    add_arguments(parser)
    return parser.parse_args(argv)


def test_command_reports_findings_and_exits_1() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = run_verify(_args(str(FIXTURES / "non_monotone.yaml"), "--budget", "50"), out, err)
    text = out.getvalue()
    assert status == 1, err.getvalue()
    assert "RP605: property `more_fans_never_fail` does not hold" in text
    assert "    pack: fixture.non_monotone" in text
    assert text.rstrip().splitlines()[-1].startswith("verify: 1 pack version(s), 1 property, ")
    assert text.rstrip().endswith("1 finding(s)")


def test_command_exits_0_when_everything_holds() -> None:
    out = io.StringIO()
    status = run_verify(_args("--pack", "xingtu.entry", "--budget", "20", "--seed", "7"), out)
    assert status == 0
    assert out.getvalue().strip().endswith("(seed 7, budget 20): all hold")


@pytest.mark.parametrize("argv", [("--pack", "xingtu.entyr"), ("--budget", "0")])
def test_command_bad_input_exits_2(argv: tuple[str, ...]) -> None:
    err = io.StringIO()
    assert run_verify(_args(*argv), io.StringIO(), err) == 2
    assert err.getvalue()


def test_command_broken_packs_exit_1(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    err = io.StringIO()
    assert run_verify(_args(str(tmp_path)), io.StringIO(), err) == 1
    assert "RP100" in err.getvalue()


# -- rulepack.testing ---------------------------------------------------------------------------


@QUICK
@given(testing.facts_for("xingtu.penalty_points"))
def test_readme_example_points_stay_between_0_and_12(facts: dict[str, Any]) -> None:
    verdict = bundled().evaluate("xingtu.penalty_points", facts)
    testing.assert_bounds(verdict, "remaining", 0, 12)


@QUICK
@given(testing.pairs_for("xingtu.entry", "account.fans"))
def test_readme_example_more_fans_never_fail_entry(
        pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    fewer, more = pair
    assert fewer["account"]["fans"] < more["account"]["fans"]
    testing.assert_monotone(bundled(), "xingtu.entry", fewer, more, direction="increasing")


@QUICK
@given(testing.facts_for("kuaishou.signing.risk_warning", complete=True))
def test_pack_documents_are_valid_in_window_and_hold_only_what_the_pack_reads(
        facts: dict[str, Any]) -> None:
    bundled().check_facts(facts)
    pack = bundled().versions("kuaishou.signing.risk_warning")[0]
    day = dt.datetime.fromisoformat(facts["as_of"]).date()
    assert pack.in_force(day)
    assert set(facts) == {"as_of", "organization"}
    assert set(facts["organization"]) == {"complaints", "violations"}
    testing.assert_properties(bundled(), pack.id, facts)


@QUICK
@given(testing.facts_for_schema())
def test_schema_documents_are_valid(facts: dict[str, Any]) -> None:
    bundled().check_facts(facts)
    assert "as_of" not in facts


def test_pack_documents_reach_every_threshold() -> None:
    """Values next to each threshold are drawn on purpose, not left to chance."""
    seen: set[Any] = set()

    @settings(max_examples=300, database=None, derandomize=True, deadline=None)
    @given(testing.facts_for("xingtu.entry"))
    def collect(facts: dict[str, Any]) -> None:
        seen.add(facts["account"].get("fans"))

    collect()
    assert {99_999, 100_000, 100_001, 49_999, 50_000, 50_001} <= seen


@pytest.mark.parametrize(("fact", "shape"), [
    ("account.violations[].points", "item"),
    ("account.violations", "length"),
    ("account.recent_video_plays[]", "item"),
])
def test_pairs_differ_only_in_their_fact(fact: str, shape: str) -> None:
    pack_id = "xingtu.xigua_task.opening" if "plays" in fact else "xingtu.penalty_points"
    lists = fact.split("[]")[0].split(".")

    @QUICK
    @given(testing.pairs_for(pack_id, fact))
    def check(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
        lower, higher = pair
        low_list = lower[lists[0]][lists[1]]
        high_list = higher[lists[0]][lists[1]]
        assert {k: v for k, v in lower.items() if k != lists[0]} == \
            {k: v for k, v in higher.items() if k != lists[0]}
        if shape == "length":
            assert len(high_list) == len(low_list) + 1
        else:
            changed = [(a, b) for a, b in zip(low_list, high_list, strict=False) if a != b]
            assert len(changed) == 1 and len(low_list) == len(high_list)

    check()


def test_assertions_fail_with_the_reason() -> None:
    library = bundled()
    facts = {"as_of": "2026-05-20", "account": {"violations": [{"points": 20}]}}
    verdict = library.evaluate("xingtu.penalty_points", facts)
    with pytest.raises(AssertionError, match="above the maximum 5"):
        testing.assert_bounds(verdict, "deducted", 0, 5)
    with pytest.raises(AssertionError, match="both hold"):
        testing.assert_exclusive(verdict, ["status", "status.revoked"])
    short = {"as_of": "2026-05-20", "account": {"platform": "douyin", "fans": 99_999,
                                                "mcn_signed": False, "violations": []}}
    enough = {**short, "account": {**short["account"], "fans": 100_000}}
    testing.assert_monotone(library, "xingtu.entry", short, enough)
    with pytest.raises(AssertionError, match="from fail to pass"):
        testing.assert_monotone(library, "xingtu.entry", short, enough, direction="decreasing")


# -- the time budget, progress and JSON -------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_spent_time_budget_stops_cleanly_and_lists_what_was_not_verified() -> None:
    out, err = io.StringIO(), io.StringIO()
    status = run_verify(_args("--pack", "xingtu.entry", "--time-budget", "1e-9"), out, err)
    assert status == 3, err.getvalue()
    text = out.getvalue()
    assert "not verified: the time budget of 1e-09s ran out before" in text
    assert "  xingtu.entry 1.0.0 more_fans_never_fail" in text
    assert text.rstrip().endswith("check(s) not verified (time budget)")


def test_the_check_under_way_stops_at_its_next_example(monkeypatch: pytest.MonkeyPatch) -> None:
    import rulepack.testing.verify as verifying

    ticks = iter(range(1_000_000))
    monkeypatch.setattr(verifying, "_clock", lambda: float(next(ticks)))
    # Time moves one second a reading: the run starts at 0, the budget ends at 5, so the first
    # check starts and is stopped after a few examples, and the rest never start.
    report = verify(rulepack.load(), packs=["xingtu.entry"], examples=1_000, time_budget=5)
    assert not report.complete and report.ok
    assert 0 < report.stats.examples < 5
    names = [u.check for u in report.unverified]
    assert len(names) == report.stats.properties + report.stats.tables >= 1
    assert len(set(names)) == len(names)


def test_a_counterexample_found_before_the_budget_ran_out_is_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import rulepack.testing.verify as verifying

    readings = {"n": 0}

    def clock() -> float:
        readings["n"] += 1
        return float(readings["n"])

    whole = verify(fixtures(), packs=["fixture.non_monotone"], examples=100)
    monkeypatch.setattr(verifying, "_clock", clock)
    # Time moves one second a reading: a budget that lets the search find its failure (on its
    # second example) and runs out while Hypothesis shrinks it.
    report = verify(fixtures(), packs=["fixture.non_monotone"], examples=100, time_budget=4)
    assert report.stats.examples < whole.stats.examples
    assert [f.problem.code for f in report.findings] == ["RP605"]
    assert report.complete  # a check that found its counterexample is verified: it fails
    assert "more_fans_never_fail with account.fans = 1000" in str(report.findings[0].counterexample)


def test_json_report_follows_the_schema_in_the_help() -> None:
    out = io.StringIO()
    status = run_verify(_args(str(FIXTURES / "non_monotone.yaml"), "--budget", "50",
                              "--format", "json"), out, io.StringIO())
    report = json.loads(out.getvalue())
    assert status == 1
    assert set(report) == {"ok", "complete", "seed", "budget", "time_budget", "stats",
                           "findings", "unverified"}
    assert (report["ok"], report["complete"], report["unverified"]) == (False, True, [])
    assert set(report["stats"]) == {"packs", "properties", "tables", "examples", "seconds"}
    (finding,) = report["findings"]
    assert finding["problem"]["code"] == "RP605"
    assert finding["problem"]["pack"] == "fixture.non_monotone"
    assert "cases:" in finding["counterexample"]
    out = io.StringIO()
    assert run_verify(_args("--pack", "xingtu.entry", "--format", "json", "--time-budget",
                            "1e-9"), out, io.StringIO()) == 3
    partial = json.loads(out.getvalue())
    assert (partial["ok"], partial["complete"], partial["time_budget"]) == (True, False, 1e-9)
    assert {"pack": "xingtu.entry", "version": "1.0.0",
            "check": "more_fans_never_fail"} in partial["unverified"]


def test_progress_is_shown_on_a_terminal_only() -> None:
    terminal = _Terminal()
    assert run_verify(_args("--pack", "xingtu.entry", "--budget", "5"), io.StringIO(),
                      terminal) == 0
    shown = terminal.getvalue()
    assert "\rverify: 0/" in shown and "xingtu.entry 1.0.0" in shown
    assert shown.endswith("\r")  # cleared at the end
    plain = io.StringIO()
    assert run_verify(_args("--pack", "xingtu.entry", "--budget", "5"), io.StringIO(),
                      plain) == 0
    assert plain.getvalue() == ""


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "inf"])
def test_a_time_budget_must_be_seconds_above_0(seconds: str) -> None:
    err = io.StringIO()
    assert run_verify(_args("--time-budget", seconds), io.StringIO(), err) == 2
    assert "--time-budget needs a number of seconds above 0" in err.getvalue()
