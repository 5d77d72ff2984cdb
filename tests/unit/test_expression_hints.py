"""Habits of other languages in an expression: the existing code, with a hint naming the fix."""

from __future__ import annotations

import pytest

from rulepack.lang.expressions import CompileError, CompileScope, compile_expression
from rulepack.library import fact_schema

SCOPE = CompileScope(facts=fact_schema().fields, params={}, results=frozenset())


def problem(text: str) -> CompileError:
    with pytest.raises(CompileError) as caught:
        compile_expression(text, SCOPE)
    return caught.value


@pytest.mark.parametrize(("text", "code", "at", "hint"), [
    ("account.fans > 1 && account.mcn_signed", "RP201", "&&", "write `and`"),
    ("account.mcn_signed || account.overseas", "RP201", "||", "write `or`"),
    ("account.mcn_signed AND account.overseas", "RP201", "AND", "write `and` in lower case"),
    ("account.mcn_signed OR account.overseas", "RP201", "OR", "write `or` in lower case"),
    ("NOT account.mcn_signed", "RP201", "NOT", "write `not` in lower case"),
    ("account.fans = 100000", "RP201", "=", "compare with `==`"),
    ("!account.mcn_signed", "RP201", "!", "write `not x`"),
    ("len(account.violations) > 0", "RP204", "len", "the library calls it `count`"),
    ("sum([v.points for v in account.violations]) > 3", "RP204", "sum",
     "the library calls it `total`"),
    ("min(account.recent_video_plays) > 1", "RP204", "min", "the library calls it `minimum`"),
    ("max(account.recent_video_plays) > 1", "RP204", "max", "the library calls it `maximum`"),
    ("account.region.lower() == 'x'", "RP202", "account", "`.lower()` is a method"),
    ("account.violations.count(1) > 0", "RP202", "account", "count(list)"),
    ("account.mcn_signed == true", "RP203", "true", "write `True`; a yes/no fact needs no"),
    ("account.mcn_signed == false", "RP203", "false", "write `False`"),
    ("account.appeal.last_response_at is null", "RP203", "null", "write `None`"),
    ("account.appeal.last_response_at is none", "RP203", "none", "write `None`"),
])
def test_a_habit_gets_its_code_and_a_hint_naming_the_fix(text: str, code: str, at: str,
                                                         hint: str) -> None:
    found = problem(text)
    assert found.code == code
    assert found.hint is not None and hint in found.hint, found.hint
    assert found.offset == text.index(at), (found.offset, text)


def test_the_hint_of_a_method_names_what_the_library_offers_for_text() -> None:
    hint = problem("account.region.strip() == '广东'").hint
    assert hint is not None and "blank(s)" in hint and "version(s)" in hint


def test_an_equals_sign_inside_a_string_or_a_comparison_is_no_habit() -> None:
    for text in ("account.region == 'a=b'", "account.fans != 3", "account.fans >= 3"):
        compile_expression(text, SCOPE)
    # An error elsewhere keeps the general hint, not one about a habit it does not have.
    assert problem("account.fans >= (3").hint == \
        "expressions use Python syntax: and, or, not, ==, >=, in, f(x)"


def test_leading_space_moves_the_column_of_a_habit() -> None:
    assert problem("  account.fans = 3").offset == len("  account.fans ")
