"""Fact-document problems placed at the line and column of the value they name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rulepack.cli.main import main
from rulepack.core.errors import Problem
from rulepack.facts.reading import placed

PRETTY = json.dumps({"account": {"fans": -5, "a.b": {"c": 1},
                                 "violations": [{"on": "2026-01-01"}, {"on": "x"}]}}, indent=2)


def at(text: str, path: str, kind: str, **options: int) -> tuple[int, int]:
    (problem,) = placed([Problem(file="f", code="RP301", message="m", value=path)], text, kind,
                        **options)
    return problem.line, problem.column


def position_of(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    """The 1-based line and column of the ``occurrence``-th ``needle`` in ``text``."""
    offset = -1
    for _ in range(occurrence + 1):
        offset = text.index(needle, offset + 1)
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


@pytest.mark.parametrize(("path", "needle", "occurrence"), [
    ("$.account.fans", "-5", 0),
    ("$.account.violations[1].on", '"x"', 0),
    ("$.account.violations[0]", '{\n        "on"', 0),
    ("$.account.a.b.c", "1", 0),  # a key holding a dot is found as the document has it
])
def test_a_json_file_places_the_value_of_the_path(path: str, needle: str,
                                                  occurrence: int) -> None:
    assert at(PRETTY, path, "json") == position_of(PRETTY, needle, occurrence)


def test_a_yaml_file_places_the_value_of_the_path() -> None:
    text = "account:\n  fans: -5\n  violations:\n    - on: 2026-01-01\n    - on: x\n"
    assert at(text, "$.account.fans", "yaml") == (2, 9)
    assert at(text, "$.account.violations[1].on", "yaml") == (5, 11)


def test_a_line_of_json_lines_is_placed_on_its_line() -> None:
    line = '{"account": {"fans": -5}}'
    assert at(line, "$.account.fans", "jsonl", line=7) == (7, line.index("-5") + 1)


def test_a_path_the_text_does_not_have_or_a_problem_already_placed_is_left_as_it_is() -> None:
    problems = [Problem(file="f", code="RP301", message="m", value="$.account.nothing[3]"),
                Problem(file="f", code="RP301", message="m", value="not a path"),
                Problem(file="f", line=2, column=3, code="RP301", message="m",
                        value="$.account.fans")]
    assert placed(problems, PRETTY, "json") == problems


def test_eval_names_the_file_line_and_column(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "doc.json").write_text(PRETTY, "utf-8")
    (tmp_path / "doc.yaml").write_text("account:\n  fans: -5\n", "utf-8")
    (tmp_path / "docs.jsonl").write_text('{"account": {"fans": 1}}\n'
                                         '{"account": {"fans": -5}}\n', "utf-8")
    line, column = position_of(PRETTY, "-5")
    for name, where in (("doc.json", f"{line}:{column}"), ("doc.yaml", "2:9"),
                        ("docs.jsonl", "2:22")):
        assert main(["eval", str(tmp_path / name), "--pack", "xingtu.entry"]) == 2
        err = capsys.readouterr().err
        assert f"{tmp_path / name}:{where}: RP301: -5 is less than the minimum of 0" in err, err
