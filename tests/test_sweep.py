"""rulepack sweep: a pack's outcomes at each value of one param, the corpus read once."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.change import sweep as sweep_module
from rulepack.change.sources import OverrideError, from_path
from rulepack.change.sweep import grid, sweep
from rulepack.cli import sweep as sweep_command
from rulepack.testing import corpus

RULES = Path(__file__).resolve().parent.parent / "rules"
AS_OF = "2026-11-21T12:00:00+08:00"


def test_grid_includes_both_ends_without_drift() -> None:
    assert grid(50_000, 100_000, 10_000) == [50_000, 60_000, 70_000, 80_000, 90_000, 100_000]
    assert grid(0.01, 0.03, 0.005) == [0.01, 0.015, 0.02, 0.025, 0.03]
    assert grid(10, 0, -5) == [10, 5, 0]
    for bad in ((0, 10, 0), (0, 10, -1)):
        with pytest.raises(ValueError, match="step"):
            grid(*bad)


def test_counts_match_each_value_evaluated_on_its_own(tmp_path: Path) -> None:
    docs = list(corpus.documents(800, seed=2))
    values = [60_000, 80_000, 100_000, 120_000]
    result = sweep(RULES, "xingtu.entry", "douyin_min_fans", values, docs)
    assert result.current == 100_000 and result.lines == 800
    for value, point in zip(values, result.points, strict=True):
        rules = tmp_path / str(value)
        rules.mkdir()
        (rules / "entry.yaml").write_text((RULES / "xingtu" / "entry.yaml").read_text(
            encoding="utf-8").replace("douyin_min_fans: 100000", f"douyin_min_fans: {value}"),
            encoding="utf-8")
        library = rulepack.load(rules)
        expected: dict[str, int] = {}
        for doc in docs:
            found = library.evaluate_all(doc)
            state = found[0].outcome if found else "not_applicable"
            expected[state] = expected.get(state, 0) + 1
        assert dict(point.counts) == expected, value
    passing = [p.counts.get("pass", 0) for p in result.points]
    assert passing == sorted(passing, reverse=True) and passing[0] > passing[-1]


def test_the_corpus_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(corpus.lines(50, seed=1)), encoding="utf-8")
    reads: list[Any] = []
    real = sweep_module.chunks

    def counting(sources: Any) -> Any:
        reads.append(sources)
        return real(sources)

    monkeypatch.setattr(sweep_module, "chunks", counting)
    result = sweep(from_path(RULES), "xingtu.entry", "douyin_min_fans",
                   grid(0, 200_000, 20_000), [str(path)])
    assert len(reads) == 1 and len(result.points) == 11


def test_unreadable_lines_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text('{"account": {"platform": "douyin", "fans": 90000, "mcn_signed": false, '
                    '"violations": []}, "as_of": "2026-11-21"}\nnope\n', encoding="utf-8")
    result = sweep(RULES, "xingtu.entry", "douyin_min_fans", [80_000, 100_000], [str(path)])
    assert [p.counts for p in result.points] == [{"pass": 1}, {"fail": 1}]
    assert [(u.code, u.count) for u in result.unreadable] == [("RP701", 1)]


def test_unknown_pack_or_param() -> None:
    with pytest.raises(OverrideError, match="douyin_min_fans"):
        sweep(RULES, "xingtu.entry", "douyin_min_fan", [1], [])
    with pytest.raises(OverrideError, match="no pack"):
        sweep(RULES, "xingtu.entri", "douyin_min_fans", [1], [])


def _cli(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="rulepack sweep")
    sweep_command.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    return sweep_command.run(parser.parse_args(list(argv)), out, err), out.getvalue(), \
        err.getvalue()


def test_the_command_table_json_and_chart(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("".join(corpus.lines(300, seed=3)), encoding="utf-8")
    args = ["xingtu.entry", str(path), "--param", "douyin_min_fans", "--from", "50000",
            "--to", "150000", "--step", "50000", "--rules", str(RULES)]
    chart = tmp_path / "sweep.svg"
    code, out, _ = _cli(*args, "--chart", str(chart))
    assert code == 0
    assert "100,000 *" in out and "declared 100000" in out
    svg = chart.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<polyline") == 3
    code, out, _ = _cli(*args, "--format", "json")
    data = json.loads(out)
    assert [p["value"] for p in data["points"]] == [50_000, 100_000, 150_000]
    assert sum(data["points"][0][s] for s in ("pass", "fail", "unknown", "not_applicable",
                                              "error")) == 300
    code, _, err = _cli(*args[:-2], "--step", "0")
    assert code == 2 and "step" in err
