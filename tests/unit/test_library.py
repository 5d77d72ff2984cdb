"""The Python API: versions chosen by date or pinned, subjects, as_of, errors with codes."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

import rulepack
from rulepack import EvaluationError, FactsError

PACK = """\
id: demo.entry
version: {version}
effective_from: {start}
{until}
subject: account
title: {{zh: 演示, en: Demo}}
description: {{zh: 演示包, en: A demo pack}}
sources: [{{seed: s.txt, quote: 粉丝}}]
params:
  min_fans: {threshold}
rules:
  - id: fans
    title: {{zh: 粉丝, en: Fans}}
    source: {{seed: s.txt, quote: 粉丝}}
    require: account.fans >= params.min_fans
"""


@pytest.fixture
def two_versions(tmp_path: Path) -> rulepack.Library:
    (tmp_path / "v1.yaml").write_text(PACK.format(
        version="1.0.0", start="2025-01-01", until="effective_until: 2025-12-31",
        threshold=100000), encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(PACK.format(
        version="1.1.0", start="2026-01-01", until="", threshold=80000), encoding="utf-8")
    return rulepack.load(tmp_path)


FACTS = {"account": {"fans": 90000}}


def test_the_version_in_force_at_as_of_is_chosen(two_versions: rulepack.Library) -> None:
    old = two_versions.evaluate("demo.entry", FACTS, as_of="2025-12-31")
    new = two_versions.evaluate("demo.entry", FACTS, as_of="2026-01-01")
    assert (old.version, old.outcome) == ("1.0.0", "fail")
    assert (new.version, new.outcome) == ("1.1.0", "pass")
    assert old.digest != new.digest


def test_the_documents_as_of_wins_over_the_callers(two_versions: rulepack.Library) -> None:
    facts = {**FACTS, "as_of": "2025-06-01T12:00:00+08:00"}
    verdict = two_versions.evaluate("demo.entry", facts, as_of="2026-06-01")
    assert verdict.version == "1.0.0"
    assert verdict.as_of == dt.datetime(2025, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_pinned_version_is_used_whatever_the_date(two_versions: rulepack.Library) -> None:
    verdict = two_versions.evaluate("demo.entry", FACTS, as_of="2026-06-01", version="1.0.0")
    assert verdict.version == "1.0.0"
    with pytest.raises(EvaluationError) as caught:
        two_versions.evaluate("demo.entry", FACTS, version="9.9.9")
    assert caught.value.code == "RP503"


def test_no_version_in_force(two_versions: rulepack.Library) -> None:
    with pytest.raises(EvaluationError) as caught:
        two_versions.evaluate("demo.entry", FACTS, as_of="2024-12-31")
    assert caught.value.code == "RP502"
    assert "1.0.0: 2025-01-01..2025-12-31" in (caught.value.problems[0].hint or "")


def test_unknown_pack_suggests_a_name(two_versions: rulepack.Library) -> None:
    with pytest.raises(EvaluationError) as caught:
        two_versions.evaluate("demo.entyr", FACTS)
    assert caught.value.code == "RP501"
    assert caught.value.problems[0].hint == "did you mean `demo.entry`?"


def test_invalid_facts_name_the_json_path(two_versions: rulepack.Library) -> None:
    with pytest.raises(FactsError) as caught:
        two_versions.evaluate("demo.entry", {"account": {"fans": "many", "platfrom": "x"}},
                              as_of="2026-01-01")
    found = {(p.code, p.value) for p in caught.value.problems}
    assert found == {("RP301", "$.account.fans"), ("RP301", "$.account.platfrom")}
    hints = [p.hint for p in caught.value.problems]
    assert "did you mean `platform`?" in hints


def test_bad_as_of_is_a_facts_error(two_versions: rulepack.Library) -> None:
    with pytest.raises(FactsError) as caught:
        two_versions.evaluate("demo.entry", FACTS, as_of="next tuesday")
    assert caught.value.code == "RP303"


def test_evaluate_all_runs_packs_whose_subject_is_present(two_versions: rulepack.Library) -> None:
    assert [v.pack for v in two_versions.evaluate_all(FACTS, as_of="2026-01-01")] == ["demo.entry"]
    assert two_versions.evaluate_all({"task": {}}, as_of="2026-01-01") == []


def test_verdict_to_dict_is_json_safe_and_complete(two_versions: rulepack.Library) -> None:
    verdict = two_versions.evaluate("demo.entry", FACTS, as_of="2025-03-01")
    data = json.loads(json.dumps(verdict.to_dict("en")))
    assert set(data) == {"pack", "version", "digest", "as_of", "outcome", "result", "reasons",
                         "missing"}
    (reason,) = data["reasons"]
    assert {"rule", "status", "message", "values", "source"} <= set(reason)
    assert reason["values"] == {"account.fans": 90000}
    assert reason["message"] == "Fans: 90,000 of 100,000 fans: 10,000 short"
    assert reason["checks"][0]["gap"] == 10000
    assert verdict.to_dict("zh")["reasons"][0]["message"] == \
        "粉丝：粉丝 90,000，未达到 100,000，还差 10,000"


def test_python_dates_are_accepted_as_facts(two_versions: rulepack.Library) -> None:
    library = two_versions
    facts = {"task": {"published_at": dt.datetime(2026, 5, 1, 9, 0,
                                                  tzinfo=dt.UTC)}}
    library.check_facts(facts)  # a datetime stands for its ISO string


def test_library_is_reusable_and_evaluation_keeps_no_state(two_versions: rulepack.Library) -> None:
    first = two_versions.evaluate("demo.entry", FACTS, as_of="2026-01-01").to_dict()
    two_versions.evaluate("demo.entry", {"account": {}}, as_of="2026-01-01")
    assert two_versions.evaluate("demo.entry", FACTS, as_of="2026-01-01").to_dict() == first


def test_missing_fact_is_unknown_never_fail(two_versions: rulepack.Library) -> None:
    verdict = two_versions.evaluate("demo.entry", {"account": {}}, as_of="2026-01-01")
    assert verdict.outcome == "unknown"
    assert verdict.missing == ("account.fans",)
    assert verdict.reasons[0].message("en") == "Fans: fans: missing (account.fans)"


@pytest.mark.parametrize("instant", ["2026-05-01 09:00", "2026-05-01T09:00:00",
                                     "2026-13-01T09:00:00+08:00", "yesterday"])
def test_malformed_instants_are_rejected_on_any_machine(two_versions: rulepack.Library,
                                                        instant: str) -> None:
    # Whatever optional format packages are installed, an instant needs a date, a time and
    # an offset.
    with pytest.raises(FactsError) as caught:
        two_versions.check_facts({"task": {"published_at": instant}})
    assert caught.value.problems[0].value == "$.task.published_at"


def test_an_unreadable_second_fact_makes_the_rule_unknown_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_text(textwrap.dedent("""\
        id: demo.days
        version: 1.0.0
        effective_from: 2020-01-01
        subject: account
        title: {zh: 天数, en: Days}
        description: {zh: 天数, en: Days}
        sources: [{seed: s.txt, quote: q}]
        rules:
          - id: days
            kind: output
            title: {zh: 天数, en: Days}
            source: {seed: s.txt, quote: q}
            set:
              d: days_between(account.verification.submitted_on, account.identity.id_expires_on)
        """), encoding="utf-8")
    for engine in ("compiled", "sandbox"):
        library = rulepack.load(tmp_path, engine=engine)
        verdict = library.evaluate(
            "demo.days", {"account": {"identity": {"id_expires_on": "2026-02-30"}}},
            as_of="2026-11-21", validate=False)
        assert verdict.reason("days").status == "unknown"
        assert verdict.result == {"d": None}
        assert verdict.missing == ("account.verification.submitted_on",)
