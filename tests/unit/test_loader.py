"""Loading packs: every problem of a file found at once, each at file:line:column with a hint."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from _packs import DEMO_PACK

import rulepack
from rulepack import PackError
from rulepack.core import yaml_reader

GOOD = DEMO_PACK


def _reading(load: Any, text: str, *, libyaml: bool) -> tuple[Any, ...]:
    try:
        doc = load(text, libyaml=libyaml)
    except yaml_reader.YamlSyntaxError as exc:
        return ("error", str(exc), exc.position)
    return ("document", doc.data, doc.positions, doc.duplicates, doc.quoted, doc.keys,
            doc.blocks, doc.written)


@pytest.fixture(autouse=True)
def both_parsers_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every pack a test here loads, malformed or not, is read by libyaml (where installed)
    and by the pure-Python parser alike: the problems pinned below hold for both."""
    load = yaml_reader.load

    def compared(text: str, **options: Any) -> yaml_reader.Positioned:
        if yaml_reader.LIBYAML:
            assert _reading(load, text, libyaml=True) == _reading(load, text, libyaml=False), text
        return load(text, **options)

    monkeypatch.setattr(yaml_reader, "load", compared)


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[rulepack.Problem]:
    write(tmp_path, text)
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    return list(caught.value.problems)


def test_a_good_pack_loads_with_a_digest(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    library = rulepack.load(tmp_path)
    (pack,) = library.packs
    assert (pack.id, pack.version, pack.subject) == ("demo.entry", "1.0.0", "account")
    assert pack.digest.startswith("sha256:") and len(pack.digest) == 7 + 64
    assert pack.params == {"min_fans": 100000}


def test_digest_ignores_formatting_but_not_content(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    first = rulepack.load(tmp_path / "a.yaml").packs[0].digest
    reformatted = GOOD.replace("{zh: 演示, en: Demo}", "\n  zh: 演示\n  en: Demo")
    write(tmp_path, "# a comment\n" + reformatted, "b.yaml")
    assert rulepack.load(tmp_path / "b.yaml").packs[0].digest == first
    write(tmp_path, GOOD.replace("100000", "80000"), "c.yaml")
    assert rulepack.load(tmp_path / "c.yaml").packs[0].digest != first


def test_unknown_key_names_position_and_suggests(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, GOOD.replace("    require:", "    requre: x\n    require:"))
    assert problem.code == "RP103"
    assert (problem.line, problem.column) == (14, 5)
    assert problem.value == "requre"
    assert problem.hint == "did you mean `require`?"
    assert problem.pack == "demo.entry" and problem.rule == "fans"
    assert str(problem).startswith(f"{problem.file}:14:5: RP103: unknown key `requre`")


def test_unknown_fact_path_points_into_the_expression(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, GOOD.replace("account.fans >=", "account.fan >="))
    assert problem.code == "RP203"
    # `require: account.fan` — the expression starts at column 14 of line 14.
    assert (problem.line, problem.column) == (14, 14)
    assert problem.hint == "did you mean `account.fans`?"


def test_all_problems_of_a_file_are_reported_sorted(tmp_path: Path) -> None:
    broken = GOOD.replace("version: 1.0.0", "version: 1.0").replace(
        "account.fans >= params.min_fans", "account.fans >= params.min_fan")
    broken += (
        "  - id: fans\n"
        "    title: {zh: 再次, en: Again}\n"
        "    source: {seed: s.txt, quote: 粉丝}\n"
        "    require: frobnicate(account.fans)\n"
    )
    found = problems(tmp_path, broken)
    # The schema stage reports the version alone; expressions wait until the schema holds.
    assert [p.code for p in found] == ["RP104"]
    found = problems(tmp_path, broken.replace("version: 1.0", "version: 1.0.0"))
    assert [p.code for p in found] == ["RP203", "RP106", "RP204"]
    assert [p.line for p in found] == sorted(p.line for p in found)


def test_duplicate_keys_are_errors_not_silent_overwrites(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("params:\n  min_fans: 100000",
                                            "params:\n  min_fans: 100000\n  min_fans: 5"))
    assert [(p.code, p.line) for p in found] == [("RP101", 10)]
    assert "line 9" in (found[0].hint or "")


def test_yaml_syntax_error_has_a_position(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, GOOD.replace("subject: account", "subject: [account"))
    assert problem.code == "RP100" and problem.line >= 4


def test_bad_date_and_reversed_window(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, GOOD.replace("2026-01-01", "2026-02-30"))
    assert (problem.code, problem.line) == ("RP105", 3)
    (problem,) = problems(tmp_path, GOOD.replace("effective_from: 2026-01-01",
                                                 "effective_from: 2026-01-01\n"
                                                 "effective_until: 2025-12-31"))
    assert problem.code == "RP109"


@pytest.mark.parametrize(
    ("expression", "code"),
    [
        ("False and account.__class__", "RP202"),  # a branch simpleeval would never reach
        ("account.fans.__class__", "RP202"),
        ("(lambda: 1)()", "RP202"),
        ("f'{account.fans}'", "RP202"),
        ("account.recent_video_plays[0:3]", "RP202"),
        ("{'a': 1}", "RP202"),
        ("__import__('os')", "RP204"),
        ("open('x')", "RP204"),
        ("account.fans >=", "RP201"),
        ("count(account.violations, 1)", "RP205"),
        ("result.nothing", "RP208"),
        ("params", "RP203"),
        ("x", "RP203"),
        ("'a' * 10 + " * 200 + "'b'", "RP206"),
    ],
)
def test_forbidden_or_unknown_expressions_fail_at_load(
    tmp_path: Path, expression: str, code: str,
) -> None:
    found = problems(tmp_path, GOOD.replace("account.fans >= params.min_fans",
                                            '"' + expression.replace('"', '\\"') + '"'))
    assert [p.code for p in found] == [code], found


def test_placeholders_must_name_something(tmp_path: Path) -> None:
    text = GOOD + "    message: {fail: {zh: '差 {gap}', en: 'short by {account.fanz}'}}\n"
    found = problems(tmp_path, text)
    assert [p.code for p in found] == ["RP207", "RP207"]
    assert any(p.hint == "did you mean `account.fans`?" for p in found)


def test_versions_of_one_pack_may_not_overlap(tmp_path: Path) -> None:
    write(tmp_path, GOOD.replace("effective_from: 2026-01-01",
                                 "effective_from: 2026-01-01\neffective_until: 2026-06-30"),
          "v1.yaml")
    write(tmp_path, GOOD.replace("1.0.0", "1.1.0").replace("2026-01-01", "2026-06-30"), "v2.yaml")
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    assert [p.code for p in caught.value.problems] == ["RP108"]
    write(tmp_path, GOOD.replace("1.0.0", "1.1.0").replace("2026-01-01", "2026-07-01"), "v2.yaml")
    assert len(rulepack.load(tmp_path).versions("demo.entry")) == 2


def test_same_version_twice_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    assert "RP107" in [p.code for p in caught.value.problems]


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("subject: account",
                                            "subject: !!python/object/apply:os.system ['true']"))
    assert [p.code for p in found] == ["RP100"]


def test_a_pack_nested_too_deeply_is_refused_where_it_goes_too_deep(tmp_path: Path) -> None:
    # The schema checks recurse once a level or more: 150 levels once ran out of stack.
    condition = "account.fans > 0"
    for _ in range(40):
        condition = f"{{not: {{all: [{condition}]}}}}"
    found = problems(tmp_path, GOOD.replace("require: account.fans >= params.min_fans",
                                            f"require: {condition}"))
    assert [(p.code, p.line) for p in found] == [("RP100", 14)]
    assert "more than 64 levels deep" in found[0].message


def test_an_integer_too_long_to_write_is_refused(tmp_path: Path) -> None:
    # Hex has no digit limit when read; past 4,300 digits Python cannot write it as text.
    found = problems(tmp_path, GOOD.replace("min_fans: 100000", "min_fans: 0x" + "f" * 4000))
    assert [(p.code, p.line, p.column) for p in found] == [("RP100", 9, 13)]
    assert "more than 4,000 digits" in found[0].message


@pytest.mark.parametrize(("text", "value"), [
    ("0150000", 150000), ("100_000", 100000), ("0x10", 16), ("0o10", 8), ("-007", -7),
    ("0b101", 5),
    ("1:50:00", "1:50:00"), ("1.5", 1.5),
])
def test_numbers_read_as_yaml_one_two_reads_them(tmp_path: Path, text: str,
                                                 value: object) -> None:
    # YAML 1.1 read 0150000 as octal (53,248) and 1:50:00 in base 60 (6,600).
    write(tmp_path, GOOD.replace("  min_fans: 100000", f"  min_fans: 100000\n  other: {text}"))
    assert rulepack.load(tmp_path).packs[0].params["other"] == value


def test_an_exponent_is_text_to_yaml_and_gets_the_number_meant(tmp_path: Path) -> None:
    # YAML 1.2 reads 1e5 as the text "1e5": a param so written is reported where it is.
    found = problems(tmp_path, GOOD.replace("  min_fans: 100000",
                                            "  min_fans: 100000\n  other: 1e5"))
    assert [(p.code, p.line, p.column, p.value) for p in found] == [("RP214", 10, 10, "1e5")]
    assert found[0].hint is not None and found[0].hint.startswith("write 100000 ")


def test_a_folder_without_packs_is_an_error(tmp_path: Path) -> None:
    # A mistyped folder once gave "ok: 0 pack(s)".
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    assert [(p.code, p.message) for p in caught.value.problems] == [
        ("RP110", "the folder holds no pack files")]


def test_a_pack_file_is_found_whatever_the_case_of_its_suffix(tmp_path: Path) -> None:
    write(tmp_path, GOOD, name="entry.YAML")
    assert rulepack.load(tmp_path).ids == ("demo.entry",)


def test_yaml_one_one_booleans_stay_strings(tmp_path: Path) -> None:
    # `on`, `yes`, `no` are not booleans: a param named by them keeps its text.
    write(tmp_path, GOOD.replace("  min_fans: 100000", "  min_fans: 100000\n  word: no"))
    assert rulepack.load(tmp_path).packs[0].params["word"] == "no"


def test_columns_in_a_more_indented_line_of_a_folded_expression(tmp_path: Path) -> None:
    folded = GOOD.replace(
        "    require: account.fans >= params.min_fans\n",
        "    require: >-\n"
        "      (account.fans >= params.min_fans\n"
        "        and account.platfrm == 'douyin')\n"
        "    message: {pass: {zh: 好, en: ok}}\n",
    )
    (problem,) = problems(tmp_path, folded)
    assert problem.code == "RP203"
    # The more-indented line keeps its extra two spaces in the text: `account.platfrm` starts
    # at column 13 of line 16, and the block ends before the `message:` line.
    assert (problem.line, problem.column) == (16, 13)


def test_a_pack_not_in_utf8_is_placed_at_its_first_bad_byte(tmp_path: Path) -> None:
    # Saved as GBK, a Chinese title is not UTF-8.
    (tmp_path / "pack.yaml").write_bytes(GOOD.replace("演示, en", "演示包, en").encode("gbk"))
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    [problem] = caught.value.problems
    assert (problem.code, problem.line, problem.column) == ("RP110", 5, 13)
    assert problem.message.startswith("the file is not UTF-8: byte 0x")
    assert problem.hint is not None and "UTF-8" in problem.hint


@pytest.mark.parametrize(("written", "marker"), [
    ('"account.platform == \\"douyin\\" and account.fanz > 1"', "account.fanz"),
    ("'account.platform == ''douyin'' and account.fanz > 1'", "account.fanz"),
    ('"account.region == \\"\\u5e7f\\u4e1c\\" or account.fanz > 1"', "account.fanz"),
])
def test_a_column_inside_a_quoted_expression_counts_its_escapes(
        tmp_path: Path, written: str, marker: str) -> None:
    line = f"    require: {written}"
    found = problems(tmp_path, GOOD.replace("    require: account.fans >= params.min_fans",
                                            line))
    assert [(p.code, p.line, p.column) for p in found] == [
        ("RP203", 14, line.index(marker) + 1)]


def test_plain_words_for_common_mistakes(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    write(tmp_path, GOOD.replace("sources: [{seed: s.txt, quote: 粉丝}]", "sources: {a: 1}")
          .replace("    require:", "    kind: tabel\n    require:"), name="pack.yaml")
    with pytest.raises(PackError) as caught:
        rulepack.load(tmp_path)
    found = [(p.file.rsplit("/", 1)[-1], p.code, p.message, p.value, p.hint)
             for p in caught.value.problems]
    # Walking the folder, the empty file is no pack (it has none of the pack keys); named
    # directly, it is one, and says what it lacks.
    assert "empty.yaml" not in [f[0] for f in found]
    with pytest.raises(PackError) as named:
        rulepack.load(tmp_path / "empty.yaml")
    assert [(p.file.rsplit("/", 1)[-1], p.code, p.message, p.value, p.hint)
            for p in named.value.problems] == [
        ("empty.yaml", "RP102", "a pack file must hold one mapping (id, version, rules, ...)",
         "an empty file", "start from a bundled pack, or the pack format in the README")]
    assert ("pack.yaml", "RP102", '{"a": 1} is not an array', None, "expected array here") \
        in found
    # The enum mistake is reached by two routes of the schema, and reported once.
    assert [f[2] for f in found].count(
        "'tabel' is not one of ['check', 'table', 'score', 'output']") == 1


def test_a_tab_gets_a_hint(tmp_path: Path) -> None:
    [problem] = problems(tmp_path, GOOD.replace("subject: account", "\tsubject: account"))
    assert problem.code == "RP100" and problem.hint == "YAML indents with spaces, never tabs"


def test_a_test_file_is_not_a_pack(tmp_path: Path) -> None:
    path = write(tmp_path, "pack: demo.entry\ncases: []\n", name="entry.test.yaml")
    with pytest.raises(PackError) as caught:
        rulepack.load(path)
    [problem] = caught.value.problems
    assert problem.message == "this is a file of test cases, not a pack"


def test_limits_keep_the_positions_of_their_first_fields() -> None:
    # Fields are added at the end: Limits(...) called with positions keeps its meaning.
    limits = rulepack.Limits(2000, 300, 20000, 10000, 100000, 1000)
    assert (limits.max_steps, limits.max_items, limits.max_string, limits.max_power) == (
        20000, 10000, 100000, 1000)


def test_loading_runs_named_stages_in_order() -> None:
    from rulepack.loading.loader import STAGES

    assert [name for name, _ in STAGES] == ["yaml", "schema", "strings", "model", "types"]


def test_a_stage_that_finds_problems_stops_the_ones_that_rely_on_it(tmp_path: Path) -> None:
    # Not YAML: nothing else is looked at, though the expression is also wrong.
    broken = GOOD.replace("subject: account", "subject: [account").replace(
        "account.fans >= params.min_fans", "account.fanz >= 1")
    assert [p.code for p in problems(tmp_path, broken)] == ["RP100"]
    # A schema problem: the model (where the unknown fact would be found) is not built.
    shapeless = GOOD.replace("    require:", "    kind: tabel\n    require:").replace(
        "account.fans >= params.min_fans", "account.fanz >= 1")
    assert {p.code for p in problems(tmp_path, shapeless)} == {"RP102"}


def test_a_duplicate_key_and_a_schema_problem_are_reported_together(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("params:\n  min_fans: 100000",
                                            "params:\n  min_fans: 100000\n  min_fans: 5")
                     .replace("    require:", "    kind: tabel\n    require:"))
    assert [p.code for p in found] == ["RP101", "RP102"]


def test_the_types_stage_checks_what_compiled_beside_what_did_not(tmp_path: Path) -> None:
    # One expression names an unknown fact (RP203), another compares kinds that never match
    # (RP210): one run reports both.
    text = GOOD.replace("    require: account.fans >= params.min_fans", """\
    require:
      all:
        - account.fanz >= 1
        - account.fans >= '100000'""")
    assert sorted(p.code for p in problems(tmp_path, text)) == ["RP203", "RP210"]
