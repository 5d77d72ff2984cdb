"""Hostile packs refused at load: each problem with its code, its place and a hint."""

from __future__ import annotations

from pathlib import Path

import pytest
from _packs import DEMO_PACK

import rulepack
from rulepack import PackError

GOOD = DEMO_PACK


def problems(tmp_path: Path, text: str) -> list[rulepack.Problem]:
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    return list(caught.value.problems)


def with_require(expression: str) -> str:
    return GOOD.replace("account.fans >= params.min_fans", '"' + expression + '"')


@pytest.mark.parametrize(
    ("expression", "column"),
    [
        ("account.fans is 100000", 15),
        ("account.fans is not 100000", 15),
        ("account.fans is params.min_fans", 15),
        ("account.fans is account.fans", 15),
        ("account.fans == 1 is 1", 31),  # the second link of a chain, at its left side
    ],
)
def test_is_compares_only_with_none(tmp_path: Path, expression: str, column: int) -> None:
    (problem,) = problems(tmp_path, with_require(expression))
    assert (problem.code, problem.line, problem.column) == ("RP202", 14, column), problem
    assert "only with `None`" in problem.message
    assert "==" in (problem.hint or "") or "!=" in (problem.hint or "")


@pytest.mark.parametrize(
    "expression",
    ["account.fans is not None", "None is account.fans", "account.fans is None or True"],
)
def test_is_with_none_still_loads(tmp_path: Path, expression: str) -> None:
    (tmp_path / "pack.yaml").write_text(with_require(expression), encoding="utf-8")
    assert rulepack.load(tmp_path).packs[0].id == "demo.entry"


def test_a_pack_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    from rulepack.loading.loader import MAX_PACK_BYTES

    # A comment keeps the file valid YAML: only its size can refuse it.
    padding = "# " + "x" * 98 + "\n"
    text = GOOD + padding * (MAX_PACK_BYTES // len(padding) + 1)
    (problem,) = problems(tmp_path, text)
    assert problem.code == "RP110"
    assert f"has {len(text.encode()):,} bytes, more than {MAX_PACK_BYTES:,}" in problem.message
    (tmp_path / "pack.yaml").write_text(GOOD + padding * (MAX_PACK_BYTES // len(padding) - 10))
    assert rulepack.load(tmp_path).packs[0].id == "demo.entry"
