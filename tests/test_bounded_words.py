"""Values in words are bounded: a huge text or list costs an explanation what a small one does."""

from __future__ import annotations

import json

import pytest

import rulepack
from rulepack.verdict.wording import SHOWN_CHARS, SHOWN_ITEMS, fmt, shower

BIG = "长" * 100_000
# 100,000 texts of 100,000 characters: one text, shared, so the test itself stays small.
HUGE = [BIG] * 100_000


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_text_is_cut_and_says_its_length(lang: str) -> None:
    for shown in (fmt(BIG, lang), shower(lang)(BIG)):
        assert shown.startswith("长" * SHOWN_CHARS) and not shown.startswith("长" * 201)
        assert shown.endswith("…（共 100,000 字）" if lang == "zh" else "… (100,000 characters)")
    assert fmt("长" * SHOWN_CHARS, lang) == "长" * SHOWN_CHARS  # at the bound: whole


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_list_shows_its_first_items_and_how_many_more(lang: str) -> None:
    shown = fmt(HUGE, lang)
    assert len(shown) < (SHOWN_CHARS + 30) * (SHOWN_ITEMS + 1)
    assert shown.count("长" * SHOWN_CHARS) == SHOWN_ITEMS
    assert shown.endswith("……另有 99,980 项" if lang == "zh" else "… and 99,980 more")
    assert fmt(list(range(SHOWN_ITEMS)), lang).count("more") == 0
    mapping = fmt({f"k{i}": i for i in range(1000)}, lang)
    assert mapping.endswith("……另有 980 项" if lang == "zh" else "… and 980 more")


def test_an_explanation_and_messages_of_huge_facts_are_bounded() -> None:
    library = rulepack.load()
    doc = {"account": {"platform": "kuaishou", "phone": {"country_code": BIG},
                       "appeal": {"evidence": ["context_clips"] * 100_000},
                       "ban": {"level": 2, "category": "content", "type": "vulgar",
                               "started_at": "2026-01-01T00:00:00+08:00"}}}
    for pack in ("kuaishou.verification", "kuaishou.appeal.evidence"):
        verdict = library.evaluate(pack, doc, as_of="2026-01-02T00:00:00+08:00")
        for lang in ("zh", "en"):
            text = verdict.explain(lang)
            assert len(text) < 5_000, (pack, len(text))
            messages = [r["message"] for r in json.loads(verdict.to_json(lang))["reasons"]]
            assert messages == [r["message"] for r in verdict.to_dict(lang)["reasons"]]
            assert max(len(m) for m in messages) < 2_000
    phone = library.evaluate("kuaishou.verification", doc, as_of="2026-01-02T00:00:00+08:00")
    assert "（共 100,000 字）" in phone.explain("zh")
    evidence = library.evaluate("kuaishou.appeal.evidence", doc,
                                as_of="2026-01-02T00:00:00+08:00")
    assert "… and 99,980 more" in evidence.explain("en")
    # The data keeps every value whole: only the words are cut.
    (reason,) = [r for r in json.loads(phone.to_json("en"))["reasons"] if r["rule"] == "phone"]
    assert reason["values"]["account.phone.country_code"] == BIG
    assert "(100,000 characters)" in reason["message"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_shower_shows_each_list_as_fmt_does(lang: str) -> None:
    """A shower remembers the short lists of texts it showed; each shows as fmt shows it,
    asked again or not, in any order of items, with the labels of its codes."""
    labels = {"a": {"zh": "甲", "en": "alpha"}, "b": {"zh": "乙", "en": "beta"}}
    show = shower(lang, labels=labels)
    lists = [["a", "b"], ["b", "a"], ["a"], [], ["a", "x"], ["长" * 300, "a"], ["a", 1],
             ["a", True], ["b"] * 17]
    for value in [*lists, *lists]:
        assert show(value) == fmt(value, lang, labels=labels), value


def test_a_shower_keeps_no_long_text_of_a_list() -> None:
    """A list holding a text longer than a shown one is shown but not remembered: the memo's
    key would keep the document's long texts alive after their verdicts are gone."""
    show = shower("en")
    long_list = ["a" * (SHOWN_CHARS + 1), "b"]
    assert show(long_list) == fmt(long_list, "en")
    short = ["a", "b"]
    assert show(short) == fmt(short, "en")
    remembered = {tuple(key) for cell in show.__closure__ or ()
                  if isinstance(cell.cell_contents, dict)
                  for key in cell.cell_contents}
    assert ("a", "b") in remembered and tuple(long_list) not in remembered
