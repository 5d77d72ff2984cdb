"""Unit tests of the single steps: positioned YAML, fact lookup, the sandbox's limits, rendering."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from rulepack.core import yaml_reader
from rulepack.core.errors import CODES
from rulepack.engine.sandbox import LimitExceeded, Sandbox
from rulepack.facts.schema import CHINA_TZ, Missing, parse_instant
from rulepack.lang.expressions import (
    DEFAULT_LIMITS,
    CompileError,
    CompileScope,
    Limits,
    compile_expression,
)
from rulepack.library import fact_schema
from rulepack.verdict.data import Check
from rulepack.verdict.wording import fmt

ROOT = Path(__file__).resolve().parents[2]


# -- positioned YAML ----------------------------------------------------------------------------


def test_positions_are_one_based_line_and_column() -> None:
    doc = yaml_reader.load("a:\n  b: [1, 2]\n  c: 'x'\n")
    assert doc.position(("a", "b", 1)) == (2, 10)
    assert doc.key_position(("a", "c")) == (3, 3)
    assert ("a", "c") in doc.quoted
    assert doc.position(("a", "zzz")) == doc.position(("a",))  # nearest ancestor


def test_yaml_one_one_traps_are_disarmed() -> None:
    data = yaml_reader.load("on: 2026-01-01\nyes: no\nok: True\n").data
    assert data == {"on": "2026-01-01", "yes": "no", "ok": True}


def test_alias_bombs_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
    with pytest.raises(yaml_reader.YamlSyntaxError, match="more than"):
        yaml_reader.load(bomb)


# -- facts --------------------------------------------------------------------------------------


def test_lookup_distinguishes_missing_from_null_and_types_dates() -> None:
    get = fact_schema().lookup({"task": {"accepted_at": None,
                                         "published_at": "2026-05-01T09:00:00+08:00"},
                                "account": {"ban": None}})
    assert get("task.accepted_at") is None
    assert get("task.published_at") == dt.datetime(2026, 5, 1, 9, tzinfo=CHINA_TZ)
    assert get("account.ban.level") is None  # a null parent is a known "none"
    with pytest.raises(Missing) as caught:
        get("task.video_published_at")
    assert caught.value.path == "task.video_published_at"


def test_parse_instant_reads_dates_as_midnight_china_time() -> None:
    assert parse_instant("2026-11-21") == dt.datetime(2026, 11, 21, tzinfo=CHINA_TZ)
    assert parse_instant("2026-11-21T01:00:00Z").utcoffset() == dt.timedelta(0)
    with pytest.raises(ValueError):
        parse_instant("tomorrow")


def test_every_fact_field_has_labels() -> None:
    for path, info in fact_schema().fields.items():
        assert info.label_zh and info.label_en, path


# -- sandbox ------------------------------------------------------------------------------------


def compiled(text: str, limits: Limits = DEFAULT_LIMITS) -> ast.Expression:
    scope = CompileScope(facts=fact_schema().fields, params={"n": 3}, results=frozenset(),
                         limits=limits)
    return compile_expression(text, scope).tree


def run(text: str, facts: dict[str, object], limits: Limits = DEFAULT_LIMITS) -> object:
    schema = fact_schema()
    box = Sandbox(schema.lookup(facts), schema.convert_item, limits)
    return box.run(compiled(text, limits))


def test_sandbox_evaluates_paths_params_and_comprehensions() -> None:
    facts = {"account": {"fans": 10, "violations": [{"points": 2, "major": True},
                                                    {"points": 5, "major": False}]}}
    assert run("account.fans * params.n", facts) == 30
    assert run("total([v.points for v in account.violations if not v.major])", facts) == 5
    assert run("count(account.violations) == 2 and account.fans in (10, 11)", facts) is True


def test_sandbox_reports_missing_item_fields_with_their_path() -> None:
    with pytest.raises(Missing) as caught:
        run("total([v.points for v in account.violations])", {"account": {"violations": [{}]}})
    assert caught.value.path == "account.violations[].points"


@pytest.mark.parametrize(
    ("text", "limits"),
    [
        ("account.fans ** account.fans", Limits(max_power=100)),
        ("'ab' * account.fans", Limits(max_string=1_000)),
        ("count([v for v in account.recent_video_plays])", Limits(max_items=10)),
        ("total([v + v + v for v in account.recent_video_plays])", Limits(max_steps=50)),
    ],
)
def test_work_limits_are_passed_in_not_global(text: str, limits: Limits) -> None:
    facts = {"account": {"fans": 1_000, "recent_video_plays": list(range(100))}}
    with pytest.raises(LimitExceeded):
        run(text, facts, limits)
    run(text.replace("account.fans", "2"), {"account": {"recent_video_plays": [1]}})


def test_expression_size_is_limited_at_load() -> None:
    with pytest.raises(CompileError) as caught:
        compiled("1 + " * 50 + "1", Limits(max_nodes=20))
    assert caught.value.code == "RP206"


# -- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lang", "rate", "text"),
    [
        (99999, "en", False, "99,999"),
        (0.025, "en", True, "2.5%"),
        (0.1 + 0.2, "en", False, "0.3"),
        (True, "zh", False, "是"),
        (None, "en", False, "—"),
        (dt.date(2026, 11, 21), "en", False, "2026-11-21"),
        (["a", "b"], "zh", False, "a、b"),
    ],
)
def test_values_are_formatted_for_people(value: object, lang: str, rate: bool, text: str) -> None:
    assert fmt(value, lang, rate=rate) == text


def test_gap_texts_in_both_languages() -> None:
    from rulepack.model.pack import Text

    check = Check(expr="account.fans >= params.min", status="fail", label=Text("粉丝", "fans"),
                  actual=99999, op=">=", threshold=100000, gap=1)
    assert check.text("en") == "99,999 of 100,000 fans: 1 short"
    assert check.text("zh") == "粉丝 99,999，未达到 100,000，还差 1"
    over = Check(expr="x", status="fail", label=Text("账号数", "accounts"), actual=7, op="<=",
                 threshold=5, gap=2)
    assert over.text("en") == "accounts 7, over the limit of 5 by 2"


# -- documentation ------------------------------------------------------------------------------


def test_readme_lists_every_error_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| (RP\d{3}) \| (.+?) \|$", readme, flags=re.MULTILINE))
    assert listed == CODES


def test_percent_does_not_format_text() -> None:
    assert run("account.fans % params.n", {"account": {"fans": 10}}) == 1
    with pytest.raises(TypeError, match="takes numbers"):
        run("'%100000000d' % account.fans", {"account": {"fans": 1}})
