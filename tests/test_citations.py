"""Citations checked against their sources (rulepack.analysis.citations)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rulepack.analysis.citations import (
    WARNINGS,
    citation_problems,
    load_sources,
    normalise,
    stated_numbers,
)

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
ENTRY = ROOT / "rules" / "xingtu" / "entry.yaml"


def _packs() -> list[Path]:
    return sorted(p for p in (ROOT / "rules").rglob("*.yaml") if ".test." not in p.name)


@pytest.mark.parametrize(("quote", "source"), [
    ("抖音达人入驻,粉丝最少需要10万以上", "抖音达人入驻，粉丝最少需要10万以上"),  # full-width comma
    ("个人怎么才能入驻?", "个人怎么才能入驻？"),
    ("参加平台规则考试(通过率92%", "参加平台规则考试（通过率９２％"),  # full-width digits
    ("账号不可有违规,否则不予开通星图。", "账号不可有违规，\n  否则不予开通星图."),
    ("“以上”", '"以上"'),
])
def test_normalisation_forgives_width_punctuation_and_whitespace(quote: str, source: str) -> None:
    assert normalise(quote) == normalise(source)


@pytest.mark.parametrize(("quote", "source"), [
    ("粉丝最少需要10万以上", "粉丝最少需要5万以上"),
    ("粉丝最少需要10万以上", "粉丝最少需要10万"),
    ("通过率92%", "通过率92‰"),
])
def test_normalisation_keeps_words_numbers_and_units(quote: str, source: str) -> None:
    assert normalise(quote) not in normalise(source)


@pytest.mark.parametrize(("quote", "numbers"), [
    ("抖音达人入驻,粉丝最少需要10万以上", [100_000]),
    ("需30万粉丝以上", [300_000]),
    ("扣满12分将取消接单资格", [12]),
    ("点赞/播放比控制在1.5%-3%之间", [0.015, 0.03]),
    ("A级核心代理1000-5000万信息流广告", [10_000_000, 50_000_000]),
    ("年度框架协议额3,000万", [30_000_000]),
    ("等待10分钟后重试", []),  # minutes are not points
    ("近3年存在重大行政处罚", []),  # a bare number: too often a count or a duration
    ("发布时间:2020-12-09 15:06:56", []),
])
def test_stated_numbers(quote: str, numbers: list[float]) -> None:
    assert [value for _, value in stated_numbers(quote)] == pytest.approx(numbers)


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    text = ENTRY.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "entry.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _sources(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "004_c30c05e1c13ae5fb.txt").write_text(
        "什么是抖音星图,个人怎么才能入驻?\n抖音达人入驻，粉丝最少需要10万以上。西瓜和火山视频达人"
        "想入驻星图,粉丝需要在5万以上 达人可以通过和mcn签约入驻,成为mcn签约达人。\n"
        "账号不可有违规,否则不予开通星图。", encoding="utf-8")
    return load_sources(folder)


def test_the_bundled_entry_pack_cites_its_source_exactly(tmp_path: Path) -> None:
    assert citation_problems(ENTRY, "entry.yaml", _sources(tmp_path)) == []


def test_a_made_up_source_file_is_reported_at_its_quote(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "      seed: 004_c30c05e1c13ae5fb.txt\n      quote: 抖音达人入驻",
                 "      seed: 004_c30c05e1c13ae5fb.text\n      quote: 抖音达人入驻")
    [problem] = citation_problems(pack, "entry.yaml", _sources(tmp_path))
    assert (problem.code, problem.rule, problem.value) == ("RP607", "audience",
                                                          "004_c30c05e1c13ae5fb.text")
    assert problem.line == 38 and problem.column == 14
    assert problem.hint is not None and "004_c30c05e1c13ae5fb.txt" in problem.hint


def test_a_quote_that_is_not_in_its_source_is_reported(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "quote: 抖音达人入驻,粉丝最少需要10万以上",
                 "quote: 抖音达人入驻,粉丝最少需要8万以上")
    [problem] = citation_problems(pack, "entry.yaml", _sources(tmp_path))
    assert (problem.code, problem.value) == ("RP608", "抖音达人入驻,粉丝最少需要8万以上")


def test_a_threshold_edited_away_from_its_quote_is_a_warning(tmp_path: Path) -> None:
    pack = _copy(tmp_path, "douyin_min_fans: 100000", "douyin_min_fans: 80000")
    [problem] = citation_problems(pack, "entry.yaml", _sources(tmp_path))
    assert (problem.code, problem.rule, problem.value) == ("RP609", "audience", "10万")
    assert "100,000" in problem.message and problem.code in WARNINGS


def test_a_pack_that_is_not_yaml_has_no_citations_to_check(tmp_path: Path) -> None:
    pack = tmp_path / "broken.yaml"
    pack.write_text("id: [unclosed\n", encoding="utf-8")
    assert citation_problems(pack, "broken.yaml", _sources(tmp_path)) == []


def _bundled_citation_problems() -> list[tuple[str, str]]:
    if not SEEDS.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"CI runs beside the seed documents, and {SEEDS} is not there")
        pytest.skip("the seed documents are not beside the repository")
    sources = load_sources(SEEDS)
    return [(p.code, str(p)) for pack in _packs()
            for p in citation_problems(pack, str(pack.relative_to(ROOT)), sources)]


def test_every_bundled_quote_is_verbatim_in_its_seed() -> None:
    assert [text for code, text in _bundled_citation_problems() if code not in WARNINGS] == []


def test_no_bundled_quote_states_an_amount_its_rule_does_not_apply() -> None:
    # a statistic in a quote (全渠道覆盖 1.5万 9小时 79%) is a warning on every check run
    assert [text for code, text in _bundled_citation_problems() if code in WARNINGS] == []


def test_check_with_sources_fails_on_a_quote_not_in_its_source(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rulepack.cli.main import main

    rules = tmp_path / "rules"
    rules.mkdir()
    _copy(tmp_path, "quote: 抖音达人入驻,粉丝最少需要10万以上",
          "quote: 抖音达人入驻,粉丝最少需要8万以上").rename(rules / "entry.yaml")
    sources = tmp_path / "sources"
    _sources(tmp_path)
    assert main(["check", str(rules), "--sources", str(sources)]) == 1
    assert "RP608" in capsys.readouterr().err
    assert main(["check", str(rules)]) == 0  # without sources, citations are not read


def test_check_with_sources_warns_but_passes_on_a_drifted_amount(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rulepack.cli.main import main

    rules = tmp_path / "rules"
    rules.mkdir()
    _copy(tmp_path, "douyin_min_fans: 100000", "douyin_min_fans: 80000").rename(
        rules / "entry.yaml")
    _sources(tmp_path)
    assert main(["check", str(rules), "--sources", str(tmp_path / "sources")]) == 0
    captured = capsys.readouterr()
    assert "RP609" in captured.err and "1 warning(s)" in captured.out
