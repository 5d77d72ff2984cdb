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


# -- names: their patterns matched whole ------------------------------------------------------


def check(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`rulepack check` of a folder holding one pack: its exit code and what it printed."""
    from rulepack.cli.main import main

    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    code = main(["check", str(tmp_path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_the_names_patterns_are_the_pack_schemas() -> None:
    import json

    from rulepack.loading import strings

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas" /
                         "pack.schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]
    patterns = {
        strings.PACK_ID: schema["properties"]["id"]["pattern"],
        strings.SEMVER: schema["properties"]["version"]["pattern"],
        strings.NAME: defs["field"]["pattern"],
        strings.ROW_ID: defs["tableRule"]["properties"]["rows"]["items"]["properties"]["id"][
            "pattern"],
        strings.FACT_PATH: defs["monotoneProperty"]["properties"]["fact"]["pattern"],
        strings.OUTCOME: defs["exclusiveProperty"]["properties"]["outcomes"]["items"]["pattern"],
    }
    for ours, theirs in patterns.items():
        assert theirs == f"^{ours}$"
    names = {defs["ruleBase"]["properties"]["id"]["pattern"],
             schema["properties"]["params"]["propertyNames"]["pattern"],
             defs["assignments"]["propertyNames"]["pattern"],
             defs["propertyBase"]["properties"]["id"]["pattern"]}
    assert names == {f"^{strings.NAME}$"}


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "code", "shown"),
    [
        ("id: demo.entry", 'id: "demo.entry\\n"', 1, 5, "RP102", "'demo.entry\\n'"),
        ("version: 1.0.0", 'version: "1.0.0\\n"', 2, 10, "RP104", "'1.0.0\\n'"),
        ("  - id: fans", '  - id: "fans\\n"', 11, 9, "RP102", "'fans\\n'"),
        ("  min_fans: 100000", '  "min_fans\\n": 100000', 9, 3, "RP102", "'min_fans\\n'"),
    ],
)
def test_a_name_with_a_line_break_after_it_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: int,
        column: int, code: str, shown: str) -> None:
    # JSON Schema's `$` matches before a final line break: the schema alone lets these by.
    text = GOOD.replace(old, new)
    if "min_fans\\n" in new:
        text = text.replace("params.min_fans", "100000")
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.line, problem.column) == (code, line, column), problem
    assert problem.value == shown
    assert "whole" in problem.message and "line break" in (problem.hint or "")
    exit_code, printed = check(tmp_path, text, capsys)
    assert exit_code == 1 and f"pack.yaml:{line}:{column}: {code}:" in printed
    assert "Traceback" not in printed


def test_names_of_tables_scores_and_properties_are_matched_whole(tmp_path: Path) -> None:
    text = GOOD + '''\
  - id: tier
    kind: table
    title: {zh: 档, en: Tier}
    source: {seed: s.txt, quote: 粉丝}
    hit_policy: first
    outputs: ["tier\\n"]
    rows:
      - {id: "big\\n", when: "account.fans >= 10", then: {"tier\\n": 1}}
      - {id: small, then: {tier: 0}}
  - id: score
    kind: score
    title: {zh: 分, en: Score}
    source: {seed: s.txt, quote: 粉丝}
    start: "100"
    deductions: [{id: "few\\n", when: "account.fans < 10", points: "5"}]
    into: {score: "points\\n"}
properties:
  - {id: "p\\n", kind: bounds, field: "points\\n", min: 0}
'''
    found = {(p.line, p.value) for p in problems(tmp_path, text) if p.code == "RP102"}
    assert found == {(20, "'tier\\n'"), (22, "'big\\n'"), (22, "'tier\\n'"), (29, "'few\\n'"),
                     (30, "'points\\n'"), (32, "'p\\n'"), (32, "'points\\n'")}


# -- control characters: refused in every text that reaches output -----------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "char", "shown"),
    [
        # An escape starts a terminal's colour and cursor sequences: in a title, as written.
        ("title: {zh: 粉丝, en: Fans}", 'title: {zh: 粉丝, en: "Fa\\e[2Jns"}', 12, 28, "001B",
         "'Fa\\x1b[2Jns'"),
        # A line break in a one-line text would make one line of a verdict read as two.
        ("title: {zh: 粉丝, en: Fans}", 'title: {zh: 粉丝, en: "Fans\\n✓ ok"}', 12, 30, "000A",
         "'Fans\\n✓ ok'"),
        ("title: {zh: 粉丝, en: Fans}", 'title: {zh: 粉丝, en: "F\\tans"}', 12, 27, "0009",
         "'F\\tans'"),
        ("quote: 粉丝}\n    require", 'quote: "粉\\r丝"}\n    require', 13, 36, "000D",
         "'粉\\r丝'"),
        ("description: {zh: 演示包, en: A demo pack}",
         'description: {zh: 演示包, en: "A demo\\a pack"}', 6, 35, "0007", "'A demo\\x07 pack'"),
        ("seed: s.txt, quote: 粉丝}]", 'seed: "s\\x9b.txt", quote: 粉丝}]', 7, 20, "009B",
         "'s\\x9b.txt'"),
        ("  min_fans: 100000", '  min_fans: 100000\n  name: "a\\x7f"', 10, 11, "007F",
         "'a\\x7f'"),
        ("  min_fans: 100000", '  min_fans: 100000\n  names: [a, "b\\0"]', 10, 16, "0000",
         "'b\\x00'"),
        ("account.fans >= params.min_fans", '"account.fans >=\\e params.min_fans"', 14, 30,
         "001B", "'account.fans >=\\x1b params.min_fans'"),
    ],
)
def test_a_control_character_in_a_text_is_refused_where_it_stands(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, line: int,
        column: int, char: str, shown: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.line, problem.column) == ("RP102", line, column), problem
    assert f"control character, U+{char}" in problem.message
    assert problem.value == shown
    assert problem.hint
    exit_code, printed = check(tmp_path, text, capsys)
    assert exit_code == 1 and f"pack.yaml:{line}:{column}: RP102:" in printed
    assert not any(c in printed for c in "\x1b\x07\x00\x7f\x9b\r")
    assert "Traceback" not in printed


def test_texts_that_may_span_lines_keep_their_line_breaks_and_tabs(tmp_path: Path) -> None:
    text = GOOD.replace("description: {zh: 演示包, en: A demo pack}",
                        'description: {zh: "演示\\n包", en: "A demo\\n\\tpack"}').replace(
        "quote: 粉丝}\n    require", 'quote: "粉\\n丝"}\n    require').replace(
        "account.fans >= params.min_fans", '"(account.fans\\n\\t>= params.min_fans)"') + (
        '    message: {fail: {zh: "未通过\\n{why}", en: "failed:\\n\\t{why}"}}\n')
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    pack = rulepack.load(tmp_path).packs[0]
    assert pack.description.en == "A demo\n\tpack"


def test_a_control_character_in_a_key_or_a_table_literal_is_refused(tmp_path: Path) -> None:
    text = GOOD + '''\
  - id: tier
    kind: table
    title: {zh: 档, en: Tier}
    source: {seed: s.txt, quote: 粉丝}
    hit_policy: first
    outputs: [tier, note]
    rows:
      - {id: big, when: "account.fans >= 10", then: {tier: "a\\nb", note: {"k\\x1b": 1}}}
      - {id: small, then: {tier: 0, note: {expr: "account.fans\\n + 1"}}}
'''
    found = [(p.line, p.message, p.value) for p in problems(tmp_path, text)]
    assert [(line, value) for line, _, value in found] == [(22, "'a\\nb'"), (22, "'k\\x1b'")]
    assert "of a text" in found[0][1] and "of a key" in found[1][1]


# -- params: finite, and within what an expression may hold -------------------------------------


@pytest.mark.parametrize(
    ("written", "shown", "column"),
    [(".nan", "nan", 8), (".inf", "inf", 8), ("-.inf", "-inf", 8), ("[1, .NaN]", "nan", 12)],
)
def test_a_param_that_is_not_a_finite_number_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], written: str, shown: str,
        column: int) -> None:
    text = GOOD.replace("  min_fans: 100000", f"  min_fans: 100000\n  cap: {written}")
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.line, problem.column) == ("RP209", 10, column), problem
    assert f"param `cap` is {shown}, not a finite number" == problem.message
    assert problem.value == shown
    exit_code, printed = check(tmp_path, text, capsys)
    assert exit_code == 1 and f"pack.yaml:10:{column}: RP209:" in printed


def test_a_text_param_longer_than_an_expression_may_hold_is_refused_at_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    limit = rulepack.Limits().max_string
    reads = GOOD.replace("account.fans >= params.min_fans",
                         "account.fans >= params.min_fans and params.name != 'a'")
    fits = reads.replace("  min_fans: 100000", f"  min_fans: 100000\n  name: {'x' * limit}")
    (tmp_path / "pack.yaml").write_text(fits, encoding="utf-8")
    assert rulepack.load(tmp_path).packs[0].params["name"] == "x" * limit
    over = reads.replace("  min_fans: 100000", "  min_fans: 100000\n  name: " + "x" * 200_000)
    (problem,) = problems(tmp_path, over)
    assert (problem.code, problem.line, problem.column) == ("RP206", 10, 9), problem
    assert problem.message == ("param `name` is a text of 200,000 characters, more than the "
                               "100,000 an expression may hold")
    exit_code, printed = check(tmp_path, over, capsys)
    assert exit_code == 1 and "pack.yaml:10:9: RP206:" in printed
    # The same bound holds for a text in a list, and follows the limits the library is given.
    (tmp_path / "pack.yaml").write_text(reads.replace(
        "  min_fans: 100000", "  min_fans: 100000\n  name: [abc, abcdef]"), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path, limits=rulepack.Limits(max_string=5))
    assert [(p.code, p.line, p.column) for p in caught.value.problems
            if p.code == "RP206"] == [("RP206", 10, 15)]


def test_a_list_param_larger_than_a_value_may_hold_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 199,000 aliases of one 5-character text: 1,194,000 items and characters, in a file of
    # 800 kB whose texts, the aliases expanded, stay under the 1,000,000 characters of a pack.
    items = ", ".join(["*w"] * 199_000)
    text = GOOD.replace("  min_fans: 100000",
                        f"  min_fans: 100000\n  word: &w abcde\n  words: [{items}]")
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.line, problem.column) == ("RP206", 11, 10), problem
    assert problem.message == ("param `words` is a list of 1,194,000 items and characters, more "
                               "than the 1,000,000 a value may hold")
    exit_code, printed = check(tmp_path, text, capsys)
    assert exit_code == 1 and "pack.yaml:11:10: RP206:" in printed
    # One item fewer in each of 200 lists of words is within the limit.
    fits = text.replace(f"[{items}]", "[" + ", ".join(["*w"] * 160_000) + "]")
    (tmp_path / "pack.yaml").write_text(fits, encoding="utf-8")
    assert len(rulepack.load(tmp_path).packs[0].params["words"]) == 160_000


def test_aliases_that_expand_past_the_text_limit_are_refused_before_any_check(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rulepack.loading.loader import MAX_PACK_TEXT

    # 9,000 aliases of a 99,000-character text: 135 kB that name 891 million characters.
    text = GOOD.replace("  min_fans: 100000", "  min_fans: 100000\n  big: &a " + "x" * 99_000
                        + "\n  many: [" + ", ".join(["*a"] * 9_000) + "]")
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.line, problem.column) == ("RP110", 1, 1), problem
    assert f"more than {MAX_PACK_TEXT:,} characters of text" in problem.message
    assert "aliases" in problem.message
    exit_code, printed = check(tmp_path, text, capsys)
    assert exit_code == 1 and "pack.yaml:1:1: RP110:" in printed


@pytest.mark.parametrize("written", ["1e99999", "1e-99999", "1" * 4001 + "万"])
def test_a_text_param_that_would_be_a_number_of_too_many_digits_is_a_text(
        tmp_path: Path, written: str) -> None:
    # Suggesting its digits (RP214) would spell out 100,000 of them: it failed on Python's
    # limit of 4,300 digits in an int's text. It is what YAML read: a text.
    text = GOOD.replace("  min_fans: 100000", f"  min_fans: 100000\n  odd: {written}")
    (tmp_path / "pack.yaml").write_text(text, encoding="utf-8")
    assert rulepack.load(tmp_path).packs[0].params["odd"] == written
    text = GOOD.replace("  min_fans: 100000", "  min_fans: 100000\n  odd: 1e4")
    (problem,) = problems(tmp_path, text)
    assert (problem.code, problem.hint) == ("RP214", "write 10000 (digits only: YAML reads "
                                             "separators, 万 and 1e5 as text)")


def test_a_refused_name_is_shown_on_one_line() -> None:
    from rulepack.core.errors import Problem

    problem = Problem(file="p.yaml", line=1, column=1, code="RP102", message="bad id",
                      pack="demo.entry\n", rule="a\x1b[2Jb", value="x\ny")
    text = str(problem)
    assert "pack `demo.entry\\n`" in text and "rule `a\\x1b[2Jb`" in text
    assert "value: x\\ny" in text and "\x1b" not in text
    assert len(text.splitlines()) == 2  # the problem and its value
