"""Hostile fact documents: what validation accepts, evaluation reads and every output writes;
what it cannot, validation refuses with the JSON path, on every reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.cli.main import main
from rulepack.core.errors import FactsError
from rulepack.core.yaml_reader import MAX_INT_DIGITS
from rulepack.facts.reading import read_documents, read_facts
from rulepack.library import fact_schema

ROOT = Path(__file__).resolve().parents[1]
LIFECYCLE = "xingtu.xigua_task.lifecycle"


@pytest.fixture(scope="module")
def library() -> rulepack.Library:
    return rulepack.load(ROOT / "rules")


def example() -> dict[str, Any]:
    document = read_facts(ROOT / "examples" / "xigua-creator-task.yaml")
    assert isinstance(document, dict)
    return document


def codes_and_paths(document: Any) -> list[tuple[str, str | None]]:
    return [(p.code, p.value) for p in fact_schema().problems(document)]


# -- text: Unicode only -----------------------------------------------------------------------

SURROGATE_JSON = '{"account": {"fans": 5, "identity": {"real_name": "\\u5f20\\ud800"}}}'


def test_a_lone_surrogate_is_refused_with_its_path() -> None:
    (document,) = [doc for _, doc in read_documents(SURROGATE_JSON, "facts.json")]
    (problem,) = fact_schema().problems(document)
    assert (problem.code, problem.value) == ("RP301", "$.account.identity.real_name")
    assert "U+D800" in problem.message
    problem.message.encode("utf-8")  # the words themselves are writable


def test_a_lone_surrogate_in_a_key_is_shown_escaped() -> None:
    (document,) = [doc for _, doc in read_documents('{"account": {"f\\udc00": 1}}', "f.json")]
    (problem,) = fact_schema().problems(document)
    assert problem.code == "RP301" and problem.value == "$.account.f\\udc00"
    (problem.message + problem.value).encode("utf-8")


def test_a_surrogate_pair_is_one_character_and_valid() -> None:
    (document,) = [doc for _, doc in read_documents(
        '{"account": {"identity": {"real_name": "\\ud83d\\ude00"}}}', "f.json")]
    assert document["account"]["identity"]["real_name"] == "\U0001f600"
    assert codes_and_paths(document) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_lone_surrogate_line_gets_an_error_record_in_a_batch(
        tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes], jobs: str) -> None:
    good = '{"account": {"fans": 5}}'
    facts = tmp_path / "facts.jsonl"
    facts.write_text(f"{good}\n{SURROGATE_JSON}\n{good}\n", "utf-8")
    code = main(["eval", "--batch", str(facts), "--rules", str(ROOT / "rules"),
                 "--pack", "xingtu.entry", "--as-of", "2026-03-01", "--jobs", jobs])
    out, err = capsysbinary.readouterr()
    assert b"Traceback" not in out + err and code == 2
    records = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[1]["error"]["code"] == "RP702"
    assert records[1]["error"]["value"] == "$.account.identity.real_name"
    assert "error" not in records[0] and "error" not in records[2]


def test_yaml_double_quoted_surrogate_escape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text('account:\n  identity:\n    real_name: "\\ud800"\n', "utf-8")
    try:
        document = read_facts(path)
    except FactsError as refused:  # the YAML reader may refuse the escape itself
        assert [p.code for p in refused.problems] == ["RP302"]
        return
    assert codes_and_paths(document) == [("RP301", "$.account.identity.real_name")]


# -- dates and instants: what validates can be read ------------------------------------------


def test_lower_case_separators_read_as_upper_case(library: rulepack.Library) -> None:
    upper, lower = example(), example()
    task = lower["task"]
    for key in ("published_at", "accepted_at", "video_published_at"):
        written = str(upper["task"][key])
        task[key] = written[:10] + "t" + written[11:]
    upper["task"]["published_at"] = "2026-05-18T02:00:00Z"
    task["published_at"] = "2026-05-18t02:00:00z"
    assert codes_and_paths(lower) == []
    at = "2026-05-26T09:30:00+08:00"
    verdict = library.evaluate(LIFECYCLE, lower, as_of=at)
    assert verdict.outcome != "unknown", verdict.explain("en")
    assert verdict.to_json("en") == library.evaluate(LIFECYCLE, upper, as_of=at).to_json("en")


@pytest.mark.parametrize(("value", "kind"), [
    ("9999-12-31T23:00:00+08:00", "instant"), ("9000-01-01T00:00:00Z", "instant"),
    ("0999-12-31T23:59:59+00:00", "instant"), ("0001-01-01T00:00:00+14:00", "instant"),
    ("9999-12-31", "date"), ("0500-06-01", "date"),
])
def test_years_outside_the_range_are_refused_with_the_path(value: str, kind: str) -> None:
    if kind == "instant":
        document: dict[str, Any] = {"task": {"published_at": value}}
        path = "$.task.published_at"
    else:
        document = {"account": {"identity": {"id_expires_on": value}}}
        path = "$.account.identity.id_expires_on"
    (problem,) = fact_schema().problems(document)
    assert (problem.code, problem.value) == ("RP301", path)
    assert "outside the years 1000 to 8999" in problem.message


def test_the_ends_of_the_range_are_read_and_moved_by_durations(
        library: rulepack.Library) -> None:
    for published in ("8999-12-31T23:59:59+08:00", "1000-01-01T00:00:00+00:00"):
        document = example()
        document["task"]["published_at"] = published
        assert codes_and_paths(document) == []
        verdict = library.evaluate(LIFECYCLE, document, as_of="2026-05-26T09:30:00+08:00")
        json.loads(verdict.to_json("en"))
        assert "RP504" not in verdict.to_json("en"), verdict.explain("en")


def test_an_as_of_outside_the_range_is_rp303() -> None:
    (problem,) = fact_schema().problems({"as_of": "9999-12-31T20:00:00-08:00"})
    assert (problem.code, problem.value) == ("RP303", "$.as_of")
    assert "the year 9999 is outside" in problem.message


# -- ints: within MAX_INT_DIGITS on every reader ---------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".jsonl", ".yaml"])
def test_ints_over_the_documented_digits_are_refused_by_every_reader(
        tmp_path: Path, suffix: str) -> None:
    longest, over = "9" * MAX_INT_DIGITS, "9" * (MAX_INT_DIGITS + 1)
    for digits, refused in ((longest, False), (over, True)):
        text = f'{{"account": {{"fans": {digits}}}}}\n'
        documents = list(read_documents(text, "facts" + suffix)) if suffix == ".jsonl" else None
        if documents is not None:
            (_, document), = documents
            assert isinstance(document, FactsError) is refused
            if refused:
                assert isinstance(document, FactsError)
                message = document.problems[0].message
                assert "more digits than can be read (4,001 digits, more than 4,000)" in message
            continue
        path = tmp_path / ("facts" + suffix)
        path.write_text(text, "utf-8")
        if refused:
            with pytest.raises(FactsError) as caught:
                read_facts(path)
            assert [p.code for p in caught.value.problems] == ["RP302"]
            assert "4,000" in caught.value.problems[0].message
        else:
            assert read_facts(path)["account"]["fans"] == int(longest)


def test_readme_states_the_digit_limit_the_readers_keep() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert f"ints of up to {MAX_INT_DIGITS:,} digits" in readme
    assert "the years 1000 to 8999" in readme
