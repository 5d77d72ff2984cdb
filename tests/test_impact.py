"""rulepack impact: old and new verdicts over a corpus, compared, counted and reported."""

from __future__ import annotations

import argparse
import io
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.change import report
from rulepack.change.impact import Side, impact, judge
from rulepack.change.sources import OverrideError, from_path, parse_override, with_params
from rulepack.cli import impact as impact_command
from rulepack.testing import corpus

RULES = Path(__file__).resolve().parent.parent / "rules"
AS_OF = "2026-11-21T12:00:00+08:00"


@pytest.fixture(scope="module")
def bundled() -> Any:
    return from_path(RULES)


@pytest.fixture(scope="module")
def lowered(bundled: Any) -> Any:
    return with_params(bundled, [parse_override("xingtu.entry.params.douyin_min_fans=80000")])


def _douyin(fans: int, violations: int = 0) -> dict[str, Any]:
    return {"as_of": AS_OF, "account": {
        "platform": "douyin", "fans": fans, "mcn_signed": False,
        "violations": [{"on": "2025-01-02", "category": "content", "type": "vulgar",
                        "points": 2}] * violations}}


def test_lowering_a_threshold_moves_exactly_the_accounts_between_old_and_new(
        bundled: Any, lowered: Any) -> None:
    docs = [_douyin(79_999), _douyin(80_000), _douyin(99_999), _douyin(100_000),
            _douyin(85_000, violations=1), {"as_of": AS_OF, "organization": {"type": "mcn"}}]
    result = impact(bundled, lowered, docs, packs=["xingtu.entry"])
    pack = result.pack("xingtu.entry")
    assert (pack.documents, pack.neither, pack.changed) == (5, 1, 2)
    moved = pack.transition("fail", "pass")
    assert moved.count == 2 and moved.share == pytest.approx(2 / 5)
    assert [(r.rule, r.old, r.new, r.count) for r in moved.rules] == [
        ("audience", "fail", "pass", 2)]
    assert [(e.line, e.rules) for e in moved.examples] == [
        (2, ("audience: fail → pass",)), (3, ("audience: fail → pass",))]
    assert [(r.path, r.low, r.high) for r in moved.ranges] == [("account.fans", 80_000, 99_999)]
    # Still refused for its violation, but the audience rule now passes.
    blocked = pack.transition("fail", "fail")
    assert blocked.count == 2
    assert [(r.rule, r.count) for r in blocked.rules] == [("audience", 1)]
    assert [e.line for e in blocked.examples] == [5]
    assert pack.transition("pass", "pass").count == 1
    assert result.changed


def test_counts_agree_with_evaluating_each_document_on_both_sides(
        bundled: Any, lowered: Any) -> None:
    docs = list(corpus.documents(1500, seed=4))
    old_lib, new_lib = bundled.library(), lowered.library()
    expected: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        states = []
        for library in (old_lib, new_lib):
            found = [v for v in library.evaluate_all(doc) if v.pack == "xingtu.entry"]
            states.append(found[0].outcome if found else "not_applicable")
        expected[(states[0], states[1])] += 1
    pack = impact(bundled, lowered, docs, packs=["xingtu.entry"]).pack("xingtu.entry")
    got = {(t.old, t.new): t.count for t in pack.transitions}
    got[("not_applicable", "not_applicable")] = pack.neither
    assert got == {k: v for k, v in expected.items() if v}
    assert pack.changed > 0


def test_result_fields_and_list_items_that_changed_are_counted(bundled: Any) -> None:
    cheaper = with_params(bundled, [parse_override(
        "kuaishou.signing.business_tier.params.tier_s_min_cny=20000000")])
    docs = [{"as_of": AS_OF, "organization": {"type": "brand", "annual_framework_cny": amount}}
            for amount in (30_000_000, 25_000_000, 5_000_000, 60_000_000)]
    pack = impact(bundled, cheaper, docs, packs=["kuaishou.signing.business_tier"]).pack(
        "kuaishou.signing.business_tier")
    assert pack.changed == 0  # both tiers pass: the outcome holds, the result moves
    fields = {(f.field, f.old, f.new): f.count for f in pack.fields}
    assert fields[("tier", "A", "S")] == 2
    assert fields[("deposit_cny", 1_000_000, 3_000_000)] == 2
    gained = {i.item: i.gained for i in pack.items if i.field == "resources"}
    assert gained["splash_ad"] == 2


def test_unreadable_lines_are_counted_never_dropped(tmp_path: Path, bundled: Any,
                                                    lowered: Any) -> None:
    good = json.dumps(_douyin(90_000))
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join([good, "{not json", "", json.dumps({"account": {"fans": -1}}),
                               good]) + "\n", encoding="utf-8")
    result = impact(bundled, lowered, [str(path)], packs=["xingtu.entry"])
    assert result.lines == 5
    assert {u.code: u.count for u in result.unreadable} == {"RP701": 2, "RP702": 1}
    rp702 = next(u for u in result.unreadable if u.code == "RP702")
    assert rp702.examples[0][1] == 4
    assert result.pack("xingtu.entry").transition("fail", "pass").count == 2
    assert "unreadable lines RP701: 2" in report.text(result)


def test_several_jobs_give_the_same_report_as_one(tmp_path: Path, bundled: Any,
                                                  lowered: Any) -> None:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(corpus.lines(1200, seed=9)), encoding="utf-8")
    one = impact(bundled, lowered, [str(path)], packs=["xingtu.entry", "xingtu.conduct"])
    two = impact(bundled, lowered, [str(path)], packs=["xingtu.entry", "xingtu.conduct"],
                 jobs=2)
    assert one.to_dict() == two.to_dict()
    assert one.pack("xingtu.entry").changed > 0


def test_two_versions_of_one_pack(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "xingtu").mkdir(parents=True)
    text = (RULES / "xingtu" / "entry.yaml").read_text(encoding="utf-8")
    (rules / "xingtu" / "entry.yaml").write_text(text.replace(
        "effective_from: 2020-12-09", "effective_from: 2020-12-09\neffective_until: 2026-12-31"),
        encoding="utf-8")
    (rules / "xingtu" / "entry-1.1.0.yaml").write_text(
        text.replace("version: 1.0.0", "version: 1.1.0")
        .replace("effective_from: 2020-12-09", "effective_from: 2027-01-01")
        .replace("douyin_min_fans: 100000", "douyin_min_fans: 80000"), encoding="utf-8")
    result = impact(rules, rules, [_douyin(90_000), _douyin(70_000)],
                    old_version="1.0.0", new_version="1.1.0")
    pack = result.pack("xingtu.entry")
    assert pack.transition("fail", "pass").count == 1
    assert pack.versions == (("1.0.0", "1.1.0", 2),)


def test_a_pack_only_on_the_new_side_starts_applying(tmp_path: Path, bundled: Any) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(RULES / "kuaishou", rules)
    only_kuaishou = from_path(rules)
    pack = impact(only_kuaishou, bundled, [_douyin(120_000)], packs=["xingtu.entry"]).pack(
        "xingtu.entry")
    assert pack.transition("not_applicable", "pass").count == 1


def test_judge_follows_evaluate_all_on_platforms(bundled: Any) -> None:
    side = Side(bundled.library(), "bundled")
    doc = {"as_of": AS_OF, "account": {"platform": "kuaishou", "fans": 5}}
    assert judge(side, "xingtu.entry", doc, None)[0] == "not_applicable"
    assert [v.pack for v in rulepack.load().evaluate_all(doc)
            if v.pack == "xingtu.entry"] == []


def test_overrides_name_a_pack_and_param_that_exist(bundled: Any) -> None:
    with pytest.raises(OverrideError, match="douyin_min_fans"):
        with_params(bundled, [parse_override("xingtu.entry.params.douyin_min_fan=1")])
    with pytest.raises(OverrideError, match="no pack"):
        with_params(bundled, [parse_override("xingtu.entri.params.douyin_min_fans=1")])
    with pytest.raises(OverrideError, match="PACK.params.NAME=VALUE"):
        parse_override("xingtu.entry.douyin_min_fans=1")
    assert parse_override("a.b.params.x=[1, 2]") == ("a.b", "x", [1, 2])


def _cli(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="rulepack impact")
    impact_command.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    return impact_command.run(parser.parse_args(list(argv)), out, err), out.getvalue(), \
        err.getvalue()


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text(json.dumps(_douyin(90_000)) + "\n" + json.dumps(_douyin(120_000)) + "\n",
                    encoding="utf-8")
    return str(path)


def test_the_command_in_text_json_and_html(corpus_file: str, tmp_path: Path) -> None:
    lower = ["--set", "xingtu.entry.params.douyin_min_fans=80000", "--pack", "xingtu.entry",
             "--rules", str(RULES)]
    code, out, _ = _cli(corpus_file, *lower)
    assert code == 1
    assert "xingtu.entry: 1 of 2 documents change outcome (50.00 %)" in out
    assert "rule audience: fail → pass (1)" in out
    code, out, _ = _cli(corpus_file, *lower, "--format", "json")
    data = json.loads(out)
    assert data["packs"][0]["transitions"][0]["old"] == "fail"
    page = tmp_path / "impact.html"
    code, out, _ = _cli(corpus_file, *lower, "--format", "html", "--output", str(page))
    assert code == 1 and out == ""
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "fail → pass" in html
    # Self-contained: the only URL is the SVG namespace; no scripts, links or images.
    assert html.count("http") == html.count('xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in html and "<link" not in html and "<img" not in html


def test_the_command_exit_codes(corpus_file: str) -> None:
    same = ["--set", "xingtu.entry.params.douyin_min_fans=100000", "--pack", "xingtu.entry",
            "--rules", str(RULES)]
    assert _cli(corpus_file, *same)[0] == 0
    code, _, err = _cli(corpus_file, "--set", "xingtu.entry.params.nope=1", "--rules",
                        str(RULES))
    assert code == 2 and "has no param `nope`" in err
    assert _cli(corpus_file, "--rules", str(RULES))[0] == 2  # nothing to compare
    assert _cli(corpus_file, "--versions", "1.0.0", "1.0.0", "--rules", str(RULES))[0] == 2
    code, _, err = _cli("/no/such/file.jsonl", *same)
    assert code == 2 and "cannot read" in err
