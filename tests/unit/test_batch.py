"""`rulepack eval --batch`: one record per line per pack, in order, whatever the lines hold."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rulepack.batch import jsonl as batch_jsonl
from rulepack.cli.main import main
from rulepack.facts.precheck import compile_precheck
from rulepack.facts.reading import read_documents
from rulepack.library import fact_schema

PACK = """\
id: demo.{name}
version: 1.0.0
effective_from: 2026-01-01
subject: account
title: {{zh: 演示, en: Demo}}
description: {{zh: 演示包, en: A demo pack}}
sources: [{{seed: s.txt, quote: 粉丝}}]
params: {{min_fans: {threshold}}}
rules:
  - id: fans
    title: {{zh: 粉丝, en: Fans}}
    source: {{seed: s.txt, quote: 粉丝}}
    require: account.fans >= params.min_fans
"""

GOOD = '{"account": {"fans": 150}}'
SHORT = '{"account": {"fans": 5}}'
NOT_JSON = '{"account": {"fans": 5'
INVALID = '{"account": {"fans": -1}}'


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "a.yaml").write_text(PACK.format(name="a", threshold=100), "utf-8")
    (folder / "b.yaml").write_text(PACK.format(name="b", threshold=5), "utf-8")
    return folder


def jsonl(tmp_path: Path, *lines: str, name: str = "facts.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), "utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def batch(capsys: pytest.CaptureFixture[str], rules: Path, *argv: str,
          as_of: str | None = "2026-03-01") -> tuple[int, list[dict[str, Any]], str]:
    when = ("--as-of", as_of) if as_of is not None else ()
    code, out, err = run(capsys, "eval", "--batch", *argv, "--rules", str(rules), *when,
                         "--lang", "en")
    return code, [json.loads(line) for line in out.splitlines()], err


def summary(record: dict[str, Any]) -> tuple[int, str | None, str]:
    kind = record["error"]["code"] if "error" in record else record["outcome"]
    return record["line"], record["pack"], kind


# -- records --------------------------------------------------------------------------------


def test_every_line_gives_one_record_per_pack_in_order(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_jsonl, "CHUNK_LINES", 2)  # line numbers carry across chunks
    facts = jsonl(tmp_path, GOOD, SHORT, NOT_JSON, INVALID, "", GOOD)
    code, records, err = batch(capsys, rules, str(facts), "--pack", "demo.a", "--pack", "demo.b")
    assert code == 2
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (1, "demo.b", "pass"),
        (2, "demo.a", "fail"), (2, "demo.b", "pass"),
        (3, "demo.a", "RP701"), (3, "demo.b", "RP701"),
        (4, "demo.a", "RP702"), (4, "demo.b", "RP702"),
        (5, "demo.a", "RP701"), (5, "demo.b", "RP701"),
        (6, "demo.a", "pass"), (6, "demo.b", "pass"),
    ]
    assert all(r["input"] == "facts.jsonl" or r["input"].endswith("facts.jsonl")
               for r in records)
    assert "3 of 6 line(s) failed" in err


def test_error_records_say_why(rules: Path, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, NOT_JSON, '{"account": {"fans": -1, "fan": 3}}', "  ")
    _, records, _ = batch(capsys, rules, str(facts), "--pack", "demo.a")
    not_json, invalid, blank = (r["error"] for r in records)
    assert not_json["code"] == "RP701" and "not JSON" in not_json["message"]
    assert not_json["value"] == NOT_JSON
    assert invalid["code"] == "RP702" and invalid["value"] == "$.account.fan"
    assert "unknown fact `fan`" in invalid["message"]
    assert [p["value"] for p in invalid["problems"]] == ["$.account.fan", "$.account.fans"]
    assert blank == {"code": "RP701", "message": "the line is blank", "value": "  ",
                     "hint": "a JSON Lines file holds one JSON object on each line"}


def test_a_truncated_line_is_placed_at_its_end(rules: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    _, records, _ = batch(capsys, rules, str(jsonl(tmp_path, NOT_JSON)), "--pack", "demo.a")
    assert records[0]["error"]["message"].endswith(f"at column {len(NOT_JSON) + 1}")


def test_an_instant_with_no_day_in_china_fails_its_line_only(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    early = '{"as_of": "0001-01-01T00:00:00+14:00", "account": {"fans": 150}}'
    code, records, _ = batch(capsys, rules, str(jsonl(tmp_path, GOOD, early, GOOD)),
                             "--pack", "demo.a", as_of=None)
    assert code == 2
    # Outside the years a fact document may use (it would have no date in China time): the
    # line is refused at validation, its problem RP303 at the path of as_of.
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (2, "demo.a", "RP702"), (3, "demo.a", "pass")]
    assert [(p["code"], p["value"]) for p in records[1]["error"]["problems"]] == [
        ("RP303", "$.as_of")]
    assert "the year 1 is outside the years 1000 to 8999" in records[1]["error"]["message"]


def test_a_line_that_meets_a_bug_gets_an_error_record_and_the_run_goes_on(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    evaluate = batch_jsonl.Library.evaluate

    def failing(self: Any, pack_id: str, facts: Any, **kwargs: Any) -> Any:
        if pack_id == "demo.b" and facts["account"]["fans"] == 5:
            raise KeyError("a bug")
        return evaluate(self, pack_id, facts, **kwargs)

    monkeypatch.setattr(batch_jsonl.Library, "evaluate", failing)
    code, records, _ = batch(capsys, rules, str(jsonl(tmp_path, GOOD, SHORT, GOOD)),
                             "--pack", "demo.a", "--pack", "demo.b")
    assert code == 2
    # The line's verdicts made before the bug are dropped: one record per pack, all errors.
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (1, "demo.b", "pass"),
        (2, "demo.a", "RP703"), (2, "demo.b", "RP703"),
        (3, "demo.a", "pass"), (3, "demo.b", "pass")]
    assert records[2]["error"]["message"] == (
        "the line could not be evaluated: internal error KeyError: 'a bug'")


def test_a_verdict_record_is_the_verdict_with_its_place(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, SHORT)
    code, [record], _ = batch(capsys, rules, str(facts), "--pack", "demo.a")
    assert code == 0
    assert record["pack"] == "demo.a" and record["version"] == "1.0.0"
    assert record["as_of"] == "2026-03-01T00:00:00+08:00" and record["line"] == 1
    assert "5 of 100" in json.dumps(record["reasons"], ensure_ascii=False)


def test_without_pack_every_applicable_pack_and_a_record_when_none_applies(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, GOOD, "{}", NOT_JSON)
    code, records, _ = batch(capsys, rules, str(facts))
    assert code == 2
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (1, "demo.b", "pass"),
        (2, None, "not_applicable"), (3, None, "RP701")]


def test_a_pack_not_in_force_at_a_lines_as_of_is_an_error_record(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, '{"as_of": "2025-06-01", "account": {"fans": 1}}',
                  '{"as_of": "2026-03-01", "account": {"fans": 150}}')
    code, records, _ = batch(capsys, rules, str(facts), "--pack", "demo.a", as_of=None)
    assert code == 2
    assert [summary(r) for r in records] == [(1, "demo.a", "RP502"), (2, "demo.a", "pass")]


def test_as_of_given_judges_every_line_then_though_its_own_is_checked(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, '{"as_of": "2025-06-01", "account": {"fans": 150}}',
                  '{"as_of": "2025-13-01", "account": {"fans": 150}}',
                  '{"account": {"fans": 150}}')
    code, records, _ = batch(capsys, rules, str(facts), "--pack", "demo.a", as_of="2026-03-01")
    assert code == 2
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (2, "demo.a", "RP702"), (3, "demo.a", "pass")]
    assert records[0]["as_of"] == records[2]["as_of"] == "2026-03-01T00:00:00+08:00"


def test_an_as_of_that_is_no_date_is_refused_before_any_line(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, records, err = batch(capsys, rules, str(jsonl(tmp_path, GOOD)), "--pack", "demo.a",
                               as_of="2026-13-45")
    assert (code, records) == (2, [])
    assert "--as-of `2026-13-45` is not an ISO 8601 instant or date" in err


def test_odd_bytes_are_lines_too(rules: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "odd.jsonl"
    facts.write_bytes(b"\xef\xbb\xbf" + GOOD.encode() + b"\r\n" + b'{"a": "\xff"}\n'
                      + b"[" * 100_000 + b"\n" + SHORT.encode())  # no final newline
    _, records, _ = batch(capsys, rules, str(facts), "--pack", "demo.a")
    assert [summary(r) for r in records] == [
        (1, "demo.a", "pass"), (2, "demo.a", "RP701"), (3, "demo.a", "RP701"),
        (4, "demo.a", "fail")]
    assert "not UTF-8" in records[1]["error"]["message"]
    assert len(records[2]["error"]["value"]) == 200


# -- inputs and outputs ---------------------------------------------------------------------


def test_stdin(rules: Path, capsys: pytest.CaptureFixture[str],
               monkeypatch: pytest.MonkeyPatch) -> None:
    data = f"{GOOD}\n{SHORT}\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, records, _ = batch(capsys, rules, "-", "--pack", "demo.a")
    assert code == 0
    assert [(r["input"], r["line"], r["outcome"]) for r in records] == [
        ("<stdin>", 1, "pass"), ("<stdin>", 2, "fail")]


def test_several_inputs_number_their_own_lines(rules: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    first = jsonl(tmp_path, GOOD, name="one.jsonl")
    second = jsonl(tmp_path, SHORT, GOOD, name="two.jsonl")
    _, records, _ = batch(capsys, rules, str(first), str(second), "--pack", "demo.a")
    assert [(Path(r["input"]).name, r["line"]) for r in records] == [
        ("one.jsonl", 1), ("two.jsonl", 1), ("two.jsonl", 2)]


def test_output_file_holds_what_stdout_would(rules: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, GOOD, NOT_JSON, SHORT)
    common = ("eval", "--batch", str(facts), "--rules", str(rules), "--as-of", "2026-03-01")
    code, expected, _ = run(capsys, *common)
    target = tmp_path / "out" / "verdicts.jsonl"
    target.parent.mkdir()
    code, out, _ = run(capsys, *common, "--output", str(target))
    assert code == 2 and out == ""
    assert target.read_text("utf-8") == expected
    assert [p.name for p in target.parent.iterdir()] == ["verdicts.jsonl"]  # no temporary left


def test_jobs_2_writes_the_same_bytes_as_jobs_1(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_jsonl, "CHUNK_LINES", 3)  # many chunks, several in flight at once
    lines = [GOOD, SHORT, NOT_JSON, INVALID, "", '{"account": {"fans": 99}}'] * 7
    facts = jsonl(tmp_path, *lines)
    outputs = []
    for jobs in ("1", "2"):
        target = tmp_path / f"jobs{jobs}.jsonl"
        code, _, _ = run(capsys, "eval", "--batch", str(facts), "--rules", str(rules),
                         "--jobs", jobs, "--output", str(target), "--as-of", "2026-03-01")
        assert code == 2
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 9 * 7  # two packs for 4 good lines, 1 for 3 bad


def test_unusable_inputs_and_arguments_exit_2_without_output(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, GOOD)
    base = ("eval", "--rules", str(rules))
    code, out, err = run(capsys, *base, "--batch", str(tmp_path / "nope.jsonl"))
    assert code == 2 and out == "" and "RP302" in err and "cannot read the file" in err
    code, out, err = run(capsys, *base, "--batch", str(facts), "--pack", "demo.c")
    assert code == 2 and out == "" and "RP501" in err
    code, _, err = run(capsys, *base, "--batch", str(facts), "--output",
                       str(tmp_path / "no" / "such" / "out.jsonl"))
    assert code == 2 and "cannot write" in err
    for extra in (("--jobs", "0"), ("--format", "text"), ("--as-of", "soon")):
        assert run(capsys, *base, "--batch", str(facts), *extra)[0] == 2
    assert run(capsys, *base, str(facts), "--jobs", "2")[0] == 2  # --jobs needs --batch
    assert run(capsys, *base, str(facts), "--output", "x.jsonl")[0] == 2


def test_help_states_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["eval", "--help"])
    out = capsys.readouterr().out
    assert "--batch" in out and "some lines failed" in out


# -- progress -------------------------------------------------------------------------------


def test_no_progress_bar_unless_stderr_is_a_terminal(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = jsonl(tmp_path, GOOD)
    code, _, err = batch(capsys, rules, str(facts), "--pack", "demo.a")
    assert code == 0 and err == ""
    assert batch_jsonl.Progress.for_terminal(io.StringIO(), 100) is None


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_draws_lines_rate_and_share_at_most_every_interval() -> None:
    now = [0.0]
    stream = _Terminal()
    progress = batch_jsonl.Progress(stream, 1000, interval=0.5, clock=lambda: now[0])
    now[0] = 0.1
    progress.advance(100, 250)
    assert stream.getvalue() == ""  # too soon to redraw
    now[0] = 2.0
    progress.advance(100, 250)
    drawn = stream.getvalue()
    assert drawn.startswith("\r") and "200 lines" in drawn and "100 lines/s" in drawn
    assert "50%" in drawn and "█" * 12 + "░" * 12 in drawn
    progress.close()
    assert stream.getvalue().endswith("\n")
    assert isinstance(batch_jsonl.Progress.for_terminal(_Terminal(), None), batch_jsonl.Progress)
    assert "%" not in batch_jsonl.Progress(stream, None, clock=lambda: 1.0).line(2.0)


# -- the compiled schema check --------------------------------------------------------------


def _examples() -> list[Any]:
    folder = Path(__file__).resolve().parents[2] / "examples"
    return [doc for p in sorted(folder.glob("*.yaml"))
            for _, doc in read_documents(p.read_text("utf-8"), p.name)]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


ODD_VALUES = [None, True, False, 0, -1, 1, 1.0, 1.5, 10**20, "", "douyin", "2026-02-30",
              "2026-01-01", "2026-01-01T00:00:00+08:00", "2026-01-01T00:00:00", [], [1], {},
              {"x": 1}, dt.date(2026, 1, 1)]


def test_compiled_check_never_passes_what_jsonschema_rejects() -> None:
    schema = fact_schema()
    examples = _examples()
    assert examples and all(schema._certainly_valid(doc) for doc in examples)
    tried = 0
    for base in examples:
        for path in _paths(base):
            # Three odd values per fact, a different three for the next: every value gets
            # tried at many kinds of fact without trying every pair.
            for value in (ODD_VALUES[(tried + i) % len(ODD_VALUES)] for i in range(3)):
                doc = copy.deepcopy(base)
                node = doc
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = value
                problems = schema.problems(doc)
                assert schema.is_valid(doc) == (not problems)
                assert bool(problems) == (not schema._validator.is_valid(doc)), (path, value)
            tried += 1
    assert tried > 100


def test_compiled_check_leaves_what_it_does_not_know_to_jsonschema() -> None:
    # A keyword it does not compile (multipleOf), and an `if` it cannot decide exactly.
    assert compile_precheck({"type": "integer", "multipleOf": 2})(4) is False
    assert compile_precheck({"if": {"minimum": 1}, "then": True})(2) is False
    assert compile_precheck({"not": {"type": "string"}})(1) is False
    assert compile_precheck({"$ref": "#/$defs/missing"})(1) is False
    assert compile_precheck({"enum": [1, "a", None]})(True) is False  # True == 1 in Python
    assert compile_precheck({"enum": [1, "a", None]})(None) is True
    recursive = {"$defs": {"node": {"type": "object", "additionalProperties": False,
                                    "properties": {"next": {"$ref": "#/$defs/node"}}}},
                 "$ref": "#/$defs/node"}
    check = compile_precheck(recursive)
    assert check({"next": {"next": {}}}) is True and check({"next": {"other": 1}}) is False


def test_a_line_with_a_key_written_twice_is_not_read(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # json.loads would keep the last value silently; YAML readers keep the first.
    twice = '{"account": {"fans": 5, "fans": 150}}'
    code, records, _ = batch(capsys, rules, str(jsonl(tmp_path, twice, GOOD)), "--pack", "demo.a")
    assert code == 2
    assert [summary(r) for r in records] == [(1, "demo.a", "RP701"), (2, "demo.a", "pass")]
    assert records[0]["error"] == {"code": "RP701",
                                   "message": "the key `fans` appears twice in one object",
                                   "value": twice, "hint": "keep one of them"}
