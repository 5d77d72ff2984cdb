"""A verdict is always JSON: no NaN and no infinity, on the compiled path and in the sandbox.

Python's ``json`` writes ``NaN`` and ``Infinity`` for floats that are not finite, which no JSON
parser need accept. An expression can make one (``1e999 - 1e999``, ``1e999``, a float
overflowing in a score); a check, result or score whose value is not finite is ``unknown``
with error RP507 instead. Here every verdict of random packs (the pack and expression
grammars of ``test_fast``) on random documents, in both languages and through both engines,
is parsed by a parser that refuses the two words; and one test per place where such a value
can arise pins the verdict it gives.

The documents are ``test_fast``'s with every float made finite: a fact that is NaN is no JSON
either, and validation refuses it (RP301) before evaluation.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_fast import (
    MOMENTS,
    SMALL_LIMITS,
    expression_texts,
    fact_documents,
    generated_packs,
    load_both,
)

import rulepack
from rulepack.lang.expressions import DEFAULT_LIMITS, Limits

BIG_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large]
LANGS = ("zh", "en")


def _refuse(word: str) -> Any:
    raise ValueError(f"`{word}` is not JSON")


def strict_json(text: str) -> Any:
    """``text`` parsed as JSON, refusing NaN and Infinity."""
    return json.loads(text, parse_constant=_refuse)


def _finite(value: Any) -> Any:
    """``value`` with every float that is not finite replaced by a finite one (the largest
    float for an infinity: arithmetic on it can still overflow)."""
    if isinstance(value, float) and not math.isfinite(value):
        return 0.5 if math.isnan(value) else math.copysign(1.7e308, value)
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


finite_documents = fact_documents().map(_finite)


def assert_strict_json(verdict: rulepack.Verdict) -> None:
    for lang in LANGS:
        text = verdict.to_json(lang)
        assert strict_json(text) == verdict.to_dict(lang), text


def _evaluate(library: rulepack.Library, pack_id: str, document: dict[str, Any],
              as_of: dt.datetime) -> rulepack.Verdict:
    return library.evaluate(pack_id, document, as_of=as_of, validate=False)


@settings(max_examples=120, suppress_health_check=BIG_INPUTS)
@given(pack=generated_packs(), documents=st.lists(finite_documents, min_size=1, max_size=3),
       as_of=st.sampled_from(MOMENTS), limits=st.sampled_from([DEFAULT_LIMITS, SMALL_LIMITS]))
def test_generated_pack_verdicts_are_strict_json(pack: dict[str, Any],
                                                 documents: list[dict[str, Any]],
                                                 as_of: dt.datetime, limits: Limits) -> None:
    """Random packs of every rule kind (their expressions with ``1e999``, the largest floats,
    big numbers and arithmetic), on partial and wrongly typed documents:
    every verdict's JSON parses strictly, in both languages, through both engines."""
    for library in load_both(pack, limits):
        for document in documents:
            assert_strict_json(_evaluate(library, "fast.generated", document, as_of))


def _pack(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "json.strict", "version": "1.0.0", "effective_from": "2000-01-01",
        "subject": "account", "title": {"zh": "包", "en": "pack"},
        "description": {"zh": "包", "en": "pack"}, "sources": [{"seed": "s.txt", "quote": "q"}],
        # A pack's params are finite (RP209): infinity and NaN come from arithmetic here.
        "params": {"n": 100, "big": 1e308},
        "rules": rules,
    }


def _rule(rule_id: str, **parts: Any) -> dict[str, Any]:
    return {"id": rule_id, "title": {"zh": "规则", "en": "rule"},
            "source": {"seed": "s.txt", "quote": "q"}, **parts}


@settings(max_examples=150, suppress_health_check=BIG_INPUTS)
@example(text="1e999 - 1e999", documents=[{}], as_of=MOMENTS[0])
@example(text="[1, -1e999]", documents=[{}], as_of=MOMENTS[0])
@given(text=expression_texts(), documents=st.lists(finite_documents, min_size=1, max_size=2),
       as_of=st.sampled_from(MOMENTS))
def test_every_expression_result_is_strict_json(text: str, documents: list[dict[str, Any]],
                                               as_of: dt.datetime) -> None:
    """Each expression of the grammar, as a result field and as a table output: the verdict's
    JSON parses strictly, through both engines."""
    rules = [_rule("set", kind="output", set={"x": text}),
             _rule("table", kind="table", hit_policy="first", outputs=["y"],
                   rows=[{"id": "R", "then": {"y": {"expr": text}}}])]
    try:
        libraries = load_both(_pack(rules))
    except rulepack.PackError:
        return  # not an expression the loader takes (a wrong kind for a table output)
    for library in libraries:
        for document in documents:
            assert_strict_json(_evaluate(library, "json.strict", document, as_of))


# -- where a value that is not finite can arise, one test each -------------------------------

NOT_FINITE = "RP507: the value would be {}, which is not a finite number"


def _verdicts(tmp_path: Path, rules: list[dict[str, Any]],
              document: dict[str, Any]) -> list[rulepack.Verdict]:
    """The verdict of ``rules`` on ``document`` through each engine, checked strict JSON."""
    path = tmp_path / "pack.yaml"
    path.write_text(yaml.safe_dump(_pack(rules), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    verdicts = [rulepack.load(path, engine=engine).evaluate(
        "json.strict", document, as_of=MOMENTS[0], validate=False)
        for engine in ("compiled", "sandbox")]
    for verdict in verdicts:
        assert_strict_json(verdict)
    assert verdicts[0].to_json("en") == verdicts[1].to_json("en")
    return verdicts


@pytest.mark.parametrize(("condition", "shown"), [
    ("account.fans > 1e999 - 1e999", "nan"),
    ("account.fans < 1e999", "inf"),
    ("(1e999 - 1e999) > account.fans", "nan"),
    ("account.fans * params.big * 10 > 0", "inf"),
    ("1e999", "inf"),
])
def test_a_check_on_a_number_that_is_not_finite_is_unknown(tmp_path: Path, condition: str,
                                                          shown: str) -> None:
    for verdict in _verdicts(tmp_path, [_rule("c", require=condition)],
                             {"account": {"fans": 5}}):
        (check,) = verdict.reasons[0].checks
        assert (verdict.outcome, check.status, check.actual, check.threshold, check.error) == \
            ("unknown", "unknown", None, None, NOT_FINITE.format(shown))


@pytest.mark.parametrize("value", [math.nan, math.inf, [0] * (DEFAULT_LIMITS.max_built + 1),
                                   [math.nan], 7.5, "7", None])
def test_a_fact_of_another_type_than_its_schema_names_is_checked(tmp_path: Path,
                                                                value: Any) -> None:
    """Unvalidated, an integer fact may hold anything. The whole-pack code looks at such facts
    once, after its atoms; one that keepable refuses (or any value not of the schema's type)
    must give what the sandbox gives, check by check."""
    rules = [_rule("c", require={"all": ["account.fans >= 5", "account.fans",
                                         "account.mcn_signed"]}),
             _rule("d", require="account.platform == 'douyin'")]
    verdicts = _verdicts(tmp_path, rules, {"account": {"fans": value, "mcn_signed": True,
                                                       "platform": "douyin"}})
    if value in ([math.nan], [0] * (DEFAULT_LIMITS.max_built + 1)) or (
            isinstance(value, float) and not math.isfinite(value)):
        # Not keepable: shown by no check, so each atom that shows the fact is unknown.
        (shown,) = [c for c in verdicts[0].reasons[0].checks if c.expr == "account.fans"]
        assert (shown.status, verdicts[0].outcome) == ("unknown", "unknown")
    for verdict in verdicts:
        assert verdict.reasons[1].status == "pass"


def test_a_result_that_is_not_finite_is_unknown(tmp_path: Path) -> None:
    rules = [_rule("s", kind="output", set={"x": "params.big * 10", "y": "[1, 1e999]",
                                            "z": "account.fans"})]
    for verdict in _verdicts(tmp_path, rules, {"account": {"fans": 5}}):
        reason = verdict.reasons[0]
        assert verdict.result == {"x": None, "y": None, "z": 5}
        assert reason.status == "unknown"
        assert reason.error == f"x: {NOT_FINITE.format('inf')}; y: {NOT_FINITE.format('inf')}"


def test_a_score_that_overflows_is_unknown(tmp_path: Path) -> None:
    rules = [_rule("score", kind="score", start="params.big",
                   deductions=[{"id": "d1", "points": "-params.big"}],
                   into={"score": "s", "deducted": "lost"})]
    for verdict in _verdicts(tmp_path, rules, {}):
        reason = verdict.reasons[0]
        assert verdict.result == {"s": None, "lost": None}
        assert (reason.status, reason.error) == ("unknown", NOT_FINITE.format("inf"))


def test_a_deduction_that_is_not_finite_is_unknown(tmp_path: Path) -> None:
    rules = [_rule("score", kind="score", start="100",
                   deductions=[{"id": "d1", "points": "(1e999 - 1e999)"}], into={"score": "s"})]
    for verdict in _verdicts(tmp_path, rules, {}):
        reason = verdict.reasons[0]
        assert (verdict.result, reason.status, reason.error) == \
            ({"s": None}, "unknown", NOT_FINITE.format("nan"))


def test_a_finite_float_result_is_kept(tmp_path: Path) -> None:
    rules = [_rule("s", kind="output", set={"x": "params.big", "y": "[0.5, -params.big]"})]
    for verdict in _verdicts(tmp_path, rules, {}):
        assert (verdict.outcome, verdict.result) == ("pass", {"x": 1e308, "y": [0.5, -1e308]})
