"""The Python API: versions chosen by date or pinned, subjects, as_of, errors with codes."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path
from typing import Any

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


def write_output_pack(folder: Path, name: str, assignments: list[str]) -> None:
    """The pack `demo.NAME`, one output rule `NAME` setting ``assignments`` (``key: expr``)."""
    (folder / "pack.yaml").write_text(textwrap.dedent(f"""\
        id: demo.{name}
        version: 1.0.0
        effective_from: 2020-01-01
        subject: account
        title: {{zh: 演示, en: Demo}}
        description: {{zh: 演示, en: Demo}}
        sources: [{{seed: s.txt, quote: q}}]
        rules:
          - id: {name}
            kind: output
            title: {{zh: 演示, en: Demo}}
            source: {{seed: s.txt, quote: q}}
            set:
        """) + "".join(f"      {line}\n" for line in assignments), encoding="utf-8")


def test_an_unreadable_second_fact_makes_the_rule_unknown_not_a_crash(tmp_path: Path) -> None:
    write_output_pack(tmp_path, "days", [
        "d: days_between(account.verification.submitted_on, account.identity.id_expires_on)"])
    for engine in ("compiled", "sandbox"):
        library = rulepack.load(tmp_path, engine=engine)
        verdict = library.evaluate(
            "demo.days", {"account": {"identity": {"id_expires_on": "2026-02-30"}}},
            as_of="2026-11-21", validate=False)
        assert verdict.reason("days").status == "unknown"
        assert verdict.result == {"d": None}
        assert verdict.missing == ("account.verification.submitted_on",)


def test_a_result_holding_one_list_many_times_over_is_refused(tmp_path: Path) -> None:
    # Each field holds the one before twice: 2 ** 24 copies of "ab" after 24 fields, cheap to
    # build and 268 MB once written out.
    write_output_pack(tmp_path, "twice", ["x0: \"'ab'\""] + [
        f"x{k}: '[result.x{k - 1}, result.x{k - 1}]'" for k in range(1, 25)])
    for engine in ("compiled", "sandbox"):
        library = rulepack.load(tmp_path, engine=engine)
        verdict = library.evaluate("demo.twice", {"account": {}}, as_of="2026-11-21")
        reason = verdict.reason("twice")
        assert reason.status == "unknown"
        # x17 holds 2 ** 17 copies: about 4 items and characters each, with the lists.
        assert verdict.result["x17"] is not None and verdict.result["x18"] is None
        assert reason.error is not None and reason.error.startswith("x18: RP505: ")
        assert len(verdict.to_json("en")) < 10_000_000


# -- evaluator: evaluate made ready for many documents -----------------------------------------


@pytest.mark.parametrize("as_of", ["2025-06-01", "2026-06-01T09:00:00+08:00",
                                   dt.datetime(2026, 6, 1, 1, tzinfo=dt.UTC), None])
@pytest.mark.parametrize("version", [None, "1.0.0"])
@pytest.mark.parametrize("facts", [
    FACTS,
    {"account": {"fans": 100000}},
    {"account": {}},
    {**FACTS, "as_of": "2025-06-01T12:00:00+08:00"},  # its own as_of: its own version
    {**FACTS, "as_of": "2026-02-01"},
])
def test_an_evaluator_gives_what_evaluate_gives(two_versions: rulepack.Library, as_of: Any,
                                                version: str | None,
                                                facts: dict[str, Any]) -> None:
    evaluator = two_versions.evaluator("demo.entry", as_of=as_of, version=version)
    expected = two_versions.evaluate("demo.entry", facts, as_of=as_of, version=version)
    got = evaluator(facts)
    if as_of is None and "as_of" not in facts:
        # Both read the clock: only the instant may differ.
        expected_dict, got_dict = expected.to_dict("en"), got.to_dict("en")
        expected_dict.pop("as_of"), got_dict.pop("as_of")
        assert got_dict == expected_dict
    else:
        assert got.to_dict("en") == expected.to_dict("en")


def test_an_evaluator_reports_errors_as_evaluate_does(two_versions: rulepack.Library) -> None:
    with pytest.raises(EvaluationError) as unknown:
        two_versions.evaluator("demo.entyr")
    assert unknown.value.problems[0].code == "RP501"
    with pytest.raises(EvaluationError) as no_version:
        two_versions.evaluator("demo.entry", version="9.9.9")
    assert no_version.value.problems[0].code == "RP503"
    # No version in force at the fixed day: each call says so, as evaluate would.
    early = two_versions.evaluator("demo.entry", as_of="2024-01-01")
    with pytest.raises(EvaluationError) as not_in_force:
        early(FACTS)
    assert not_in_force.value.problems[0].code == "RP502"
    # A document with its own as_of in force still evaluates.
    assert early({**FACTS, "as_of": "2026-03-01"}).version == "1.1.0"
    strict = two_versions.evaluator("demo.entry", as_of="2026-01-01")
    with pytest.raises(FactsError):
        strict({"account": {"fans": "many"}})
    loose = two_versions.evaluator("demo.entry", as_of="2026-01-01", validate=False)
    assert loose({"account": {"fans": "many"}}).outcome == "unknown"


# -- values: the facts a rule refers to -------------------------------------------------------

VALUES_PACK = """\
id: demo.values
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {zh: 演示, en: Demo}
description: {zh: 演示包, en: A demo pack}
sources: [{seed: s.txt, quote: 粉丝}]
rules:
  - id: both
    title: {zh: 两者, en: Both}
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= 10 and account.mcn_signed
  - id: guarded
    title: {zh: 条件, en: Guarded}
    source: {seed: s.txt, quote: 粉丝}
    when: account.platform == 'douyin'
    require: account.content_healthy
"""


@pytest.mark.parametrize("engine", ["compiled", "sandbox"])
def test_values_are_the_facts_a_rule_refers_to(tmp_path: Path, engine: str) -> None:
    (tmp_path / "p.yaml").write_text(VALUES_PACK, encoding="utf-8")
    library = rulepack.load(tmp_path, engine=engine)  # type: ignore[arg-type]
    facts = {"account": {"fans": 1, "mcn_signed": True, "platform": "xigua",
                         "content_healthy": True}}
    verdict = library.evaluate("demo.values", facts, as_of="2026-01-01")
    both, guarded = verdict.reasons
    # `and` stopped at the fans, yet the reason shows every fact the rule names.
    assert both.values == {"account.fans": 1, "account.mcn_signed": True}
    # A skipped rule shows what decided that it does not apply, not what it would check.
    assert guarded.status == "skipped"
    assert guarded.values == {"account.platform": "xigua"}
    # Facts the document lacks are not values (they are the verdict's missing facts).
    partial = library.evaluate("demo.values", {"account": {"fans": 20}}, as_of="2026-01-01")
    assert partial.reasons[0].values == {"account.fans": 20}
    # (Whether `guarded` applies is unknown, so its requirement is looked at too.)
    assert partial.missing == ("account.mcn_signed", "account.platform",
                               "account.content_healthy")


def test_a_pack_that_does_not_apply_says_so() -> None:
    # Asked by name, a pack whose `when` fails still gives a verdict (outcome pass, every
    # rule skipped): it must not read as an MCN passing the government channel.
    library = rulepack.load()
    facts = rulepack.read_facts(Path(__file__).parents[2] / "examples" / "mcn-signing.yaml")
    verdict = library.evaluate("kuaishou.signing.government_channel", facts)
    assert not verdict.applicable and verdict.outcome == "pass"
    assert {reason.status for reason in verdict.reasons} == {"skipped"}
    held = verdict.to_dict("en")
    assert held["applicable"] is False
    assert verdict.to_json("en") == json.dumps(held, ensure_ascii=False)
    assert "does not apply" in verdict.explain("en")
    applies = library.evaluate("kuaishou.signing.business_tier", facts)
    assert applies.applicable and "applicable" not in applies.to_dict("en")
    assert "kuaishou.signing.government_channel" not in [
        v.pack for v in library.evaluate_all(facts)]
