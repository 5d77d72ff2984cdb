"""The command line: exit codes, no tracebacks, every input accounted for."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from rulepack.cli.main import main

PACK = """\
id: demo.entry
version: 1.0.0
effective_from: 2026-01-01
subject: account
title: {zh: 演示, en: Demo}
description: {zh: 演示包, en: A demo pack}
sources: [{seed: s.txt, quote: 粉丝}]
params: {min_fans: 100}
rules:
  - id: fans
    title: {zh: 粉丝, en: Fans}
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= params.min_fans
"""

CASES = """\
pack: demo.entry
cases:
  - name: enough fans
    as_of: 2026-02-01
    facts: {account: {fans: 100}}
    expect: {outcome: pass}
  - name: one short
    as_of: 2026-02-01
    facts: {account: {fans: 99}}
    expect: {outcome: fail, rules: {fans: fail}}
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "demo.yaml").write_text(PACK, encoding="utf-8")
    (folder / "demo.test.yaml").write_text(CASES, encoding="utf-8")
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_check_ok_and_broken(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(rules))
    assert code == 0 and out.startswith("ok: 1 pack(s), 1 version(s)")
    (rules / "demo.yaml").write_text(PACK.replace("account.fans >=", "account.fan >="), "utf-8")
    code, _, err = run(capsys, "check", str(rules))
    assert code == 1
    assert "demo.yaml:13:14: RP203: `account.fan` is not a fact path" in err
    assert "help: did you mean `account.fans`?" in err
    code, out, _ = run(capsys, "check", str(rules), "--format", "json")
    assert code == 1 and json.loads(out)[0]["code"] == "RP203"


def test_test_command_reports_and_counts(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 0
    assert out.rstrip().endswith("2 passed, 0 failed")
    (rules / "demo.test.yaml").write_text(CASES.replace("{outcome: pass}", "{outcome: fail}"),
                                          "utf-8")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1
    assert "outcome: expected fail, got pass" in out
    assert "coverage: " in out and out.rstrip().endswith("1 passed, 1 failed")


def test_a_rule_lacking_a_side_fails_the_run(rules: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    one_sided = CASES.split("  - name: one short")[0]
    (rules / "demo.test.yaml").write_text(one_sided, "utf-8")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1
    assert "rule `fans` never seen fail" in out


def test_a_case_without_expectation_is_an_error(rules: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    (rules / "demo.test.yaml").write_text(CASES + "  - name: hopeful\n    facts: {}\n", "utf-8")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1 and "RP401" in out


def test_eval_text_and_jsonl(rules: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    facts.write_text("as_of: 2026-03-01T10:00:00+08:00\naccount: {fans: 99}\n", "utf-8")
    code, out, _ = run(capsys, "eval", str(facts), "--rules", str(rules), "--lang", "en")
    assert code == 0
    assert "99 of 100 fans: 1 short" in out and "outcome: fail" in out
    code, out, _ = run(capsys, "eval", str(facts), "--rules", str(rules), "--format", "jsonl")
    record = json.loads(out)
    assert record["outcome"] == "fail" and record["pack"] == "demo.entry"


def test_eval_batch_keeps_one_record_per_line(rules: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    lines = tmp_path / "facts.jsonl"
    lines.write_text('{"account": {"fans": 150}}\nnot json\n{"account": {"fans": -1}}\n'
                     '{"account": {"fans": 5}}\n', "utf-8")
    code, out, err = run(capsys, "eval", str(lines), "--rules", str(rules), "--format", "jsonl",
                         "--as-of", "2026-03-01")
    assert code == 2  # some lines failed
    records = [json.loads(line) for line in out.splitlines()]
    assert [r.get("outcome", "error") for r in records] == ["pass", "error", "error", "fail"]
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert records[1]["error"][0]["code"] == "RP302"
    assert records[2]["error"][0]["value"] == "$.account.fans"
    assert "RP301" in err


def test_bad_arguments_and_missing_files_exit_2(rules: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "eval", "nope.yaml", "--rules", str(rules))[0] == 2
    code, _, err = run(capsys, "eval", "nope.yaml", "--rules", str(rules), "--pack", "demo.x")
    assert code == 2 and "RP501" in err
    assert run(capsys, "check", "no/such/folder")[0] == 1


def test_list_shows_versions(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", str(rules))
    assert code == 0 and "demo.entry" in out and "1.0.0" in out and "2026-01-01..open" in out


# -- fact files that are hard to read -----------------------------------------------------------


@pytest.mark.parametrize(("text", "message"), [
    ('{"account": {"fans": 1' + "0" * 5000 + "}}",
     "RP302: the file holds a number of more digits than can be read"),
    ("[" * 100_000 + "]" * 100_000, "RP302: the file nests arrays or objects too deeply"),
    ('{"account": {"fans": NaN}}', "RP301: nan is not a number"),
    ('{"account": {"fans": "100"}}', 'RP301: "100" is not an integer'),
    ('{"as_of": "soon", "account": {"fans": 1}}',
     'RP303: as_of is not an ISO 8601 instant or date: "soon"'),
])
def test_an_unusable_json_document_is_an_input_error(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str,
        message: str) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "eval", str(facts), "--rules", str(rules))
    assert code == 2 and message in err


def test_every_unknown_fact_is_named(rules: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text('{"account": {"fanz": 1, "mcn_signd": true}}', encoding="utf-8")
    code, _, err = run(capsys, "eval", str(facts), "--rules", str(rules))
    assert code == 2
    assert "unknown fact `fanz`" in err and "unknown fact `mcn_signd`" in err
    assert "did you mean `mcn_signed`?" in err


def test_json_lines_keep_their_numbers_and_their_lines(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A byte order mark; U+2028 and U+0085 inside strings, which str.splitlines splits at.
    facts = tmp_path / "facts.jsonl"
    facts.write_text('\ufeff{"account": {"fans": 100, "region": "a\u2028b"}}\n'
                     '{"account": {"fans": "x", "region": "c\x85d"}}\n'
                     '{"account": {"fans": 1' + "0" * 5000 + '}}\n', encoding="utf-8")
    code, out, err = run(capsys, "eval", str(facts), "--rules", str(rules))
    assert code == 2
    assert "facts.jsonl:1 ==" in out
    assert 'facts.jsonl:2:22: RP301: "x" is not an integer' in err  # placed in its line
    assert "facts.jsonl:3: RP302: the line holds a number of more digits" in err


def test_a_key_written_twice_in_a_fact_document_is_an_error(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # YAML would keep the first value and JSON the last: the same document, two verdicts.
    as_yaml = tmp_path / "facts.yaml"
    as_yaml.write_text("account:\n  fans: 99\n  fans: 250\n", encoding="utf-8")
    as_json = tmp_path / "facts.json"
    as_json.write_text('{"account": {"fans": 99, "fans": 250}}', encoding="utf-8")
    code, _, err = run(capsys, "eval", str(as_yaml), str(as_json), "--rules", str(rules))
    assert code == 2
    assert "facts.yaml:3:3: RP302: the key `fans` appears twice in one mapping" in err
    assert "help: its first use is at line 2" in err
    assert "facts.json: RP302: the key `fans` appears twice in one object" in err


def test_test_names_a_pack_file_and_runs_the_cases_beside_it(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(rules / "demo.yaml"))
    assert code == 0 and "2 passed, 0 failed" in out


def test_test_with_no_cases_fails(rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (rules / "demo.test.yaml").unlink()
    code, out, err = run(capsys, "test", str(rules))
    assert code == 1 and "0 passed, 0 failed" in out and "no test cases in" in err


def test_a_broken_case_is_reported_and_the_others_run(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = rules / "demo.test.yaml"
    cases.write_text(CASES.replace("outcome: fail", "outcome: fial"), encoding="utf-8")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1
    assert "RP403: 'fial' is not one of ['pass', 'fail', 'unknown']" in out
    assert "did you mean `fail`?" in out and "1 passed, 0 failed" in out


def test_a_key_written_twice_in_a_test_file_is_an_error(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = rules / "demo.test.yaml"
    cases.write_text(CASES.replace("expect: {outcome: pass}",
                                   "expect: {outcome: pass, outcome: fail}"), encoding="utf-8")
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1 and "RP101: the key `outcome` appears twice in one mapping" in out


@pytest.mark.parametrize(("text", "shown"), [
    ("account:\n  fans: 100\n", "== <stdin> =="),                       # YAML
    ('{\n  "account": {"fans": 100}\n}\n', "== <stdin> =="),            # one JSON document
    ('{"account": {"fans": 100}}\n{"account": {"fans": 5}}\n', "== <stdin>:2 =="),  # lines
    ("{account: {fans: 100}}\n", "== <stdin> =="),                      # YAML flow mapping
])
def test_standard_input_is_read_as_what_it_holds(
        rules: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        text: str, shown: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = run(capsys, "eval", "-", "--rules", str(rules), "--lang", "en")
    assert code == 0 and shown in out and not err


def test_an_output_that_cannot_be_written_is_an_input_error(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.jsonl"
    facts.write_text('{"account": {"fans": 100}}\n', encoding="utf-8")
    code, _, err = run(capsys, "eval", "--batch", str(facts), "--rules", str(rules),
                       "--output", str(tmp_path / "no" / "such" / "out.jsonl"))
    assert code == 2 and "cannot write" in err and "help: run" not in err


def test_a_fact_file_not_in_utf8_is_placed(rules: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "facts.yaml"
    # Columns count characters: 四川 before the bad byte is two columns, not six bytes.
    facts.write_bytes("account:\n  region: 四川".encode() + "北京\n".encode("gbk"))
    code, _, err = run(capsys, "eval", str(facts), "--rules", str(rules))
    assert code == 2 and "facts.yaml:2:13: RP302: the file is not UTF-8: byte 0xb1" in err


def test_json_lines_on_standard_input_survive_a_bad_first_line(
        rules: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = '{"account": {"fans": 1\n{"account": {"fans": 100}}\n{"account": {"fans": 5}}\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = run(capsys, "eval", "-", "--rules", str(rules), "--lang", "en")
    assert code == 2 and "<stdin>:1:23: RP302: the line is not JSON" in err
    assert "== <stdin>:2 ==" in out and "== <stdin>:3 ==" in out


def test_a_rules_path_the_system_cannot_look_at_is_a_problem(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "a" * 300)
    assert code == 1 and "RP110: cannot look at the path" in err
