"""The what-if subcommands and --counterfactual, reached through `rulepack` itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulepack.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "douyin-creator-xingtu.yaml"


def test_diff_of_a_folder_with_itself_finds_no_change(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(ROOT / "rules"), str(ROOT / "rules")]) == 0
    assert "no change" in capsys.readouterr().out.lower()


def test_sweep_runs_from_the_command_line(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "facts.jsonl"
    corpus.write_text('{"as_of": "2026-02-13", "account": {"platform": "douyin", '
                      '"fans": 90000, "mcn_signed": false, "violations": []}}\n',
                      encoding="utf-8")
    code = main(["sweep", "xingtu.entry", "--param", "douyin_min_fans", "--from", "80000",
                 "--to", "100000", "--step", "10000", str(corpus)])
    out = capsys.readouterr().out
    assert code == 0
    assert "80,000" in out or "80000" in out


def test_eval_counterfactual_names_the_smallest_change(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(EXAMPLE), "--pack", "xingtu.entry", "--lang", "en",
                 "--counterfactual"]) == 0
    out = capsys.readouterr().out
    assert "account.fans: 99,999 → 100,000 (1 more)" in out


def test_counterfactual_is_refused_with_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", str(EXAMPLE), "--format", "jsonl", "--counterfactual"]) == 2
    assert "--counterfactual goes with the text output" in capsys.readouterr().err
