"""A verdict's JSON is always JSON: NaN and the infinities are written as the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` by both the reference (``to_dict``) and the
direct writer (``to_json``), never as the bare tokens a strict parser refuses."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.verdict import json_values
from rulepack.verdict.records import to_jsonable

AS_OF = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

PACK = """\
id: strict.json
version: 1.0.0
effective_from: 2020-01-01
subject: account
title: {zh: 严格, en: Strict}
description: {zh: 严格。, en: Strict.}
sources: [{seed: s.txt, quote: 粉丝}]
params: {min_fans: 100}
rules:
  - id: fans
    title: {zh: 粉丝, en: Fans}
    source: {seed: s.txt, quote: 粉丝}
    require: account.fans >= params.min_fans
  - id: ratio
    title: {zh: 比例, en: Ratio}
    source: {seed: s.txt, quote: 粉丝}
    require: account.like_play_ratio <= 1
"""


def _strict(text: str) -> Any:
    def refuse(constant: str) -> Any:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> rulepack.Library:
    folder: Path = tmp_path_factory.mktemp("strict")
    (folder / "strict.yaml").write_text(PACK, encoding="utf-8")
    return rulepack.load(folder)


@pytest.mark.parametrize(("fans", "word"), [(math.nan, "NaN"), (math.inf, "Infinity"),
                                             (-math.inf, "-Infinity")])
def test_a_non_finite_fact_is_written_as_its_name(library: rulepack.Library, fans: float,
                                                  word: str) -> None:
    verdict = library.evaluate("strict.json", {"account": {
        "fans": fans, "like_play_ratio": -fans}}, as_of=AS_OF, validate=False)
    for lang in ("zh", "en"):
        written = verdict.to_json(lang)  # type: ignore[arg-type]
        # The reference, refusing what is not JSON, gives the same bytes.
        assert written == json.dumps(verdict.to_dict(lang), ensure_ascii=False,  # type: ignore[arg-type]
                                     allow_nan=False)
        fans_reason = _strict(written)["reasons"][0]
        assert fans_reason["values"] == {"account.fans": word}
        # Evaluation refuses a comparison with a number that is not finite (RP507): the check
        # cannot tell, and says why.
        [check] = fans_reason["checks"]
        assert check["status"] == "unknown" and check["error"].startswith("RP507")
        assert fans_reason["status"] == verdict.reason("fans").status == "unknown"


def test_the_values_writer_never_writes_a_bare_non_finite_number() -> None:
    for value, expected in [
        (math.nan, '"NaN"'), (math.inf, '"Infinity"'), (-math.inf, '"-Infinity"'),
        ([1, math.nan], '[1, "NaN"]'), ((math.inf,), '["Infinity"]'),
        ({"a": -math.inf, "b": [math.nan]}, '{"a": "-Infinity", "b": ["NaN"]}'),
    ]:
        assert json_values.value_json(value) == expected
        assert json.dumps(to_jsonable(value), allow_nan=False) == expected
    assert json_values.fields_json({"x": math.nan, "y": [1.5, math.inf]}) == \
        '{"x": "NaN", "y": [1.5, "Infinity"]}'


def test_the_reference_encoder_refuses_a_bare_non_finite_number() -> None:
    """Anything that reached the encoder without to_jsonable would be refused, not written."""
    with pytest.raises(ValueError, match="not JSON compliant"):
        json_values.encode({"x": math.nan})
