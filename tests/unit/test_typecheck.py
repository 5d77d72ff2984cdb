"""Static type checking of expressions: kinds that cannot meet are load errors with a hint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rulepack
from rulepack import PackError
from rulepack.cli.main import main
from rulepack.lang.expressions import CompileScope, compile_expression
from rulepack.lang.types import check_types
from rulepack.library import display_path, fact_schema

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "types"
TYPE_CODES = {"RP210", "RP211", "RP212"}
HEADER = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<column>\d+): (?P<code>RP\d{3}): (?P<msg>.*)$")


def check(capsys: pytest.CaptureFixture[str], name: str) -> tuple[int, list[dict[str, str]]]:
    """Run `rulepack check` on one fixture; its exit code and the problems it printed."""
    path = FIXTURES / name
    code = main(["check", str(path)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    found: list[dict[str, str]] = []
    for line in err.splitlines():
        match = HEADER.match(line)
        if match:
            assert match["file"] == display_path(path)
            found.append(match.groupdict() | {"help": ""})
        elif line.startswith("  help: ") and found:
            found[-1]["help"] = line[len("  help: "):]
    return code, found


def summary(found: list[dict[str, str]]) -> list[tuple[str, int, int, str]]:
    return [(p["code"], int(p["line"]), int(p["column"]), p["msg"]) for p in found]


# -- one fixture per kind of error --------------------------------------------------------------


def test_a_number_compared_with_a_string(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, "number_vs_string.yaml")
    assert code == 1
    assert summary(found) == [(
        "RP210", 13, 14, ("`account.fans >= '100000'` compares an integer with a string, which "
        "cannot be ordered (pack `types.number_vs_string`, rule `fans`)"),
    )]
    assert found[0]["help"].startswith("an integer met a string")


def test_an_enum_typo(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, "enum_typo.yaml")
    assert code == 1
    assert summary(found) == [(
        "RP211", 13, 34, ("'douyn' is not a value of `account.platform` "
        "(pack `types.enum_typo`, rule `platform`)"),
    )]
    assert found[0]["help"] == (
        "did you mean `douyin`? allowed values: kuaishou, douyin, xigua, huoshan, toutiao")


def test_an_enum_typo_inside_in(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, "enum_typo_in.yaml")
    assert code == 1
    assert summary(found) == [
        ("RP211", 15, 45, ("'xgua' is not a value of `account.platform` "
         "(pack `types.enum_typo_in`, rule `platform`)")),
        # A list param is inlined; the finding points at the param and names it.
        ("RP211", 19, 34, ("'kuaisho' (`params.platforms`) is not a value of `account.platform` "
         "(pack `types.enum_typo_in`, rule `listed`)")),
    ]
    assert found[0]["help"].startswith("did you mean `xigua`?")
    assert found[1]["help"].startswith("did you mean `kuaishou`?")


def test_a_function_given_the_wrong_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, "function_argument.yaml")
    assert code == 1
    assert summary(found) == [
        ("RP212", 15, 28, ("`days` argument 1 must be a number: `account.platform` is a string "
         "(pack `types.function_argument`, rule `deadline`)")),
        ("RP212", 19, 20, ("`count` argument 1 must be a list: `account.fans` is an integer "
         "(pack `types.function_argument`, rule `violations`)")),
    ]
    assert found[0]["help"] == "days(number) -> duration: A duration of n days."
    assert found[1]["help"] == "count(list) -> int: The number of items in a list."


def test_every_finding_of_a_file_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    code, found = check(capsys, "many_findings.yaml")
    assert code == 1
    # Pack `when`, a folded block scalar, an unknown path, a table row's `when` and `then`,
    # and a score deduction: each at the column of the offending part.
    assert [(c, line, column) for c, line, column, _ in summary(found)] == [
        ("RP211", 10, 27), ("RP211", 17, 27), ("RP203", 21, 14), ("RP210", 29, 27),
        ("RP210", 29, 83), ("RP212", 36, 41),
    ]
    assert found[3]["msg"].startswith("`account.ban.started_at < today` compares an instant "
                                      "with a date")
    assert "date_of" in found[3]["help"]
    assert found[4]["msg"].startswith("`today + 3`: `+` cannot combine a date and an integer")
    assert "add_days" in found[4]["help"]
    assert found[5]["msg"].startswith("`total` argument 1 must be a list of numbers: "
                                      "`account.appeal.channels` is a list of strings")


def test_a_clean_pack_has_no_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(FIXTURES / "clean.yaml")])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith("ok: 1 pack(s), 1 version(s)")


def test_no_bundled_pack_has_a_type_finding() -> None:
    try:
        rulepack.load()
    except PackError as exc:  # other problems are other tests' business
        assert [str(p) for p in exc.problems if p.code in TYPE_CODES] == []


# -- expressions one by one ---------------------------------------------------------------------


def findings(text: str) -> list[tuple[str, int]]:
    facts = fact_schema().fields
    scope = CompileScope(facts=facts, params={"n": 3, "names": ["douyin", "xigua"]},
                         results=frozenset({"r"}))
    return [(f.code, f.offset) for f in check_types(compile_expression(text, scope), facts)]


@pytest.mark.parametrize("text", [
    "account.fans >= 1.5 and account.like_play_ratio < params.n",  # integers meet numbers
    "result.r == 'x' and result.r > 3 and days(result.r) > days(1)",  # result kinds unknown
    "account.appeal.last_response_at == None or account.appeal.last_response_at is None",
    "same_month(account.ban.started_at, today) and add_days(as_of, 1) > today",  # date params
    "add_days(today, account.like_play_ratio) <= today",  # a number may hold an integer
    "account.ban.started_at - as_of < hours(3) and today - days(1) < today",
    "days(1) * 2 / 3 >= days(1) // 2 and days(2) / days(1) > 1.5",
    "'a' * 3 + 'b' == 'aaab' and 'x %s' % account.fans != '' and [1] + [2] == [1, 2]",
    "account.platform in params.names and 'email' not in account.appeal.channels",
    "(account.platform if account.fans > 3 else 'douyin') == 'douyin'",
    "[v.on for v in account.violations if v.category == 'content'][0] <= today",
    "total([c for c in account.recent_video_plays if c > 100]) > -account.fans",
    "any_of([account.mcn_signed, account.registered]) and not account.overseas",
    "resident_id_valid(account.fans) or version('12.9') < version(account.app.version)",
    "account.phone.country_code in '+86 +852' and account.platform < 'z'",
    "account.recent_video_plays[0] > 1 and account.platform[0] == 'd'",
])
def test_what_can_meet_is_quiet(text: str) -> None:
    assert findings(text) == []


# Each finding as (code, the text its offset points at: the first place it occurs).
@pytest.mark.parametrize(("text", "expected"), [
    ("account.mcn_signed == 1", [("RP210", "account")]),  # booleans are not numbers in packs
    ("account.fans + account.mcn_signed > 3", [("RP210", "account")]),
    ("account.identity.id_expires_on == as_of", [("RP210", "account")]),  # never equal
    ("version(account.app.version) < '12.10'", [("RP210", "version")]),
    ("today - account.identity.id_expires_on > 30", [("RP210", "today")]),
    ("account.fans in account.fans", [("RP210", "account")]),
    ("account.platform in account.recent_video_plays", [("RP210", "account")]),
    ("account.platform in ('douyin', 3)", [("RP210", "3")]),
    ("-account.platform == 'x'", [("RP210", "-")]),
    ("count([x for x in account.fans]) > 0", [("RP210", "account")]),
    ("account.fans[0] == 0", [("RP210", "account")]),  # once unknown at run time only
    ("today[1] == 1", [("RP210", "today")]),
    ("account.ban.level in (1, 4) or account.ban.level != 0",
     [("RP211", "4"), ("RP211", "0")]),
    ("[v for v in account.violations if v.type == 'vulgr'] == []", [("RP211", "'vulgr'")]),
    ("'emial' in account.appeal.channels", [("RP211", "'emial'")]),
    ("add_days(today, 1.5) > today", [("RP212", "1.5")]),
    ("hours_between(today, as_of) > 1", [("RP212", "today")]),
    ("any_of([v.points for v in account.violations])", [("RP212", "[")]),
    # Offsets count characters, not the UTF-8 bytes of the Chinese literal before.
    ("'粉丝' != '' and account.fans == 'x'", [("RP210", "account")]),
])
def test_what_cannot_meet_is_found(text: str, expected: list[tuple[str, str]]) -> None:
    assert findings(text) == [(code, text.index(marker)) for code, marker in expected]


def test_an_abbreviated_enum_value_gets_a_guess() -> None:
    facts = fact_schema().fields
    scope = CompileScope(facts=facts, params={}, results=frozenset())
    (finding,) = check_types(compile_expression("organization.type == 'govt'", scope), facts)
    assert finding.hint == "did you mean `government`? allowed values: brand, mcn, government"
