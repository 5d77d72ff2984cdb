"""``Verdict.to_json`` against the reference, byte for byte.

The reference is ``json.dumps(verdict.to_dict(lang), ensure_ascii=False)``; ``to_json`` writes
the same text from the evaluation's records without building the reasons
(rulepack.verdict.json_writer, with the check texts of rulepack.verdict.wording.site_text).
Compared here, in Chinese and English, on:

1. every case of the bundled ``*.test.yaml`` files and of ``tests/conformance``;
2. documents drawn for every bundled pack by ``rulepack.testing.facts_for`` (some facts left
   out), some then broken (values of the wrong type, odd numbers and strings, keys removed),
   and documents over the whole schema through ``evaluate_all``;
3. edge cases: unknown checks, strings that need escapes, floats, NaN and infinities, rates,
   enum labels, dates and instants, every kind of message placeholder;
4. the writer's own lanes: numbers of every kind against limits, checks remembered by value
   (0, False, 0.0 and -0.0 apart), lists and mappings of odd items handed to json's encoder;

and what rendering keeps (on the plan and its sites), which must never serve one pack's parts
to another.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import json
import math
import sys
import tempfile
import textwrap
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from _edits import edited
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

import rulepack
from rulepack.batch import jsonl
from rulepack.core import yaml_reader
from rulepack.library import models_of
from rulepack.verdict import json_checks, json_values, json_writer, wording
from rulepack.verdict.data import Check, Verdict, to_jsonable

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT / "tests" / "conformance"
LANGS = ("zh", "en")
CHINA = dt.timezone(dt.timedelta(hours=8))
AS_OF = dt.datetime(2026, 5, 20, 10, 0, tzinfo=CHINA)
PROFILE: dict[str, Any] = {
    "deadline": None, "derandomize": True, "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


def reference(verdict: Verdict, lang: str) -> str:
    return json.dumps(verdict.to_dict(lang), ensure_ascii=False,  # type: ignore[arg-type]
                      allow_nan=False)


def _refuse(constant: str) -> Any:
    raise AssertionError(f"not JSON: {constant}")


def assert_renders(verdict: Verdict, where: str = "") -> None:
    """``to_json`` equals the reference in both languages and is JSON (no NaN or Infinity),
    and every check's text equals ``check_text`` (which the JSON holds too, but here the
    failure names the check)."""
    explanation = verdict._explanation
    for lang in LANGS:
        fast = verdict.to_json(lang)  # type: ignore[arg-type]
        slow = reference(verdict, lang)
        assert fast == slow, f"{where} {verdict.pack} ({lang})\nfast: {fast}\nslow: {slow}"
        json.loads(fast, parse_constant=_refuse)
        if explanation is None:
            continue
        for record in explanation.records:  # type: ignore[attr-defined]
            for check in explanation.rule_checks(record):  # type: ignore[attr-defined]
                built = Check.from_record(check)
                text = wording.site_text(check[0], lang)(
                    built.status, built.actual, built.threshold, built.gap, built.missing,
                    built.error)
                assert text == built.text(lang), (where, check)  # type: ignore[arg-type]


# -- 1. test cases ------------------------------------------------------------------------------


@functools.cache
def bundled() -> rulepack.Library:
    return rulepack.load()


BUNDLED_TEST_FILES = sorted((ROOT / "rules").rglob("*.test.yaml"))


def _as_of(case: Mapping[str, Any]) -> Any:
    """The case's as_of; without one (and none in the facts), a fixed instant, not now."""
    facts = case.get("facts")
    if case.get("as_of") is not None or (isinstance(facts, Mapping) and "as_of" in facts):
        return case.get("as_of")
    return AS_OF


@pytest.mark.parametrize("path", BUNDLED_TEST_FILES, ids=lambda p: p.name)
def test_bundled_test_cases(path: Path) -> None:
    data = yaml_reader.load(path.read_text(encoding="utf-8")).data
    assert data["cases"], path
    for case in data["cases"]:
        try:
            verdict = bundled().evaluate(data["pack"], case["facts"], as_of=_as_of(case),
                                         version=case.get("version"))
        except rulepack.RulepackError:
            continue
        assert_renders(verdict, f"{path.name}::{case['name']}")


def _write_packs(packs: list[Any], folder: Path) -> None:
    """The packs of a conformance file, one file each, as tests/test_conformance.py writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    for index, pack in enumerate(packs):
        if isinstance(pack, str):
            text = pack
        else:
            plain = json.loads(json.dumps(pack, ensure_ascii=False))
            text = yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=1000)
        (folder / f"{index:02d}.yaml").write_text(text, encoding="utf-8")


@functools.cache
def conformance(name: str, limits: tuple[tuple[str, Any], ...] = ()) -> rulepack.Library:
    data = yaml_reader.load((CONFORMANCE / name).read_text(encoding="utf-8")).data
    with tempfile.TemporaryDirectory(prefix="rulepack-json-") as folder:
        _write_packs(data.get("packs") or [], Path(folder) / "rules")
        return rulepack.load(Path(folder) / "rules", limits=rulepack.Limits(**dict(limits)))


def _evaluation_cases(path: Path) -> list[Mapping[str, Any]]:
    data = yaml_reader.load(path.read_text(encoding="utf-8")).data
    return [case for case in data["cases"]
            if "pack_text" not in case and "pack_files" not in case and "facts" in case]


CONFORMANCE_FILES = [p for p in sorted(CONFORMANCE.glob("*.yaml")) if _evaluation_cases(p)]


@pytest.mark.parametrize("path", CONFORMANCE_FILES, ids=lambda p: p.name)
def test_conformance_cases(path: Path) -> None:
    for case in _evaluation_cases(path):
        library = conformance(path.name, tuple(sorted((case.get("limits") or {}).items())))
        try:
            if case.get("call") == "evaluate_all":
                verdicts = library.evaluate_all(case["facts"], as_of=_as_of(case))
            else:
                verdicts = [library.evaluate(case.get("pack") or library.ids[0], case["facts"],
                                             as_of=_as_of(case), version=case.get("version"))]
        except rulepack.RulepackError:
            continue
        for verdict in verdicts:
            assert_renders(verdict, f"{path.name}::{case['name']}")


# -- 2. generated documents ---------------------------------------------------------------------

# Values that stress the writer where a fact of another type was expected.
ODD_VALUES = st.sampled_from([
    None, True, False, 0, -1, 2**53 + 1, 0.1, -0.0, 1e16, 99_999.5, math.nan, math.inf,
    -math.inf, "", 'quote " backslash \\ newline \n tab \t nul \x00 unit \x1f', "😀 \ud800",
    "douyin", [], [1, 2.5, "x"], {}, {"on": "2026-01-01", "points": 3},
])


EDITS = st.lists(st.tuples(st.integers(0, 2**16), st.one_of(st.just("delete"), ODD_VALUES)),
                 max_size=3)


@functools.cache
def _pack_facts(pack_id: str) -> st.SearchStrategy[dict[str, Any]]:
    from rulepack.testing import facts_for

    return facts_for(pack_id, bundled())


@settings(max_examples=15, **PROFILE)
@pytest.mark.parametrize("pack_id", bundled().ids)
@given(data=st.data(), edits=EDITS)
def test_generated_documents(pack_id: str, data: st.DataObject,
                             edits: list[tuple[int, Any]]) -> None:
    document = edited(data.draw(_pack_facts(pack_id), label="document"), edits,
                      top_level=False)
    note(f"document: {document!r}")
    try:
        verdict = bundled().evaluate(pack_id, document, validate=False)
    except rulepack.RulepackError:
        return
    assert_renders(verdict, pack_id)


@functools.cache
def _schema_facts() -> st.SearchStrategy[dict[str, Any]]:
    from rulepack.testing import facts_for_schema

    return facts_for_schema(near=bundled())


@settings(max_examples=25, **PROFILE)
@given(data=st.data(), edits=EDITS)
def test_every_pack_on_documents_over_the_schema(data: st.DataObject,
                                                 edits: list[tuple[int, Any]]) -> None:
    document = edited(data.draw(_schema_facts(), label="document"), edits, top_level=False)
    note(f"document: {document!r}")
    try:
        verdicts = bundled().evaluate_all(document, as_of=AS_OF, validate=False)
    except rulepack.RulepackError:
        return
    for verdict in verdicts:
        assert_renders(verdict, "evaluate_all")


# -- 3. edge cases ------------------------------------------------------------------------------

EDGE_PACK = r'''
id: edge.json
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {zh: '引号"与\反斜杠', en: 'quotes " and \ backslash'}
description: {zh: 边界。, en: Edges.}
sources: [&src {seed: 's"eed\.txt', quote: "引号\"、反斜杠\\、😀"}]
params: {min_fans: 100000, min_ratio: 0.05, odd_name: 'a"b\c', steps: [1, 2.5]}
rules:
  - id: fans
    title: {zh: '粉丝"门槛"', en: 'fan "threshold"'}
    source: *src
    require: account.fans >= params.min_fans
    message:
      fail: {zh: "粉丝 {account.fans}（{account.fans:%}），门槛 {params.min_fans}，\
                  比例 {params.min_ratio:%}，{params.steps}，{today} {as_of}，{{字面}}：{why}",
             en: "{account.fans} ({account.fans:%}) fans of {params.min_fans} \
                  ({params.min_ratio:%}, {params.steps}) on {today} at {as_of} {{literal}}: {why}"}
      unknown: {zh: "{title}？{why}（{account.fans}，{account.fans:%}）",
                en: "{title}? {why} ({account.fans}, {account.fans:%})"}
  - id: ratio
    title: {zh: 赞播比, en: like/play ratio}
    source: *src
    require: account.like_play_ratio >= params.min_ratio
    message:
      fail: {zh: "{account.like_play_ratio} / {account.like_play_ratio:%}：{why}",
             en: "{account.like_play_ratio} / {account.like_play_ratio:%}: {why}"}
  - id: platform
    title: {zh: 平台, en: Platform}
    source: *src
    require: {any: ["account.platform in ('douyin', 'xigua')", "account.platform == 'huoshan'"]}
    message:
      pass: {zh: "{account.platform}：{why}", en: "{account.platform}: {why}"}
      fail: {zh: "{account.platform}！{why}", en: "{account.platform}! {why}"}
  - id: named
    title: {zh: 实名, en: Real name}
    source: *src
    require: {all: ["account.identity.real_name != params.odd_name",
                    "account.identity.real_name != 'x\"y'"]}
    message:
      fail: {zh: "{account.identity.real_name}：{why}", en: "{account.identity.real_name}: {why}"}
  - id: expiry
    title: {zh: 证件有效期, en: ID expiry}
    source: *src
    require: account.identity.id_expires_on >= today
    set: {expires: account.identity.id_expires_on}
    message:
      pass: {zh: "{account.identity.id_expires_on} / {result.expires} / {result.fans_k}：{why}",
             en: "{account.identity.id_expires_on} / {result.expires} / {result.fans_k}: {why}"}
  - id: banned
    title: {zh: 封禁, en: Ban}
    source: *src
    require: {not: "account.ban.started_at < as_of"}
  - id: flags
    title: {zh: 标志, en: Flags}
    source: *src
    require: {all: [account.mcn_signed, "not account.overseas",
                    {expr: "count(account.violations) == 0", label: {zh: 违规, en: violations}}]}
  - id: thousands
    kind: output
    title: {zh: 千粉, en: Thousands of fans}
    source: *src
    set: {fans_k: account.fans / 1000}
'''


@functools.cache
def edge_library() -> rulepack.Library:
    folder = Path(tempfile.mkdtemp(prefix="rulepack-json-edge-"))
    (folder / "edge.yaml").write_text(textwrap.dedent(EDGE_PACK), encoding="utf-8")
    return rulepack.load(folder)


ESCAPES = 'q " b \\ n \n r \r t \t nul \x00 \x1f del \x7f ls \u2028 😀 \ud800 中文'
EDGE_DOCUMENTS: dict[str, dict[str, Any]] = {
    "complete, failing": {"account": {
        "fans": 99_999, "like_play_ratio": 0.025, "platform": "kuaishou",
        "identity": {"real_name": 'a"b\\c', "id_expires_on": "2026-05-19"},
        "ban": {"started_at": "2026-05-19T10:00:00+08:00"}, "mcn_signed": False,
        "overseas": True, "violations": [{"on": "2026-01-01", "points": 3}]}},
    "complete, passing": {"account": {
        "fans": 100_000, "like_play_ratio": 0.05, "platform": "xigua",
        # A valid document holds Unicode text only: a lone surrogate is RP301 (see
        # tests/test_hostile_facts.py); the unvalidated documents below still carry one.
        "identity": {"real_name": ESCAPES.replace("\ud800 ", ""), "id_expires_on": "2026-05-20"},
        "ban": {"started_at": "2026-05-21T00:00:00Z"}, "mcn_signed": True, "overseas": False,
        "violations": []}},
    "empty: every check unknown": {"account": {}},
    "some missing": {"account": {"fans": 5, "platform": "huoshan", "identity": {}}},
}
# Unvalidated values evaluation may meet: of the wrong type, not finite, enormous, escaped.
ODD_DOCUMENTS: dict[str, dict[str, Any]] = {
    "nulls": {"account": {"fans": None, "platform": None, "identity": {"real_name": None},
                          "like_play_ratio": None, "ban": {"started_at": None}}},
    "fans nan": {"account": {"fans": math.nan}},
    "fans inf": {"account": {"fans": math.inf, "like_play_ratio": -math.inf}},
    "float fans": {"account": {"fans": 99_999.5, "like_play_ratio": 1e-7}},
    "big floats": {"account": {"fans": 1e16, "like_play_ratio": 12_345.678_9}},
    "negative zero": {"account": {"fans": -0.0, "like_play_ratio": -0.0}},
    "bool fans": {"account": {"fans": True, "mcn_signed": 1}},
    "text fans": {"account": {"fans": ESCAPES, "platform": ESCAPES, "mcn_signed": "yes"}},
    "list fans": {"account": {"fans": [1, "2", None], "violations": "none"}},
    "dict values": {"account": {"fans": {"a": 1}, "violations": [{None: "x", False: 1}]}},
    "bad date": {"account": {"identity": {"id_expires_on": "2026-02-30"}, "fans": 1}},
}


@pytest.mark.parametrize("name", [*EDGE_DOCUMENTS, *ODD_DOCUMENTS])
@pytest.mark.parametrize("as_of", [AS_OF, dt.datetime(2026, 12, 31, 20, 0, tzinfo=dt.UTC)])
def test_edge_cases(name: str, as_of: dt.datetime) -> None:
    document = {**EDGE_DOCUMENTS, **ODD_DOCUMENTS}[name]
    verdict = edge_library().evaluate("edge.json", copy.deepcopy(document), as_of=as_of,
                                      validate=name in EDGE_DOCUMENTS)
    assert_renders(verdict, name)


def test_the_edge_cases_reach_what_they_are_for() -> None:
    """The documents above meet what they are meant to: otherwise they prove nothing."""
    library = edge_library()
    seen: set[str] = set()
    for name, document in {**EDGE_DOCUMENTS, **ODD_DOCUMENTS}.items():
        verdict = library.evaluate("edge.json", copy.deepcopy(document), as_of=AS_OF,
                                   validate=False)
        text = verdict.to_json("en")
        for reason in verdict.reasons:
            seen.add(f"{reason.rule}:{reason.status}")
            for check in reason.checks:
                seen.add(f"check:{check.status}:{'missing' if check.missing else ''}"
                         f"{'error' if check.error else ''}")
        seen.update(word for word in ("NaN", "Infinity", "\\u0000", "\\\\", '\\"', "😀",
                                      "Xigua Video", "2.5%", "2026-05-20")
                    if word in text)
        assert name not in ODD_DOCUMENTS or verdict.outcome != "pass", name
    for wanted in ("fans:fail", "fans:pass", "fans:unknown", "ratio:fail", "platform:pass",
                   "platform:fail", "named:fail", "expiry:pass", "banned:fail", "flags:fail",
                   "check:unknown:missing", "check:unknown:error", "NaN", "Infinity",
                   "\\u0000", "\\\\", '\\"', "😀", "Xigua Video", "2.5%", "2026-05-20"):
        assert wanted in seen, wanted


# -- numbers against limits, and lists ---------------------------------------------------------
#
# The writer's own lanes: checks of plain numbers against a limit (words, gap and JSON written
# straight from the numbers), checks remembered by their values (so 0, False, 0.0 and -0.0 at
# one site must each keep their own text), and facts handed to json's C encoder before their
# items are looked at.

LIMITS_PACK = r"""
id: edge.limits
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {zh: 界限, en: Limits}
description: {zh: 界限。, en: Limits.}
sources: [&src {seed: s.txt, quote: 界限}]
params: {min_fans: 100, min_fans_float: 10.5, max_risk: 0.75, max_devices: 3, min_avg: 999.95,
         odd: [1]}
rules:
  - id: at_least
    title: {zh: 至少, en: At least}
    source: *src
    require: {any: ["account.fans >= params.min_fans", "account.fans > params.min_fans_float",
                    "account.fans >= account.accounts_on_device"]}
  - id: at_most
    title: {zh: 至多, en: At most}
    source: *src
    require: {any: ["account.content_risk_score <= params.max_risk",
                    "account.accounts_on_device < params.max_devices", "account.fans <= 7",
                    "account.fans < 7.5", "account.fans > 7"]}
  - id: average
    title: {zh: 平均, en: Average}
    source: *src
    require: {any: ["avg_newest(account.recent_video_plays, 3) >= params.min_avg",
                    {expr: "account.content_risk_score >= params.max_risk",
                     label: {zh: 风险, en: risk}}]}
  - id: other
    title: {zh: 其他, en: Other}
    source: *src
    require: {all: ["account.content_risk_score != 0.25",
                    "account.like_play_ratio <= params.max_risk"]}
  - id: read
    title: {zh: 读取, en: Read}
    source: *src
    require: {all: ["account.recent_video_plays != params.odd",
                    "account.violations != params.odd", "account.platform != 'toutiao'"]}
"""


@functools.cache
def limits_library() -> rulepack.Library:
    folder = Path(tempfile.mkdtemp(prefix="rulepack-json-limits-"))
    (folder / "limits.yaml").write_text(LIMITS_PACK, encoding="utf-8")
    return rulepack.load(folder)


class _Int(int):
    """An int that shows itself otherwise: never written as a plain int would be."""

    def __repr__(self) -> str:
        return f"_Int({int(self)})"

    __str__ = __repr__


class _Float(float):
    def __repr__(self) -> str:
        return f"_Float({float(self)})"

    __str__ = __repr__


class _Backwards(list):  # type: ignore[type-arg]
    """A list iterated backwards: to_jsonable sees its items reversed, json's C encoder (which
    reads a list's items directly) in order."""

    def __iter__(self) -> Any:
        return iter(self[::-1])


# In this order, and again: equal values of other types (0, False, 0.0, -0.0) and equal floats
# of other objects meet the checks remembered before them.
NUMBERS: list[Any] = [
    0, False, 0.0, -0.0, 0, 1, True, 1.0, -5, 7, 7.0, 7.5, 8, 10.5, 11, 99, 100, 101, 2**70,
    -(2**70), 99_999.5, 1e15, -1e15, 1e16, 123_456.789_1, 999.95, 1e-7, -1e-5, 5e-324, 1e308,
    math.nan, math.nan, math.inf, -math.inf, _Int(5), _Int(100), _Float(5.5), "5", None,
]
LISTS: list[Any] = [
    [], [1, 2, 3], [-1, 0, 2**70, -(2**70)], [True, False], [1, True, 1.0], [2**53 + 1],
    [1.5, -0.0, math.nan, math.inf, -math.inf], [_Int(3), _Float(2.5)], [[1, 2], [3]],
    [1, [2]], [1, (2, 3)], (1, 2), _Backwards([1, 2, 3]), [_Backwards([1, 2])],
    [dt.date(2026, 1, 1)], {1, 2}, [{"a": 1}], [{"a": [1, {"b": None}]}], [{True: 1, None: 2}],
    [{(1, 2): 3}], [{_Int(1): 1}], [{1.5: "x", math.inf: "y"}], ["[[", ", [", "{", "x: ["],
    "a: [[", [None, "s", "\\\"\n"], [[]], [{}],
]
PLATFORMS: list[Any] = ["douyin", "x: [", "{", "[[", ", [", None, 3]


def _limit_documents() -> list[dict[str, Any]]:
    documents = []
    for round_ in range(2):
        for index, number in enumerate(NUMBERS):
            documents.append({"account": {
                "fans": number, "content_risk_score": number, "like_play_ratio": number,
                "accounts_on_device": NUMBERS[(index * 7 + round_) % len(NUMBERS)],
                "recent_video_plays": [number, 1_000, 999] if index % 3 else [number],
                "violations": [], "platform": "douyin"}})
    for index, plays in enumerate(LISTS):
        documents.append({"account": {
            "fans": 5, "accounts_on_device": 2, "content_risk_score": 0.5,
            "recent_video_plays": plays, "violations": LISTS[(index * 5) % len(LISTS)],
            "platform": PLATFORMS[index % len(PLATFORMS)]}})
    return documents


@pytest.mark.parametrize("memo", [4096, 2])
def test_numbers_against_limits_and_lists(memo: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Also with a memo emptied every other check."""
    monkeypatch.setattr(json_checks, "_MEMO", memo)
    for document in _limit_documents():
        verdict = limits_library().evaluate("edge.limits", document, as_of=AS_OF,
                                            validate=False)
        assert_renders(verdict, repr(document))


def test_the_lanes_are_taken() -> None:
    """The documents above reach the writer's own lanes, and the reasons that read the lists
    are written by it (no details), not by the reference."""
    library = limits_library()
    seen: Counter[tuple[bool, type]] = Counter()
    for document in _limit_documents():
        verdict = library.evaluate("edge.limits", document, as_of=AS_OF, validate=False)
        run: Any = verdict._explanation
        for record in run.records:
            for check in run.rule_checks(record):
                if check[1] != "unknown":
                    # A check against a limit, worded as one ("99 of 100 fans: 1 short").
                    site = check[0]
                    lane = site.op in (">=", ">", "<=", "<") and not site.rate \
                        and not site.value_labels
                    seen[lane, type(check[2])] += 1
        if isinstance(document["account"]["recent_video_plays"], list):
            read = run.records[-1]
            assert read[0].id == "read" and not read[4], document
    assert min(seen[True, int], seen[True, float], seen[False, float]) > 10, seen


_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**80), 2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6),
    st.sampled_from(["[[", ", [", "{", "}", "x: [", '"', "\\"]),
    st.builds(_Int, st.integers(-5, 5)), st.builds(_Float, st.floats(-5, 5)),
    st.just(dt.date(2026, 1, 1)),
)
_KEYS = st.one_of(st.text(max_size=4), st.booleans(), st.none(), st.integers(-3, 3),
                  st.builds(_Int, st.integers(0, 2)), st.floats(), st.tuples(st.integers()))
_JSONISH = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.lists(children, max_size=3).map(tuple),
        st.lists(children, max_size=3).map(_Backwards),
        st.dictionaries(st.text(max_size=4), children, max_size=3),
        st.dictionaries(_KEYS, children, max_size=3),
        st.frozensets(st.integers(), max_size=3)),
    max_leaves=12)


@settings(max_examples=400, **PROFILE)
@given(fields=st.dictionaries(st.text(max_size=8), _JSONISH, max_size=5))
def test_fields_are_written_as_their_jsonable_values(fields: dict[str, Any]) -> None:
    """A reason's values and a verdict's result, as to_dict holds them and json writes them."""
    expected = json.dumps({key: to_jsonable(value) for key, value in fields.items()},
                          ensure_ascii=False)
    assert json_values.fields_json(fields) == expected
    for value in fields.values():
        assert json_values.value_json(value) == json.dumps(to_jsonable(value),
                                                            ensure_ascii=False)


# -- the fast path and its fallbacks ------------------------------------------------------------


def test_plain_check_rules_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's rules never build a Reason; a table's rule does (the reference)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import peer_workload as workload  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ROOT / "bench"))
    library = rulepack.load(ROOT / "bench" / "packs")
    verdicts = [library.evaluate(workload.PACK_ID, document, as_of=workload.AS_OF,
                                 validate=False) for document in workload.documents(300)]
    run_type: Any = type(verdicts[0]._explanation)
    built: list[Any] = []
    original = run_type.reason

    def counted(self: Any, record: Any) -> Any:
        built.append(record)
        return original(self, record)

    monkeypatch.setattr(run_type, "reason", counted)
    for verdict in verdicts:
        for lang in LANGS:
            assert verdict.to_json(lang) == json.dumps(  # type: ignore[arg-type]
                verdict.to_dict(lang), ensure_ascii=False)  # type: ignore[arg-type]
    built.clear()
    fresh = [library.evaluate(workload.PACK_ID, document, as_of=workload.AS_OF,
                              validate=False) for document in workload.documents(300)]
    for verdict in fresh:
        verdict.to_json("en")
    assert built == []
    wanting = bundled().evaluate("kuaishou.signing.business_tier",
                                 {"organization": {"annual_framework_cny": 1}}, as_of=AS_OF,
                                 validate=False)
    wanting.to_json("zh")
    assert built == [], "results missing are written without the reference"
    assert any(reason.details.get("missing") for reason in wanting.reasons)
    assert_renders(wanting, "results missing")
    built.clear()
    broken = bundled().evaluate("xingtu.penalty_points", {"account": {"violations": True}},
                                as_of=AS_OF, validate=False)
    broken.to_json("zh")
    assert built, "a rule's errors are rendered by the reference"
    built.clear()
    # A score's lines and a table's rows are written as they are: no Reason is built.
    fined = {"account": {"violations": [{"on": "2026-05-01", "category": "behavior",
                                         "type": "fake_traffic", "points": 4,
                                         "major": False}]}}
    scored = bundled().evaluate("xingtu.penalty_points", fined, as_of=AS_OF, validate=False)
    details = {reason.kind: reason.details for reason in scored.reasons}
    assert details["score"]["deductions"] and details["table"]["matched"], details
    assert_renders(scored, "a score's lines")
    built.clear()
    bundled().evaluate("xingtu.penalty_points", fined, as_of=AS_OF,
                       validate=False).to_json("en")
    assert built == [], "a score's lines are written without the reference"


def test_a_verdict_made_with_its_reasons_renders_them() -> None:
    """A verdict given its reasons has no records to write from: the reference path."""
    verdict = edge_library().evaluate("edge.json", EDGE_DOCUMENTS["complete, failing"],
                                      as_of=AS_OF)
    explanation = verdict._explanation
    reasons = verdict.reasons[1:]
    made = Verdict(pack=explanation.plan.pack,  # type: ignore[union-attr]
                   as_of=verdict.as_of, outcome=verdict.outcome, result=verdict.result,
                   missing=verdict.missing, reasons=reasons, explanation=explanation)
    assert made.to_json("en") == reference(made, "en")
    assert len(json.loads(made.to_json("en"))["reasons"]) == len(reasons)


def test_rendering_after_the_reasons_were_read() -> None:
    """Once its reasons are built, a verdict is written alike."""
    for document in (*EDGE_DOCUMENTS.values(), *ODD_DOCUMENTS.values()):
        verdict = edge_library().evaluate("edge.json", copy.deepcopy(document), as_of=AS_OF,
                                          validate=False)
        before = {lang: verdict.to_json(lang) for lang in LANGS}  # type: ignore[arg-type]
        assert verdict.reasons
        assert {lang: verdict.to_json(lang) for lang in LANGS} == before  # type: ignore[arg-type]
        assert_renders(verdict)


def test_without_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where json has no C speedups, containers go through the encoder itself, alike."""
    monkeypatch.setattr(json_values, "_c_encode",
                        lambda value, _: (json_values._plain_encode(value),))
    for name, document in {**EDGE_DOCUMENTS, **ODD_DOCUMENTS}.items():
        verdict = edge_library().evaluate("edge.json", copy.deepcopy(document), as_of=AS_OF,
                                          validate=False)
        assert_renders(verdict, name)
    for document in _limit_documents():
        verdict = limits_library().evaluate("edge.limits", document, as_of=AS_OF,
                                            validate=False)
        assert_renders(verdict, repr(document))


# -- caches ---------------------------------------------------------------------------------------

TWIN = """\
id: twin.pack
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {{zh: 双胞胎, en: Twin}}
description: {{zh: 缓存。, en: Caches.}}
sources: [{{seed: s.txt, quote: 粉丝}}]
params: {{min_fans: {threshold}}}
rules:
  - id: fans
    title: {{zh: 粉丝, en: Fans}}
    source: {{seed: s.txt, quote: {quote}}}
    require: account.fans >= params.min_fans
    message:
      fail: {{zh: "{word}{{params.min_fans}}：{{why}}", en: "{word}{{params.min_fans}}: {{why}}"}}
"""


def _twin(folder: Path, threshold: int, word: str, quote: str) -> rulepack.Library:
    folder.mkdir()
    (folder / "twin.yaml").write_text(TWIN.format(threshold=threshold, word=word, quote=quote),
                                      encoding="utf-8")
    return rulepack.load(folder)


def test_packs_that_look_alike_never_share_parts(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Same pack id, rule id and check text; other params, messages and sources. Rendered in
    turns, each from its own parts, also once the memo of checks is emptied as it fills up."""
    one = _twin(tmp_path / "one", 100, "一", "甲")
    other = _twin(tmp_path / "other", 7, "二", "乙")
    facts = {"account": {"fans": 5}}
    for limit in (4096, 1):
        monkeypatch.setattr(json_checks, "_MEMO", limit)
        for _ in range(3):
            for library in (one, other, rulepack.load(tmp_path / "one")):
                verdict = library.evaluate("twin.pack", facts, as_of=AS_OF)
                assert_renders(verdict, f"limit {limit}")


def test_packs_that_share_rules_never_share_parts(tmp_path: Path) -> None:
    """A pack made from another keeps its rule objects; its own params still show."""
    one = _twin(tmp_path / "one", 100, "一", "甲")
    pack = models_of(one).packs[0]
    other = rulepack.Library([dataclasses.replace(pack, params={"min_fans": 7})])
    assert models_of(other).packs[0].rules[0] is pack.rules[0]
    for _ in range(2):
        for library in (one, other):
            verdict = library.evaluate("twin.pack", {"account": {"fans": 5}}, as_of=AS_OF)
            assert_renders(verdict, library.packs[0].params["min_fans"])


def test_checks_unknown_for_want_of_facts_are_remembered_by_the_facts_missing(
        tmp_path: Path) -> None:
    """A check unknown for want of facts is written once per site and facts missing: the
    same object again for the same facts missing, its own words for others."""
    (tmp_path / "twin.yaml").write_text(
        TWIN.format(threshold=1, word="w", quote="q").replace(
            "account.fans >= params.min_fans", "account.fans >= account.accounts_on_device"),
        encoding="utf-8")
    library = rulepack.load(tmp_path)
    written: dict[tuple[str, ...], list[str]] = {}
    for facts in ({}, {"fans": 3}, {"accounts_on_device": 2}, {}, {"fans": 4},
                  {"accounts_on_device": 1}):
        verdict = library.evaluate("twin.pack", {"account": facts}, as_of=AS_OF)
        assert_renders(verdict, str(facts))
        (check,) = json.loads(verdict.to_json("en"))["reasons"][0]["checks"]
        written.setdefault(tuple(check["missing"]), []).append(json.dumps(check))
    assert len(written) == 3 and all(map(len, written)), written  # one fact, the other, both
    assert all(len(set(texts)) == 1 for texts in written.values()), written
    memo = verdict._explanation.plan.renderings["json.en"].memo  # type: ignore[union-attr]
    assert sum(len(key) == 2 for key in memo) == 3, memo


def _module_state() -> dict[str, int]:
    """The size of every container the rendering modules hold at module level."""
    return {f"{module.__name__}.{name}": len(value)
            for module in (json_checks, json_values, json_writer, wording)
            for name, value in vars(module).items()
            if isinstance(value, (dict, list, set))}


def test_what_rendering_keeps_lives_on_the_plan_and_stays_bounded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rendering new packs adds nothing to any module: what it keeps is on each plan (and its
    sites), dropped with them; each plan's memo of checks stays within its bound."""
    monkeypatch.setattr(json_checks, "_MEMO", 3)
    before = _module_state()
    for index in range(6):
        library = _twin(tmp_path / f"pack{index}", index, "词", "句")
        for fans in range(8):
            verdict = library.evaluate("twin.pack", {"account": {"fans": fans}}, as_of=AS_OF)
            verdict.to_json("zh")
        run: Any = verdict._explanation
        memo = run.plan.renderings["json.zh"].memo
        assert 0 < len(memo) <= 3
    assert _module_state() == before


# -- batch output ---------------------------------------------------------------------------------


def test_batch_records_are_the_dicts_they_were(tmp_path: Path) -> None:
    """A batch verdict record is to_dict(lang) plus input and line, as json writes the dict."""
    options = jsonl.BatchOptions(rules=ROOT / "rules", packs=(), version=None, as_of=AS_OF,
                                  lang="en")
    renderer = jsonl.Renderer(bundled(), options)
    lines = [json.dumps(EDGE_DOCUMENTS["complete, failing"]).encode(),
             b'{"account": {"platform": "douyin", "fans": 99999, "violations": []}}',
             b'{"organization": {"type": "mcn", "annual_framework_cny": 3000000}}']
    rendered = renderer.render(jsonl.Chunk("in.jsonl", 7, lines)).text.splitlines()
    expected = []
    for number, raw in enumerate(lines, start=7):
        for verdict in bundled().evaluate_all(json.loads(raw), as_of=AS_OF, validate=False):
            record = verdict.to_dict("en")
            record["input"] = "in.jsonl"
            record["line"] = number
            expected.append(json.dumps(record, ensure_ascii=False))
    assert rendered == expected


def test_plain_check_rules_get_a_writer_of_their_own() -> None:
    """Each of the benchmark's rules is written by a function generated for it, which writes
    the reason to_dict holds."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import peer_workload as workload
    finally:
        sys.path.remove(str(ROOT / "bench"))
    library = rulepack.load(ROOT / "bench" / "packs")
    verdict = library.evaluate(workload.PACK_ID, workload.documents(1)[0], as_of=workload.AS_OF,
                               validate=False)
    verdict.to_json("en")
    run: Any = verdict._explanation
    codes = [writer.code for writer in run.plan.renderings["json.en"].rules]
    assert len(codes) == 2 and all(code is not None for code in codes)
    for record, code in zip(run.records, codes, strict=True):
        text = code(record[2], run.facts, run, record)
        assert json.loads(text) == verdict.to_dict("en")["reasons"][run.records.index(record)]


MARKED = """\
id: marked.pack
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {{zh: 记号, en: Marks}}
description: {{zh: 记号。, en: Marks.}}
sources: [{{seed: s.txt, quote: 粉丝}}]
params: {{min_fans: 100}}
rules:
  - id: labelled
    title: {{zh: 标签, en: Label}}
    source: {{seed: s.txt, quote: 粉丝}}
    require: {{expr: account.fans >= params.min_fans,
              label: {{zh: "粉丝{mark}", en: "fans{mark}"}}}}
  - id: in_expression
    title: {{zh: 表达式, en: Expression}}
    source: {{seed: s.txt, quote: 粉丝}}
    require: "count(account.violations + ['{mark}']) >= 2"
"""


@pytest.mark.parametrize("mark", ["\\ue000", "\\ue001", "\\ue002", "\\ue003", "{", "}}", '\\"'])
def test_checks_of_ints_whose_words_hold_odd_characters(tmp_path: Path, mark: str) -> None:
    """A label or expression may hold any character, including those the int writer puts
    where the numbers go (Unicode's private use area) and braces."""
    (tmp_path / "marked.yaml").write_text(MARKED.format(mark=mark), encoding="utf-8")
    library = rulepack.load(tmp_path)
    for fans in (5, 100, 500):
        for violations in ([], [{"on": "2025-01-01", "points": 1}]):
            verdict = library.evaluate("marked.pack", {"account": {
                "fans": fans, "violations": violations}}, as_of=AS_OF, validate=False)
            assert_renders(verdict, f"{mark!r} {fans}")


def test_thresholds_read_from_the_document_are_never_served_another_threshold(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A threshold that is a fact takes a new value with every document, while the check's
    actual value stays: a check remembered with one threshold is not served for another, and
    the memo stays within its bound."""
    monkeypatch.setattr(json_checks, "_MEMO", 16)
    library = limits_library()
    for devices in range(1, 400):
        document = {"account": {"fans": 5, "accounts_on_device": 1000 + devices}}
        verdict = library.evaluate("edge.limits", document, as_of=AS_OF, validate=False)
        assert_renders(verdict, repr(document))
        run: Any = verdict._explanation
        assert len(run.plan.renderings["json.en"].memo) <= 16
