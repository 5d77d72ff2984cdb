"""The synthetic corpus: valid fact documents, repeatable, and reaching every fact the
bundled packs read."""

from __future__ import annotations

import io
import json
import statistics
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import rulepack
from rulepack.facts.schema import format_checker
from rulepack.library import models_of
from rulepack.model.pack import reads_of
from rulepack.testing import corpus

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "facts.schema.json"


@pytest.fixture(scope="module")
def docs() -> list[dict[str, Any]]:
    return list(corpus.documents(1500, seed=11))


def test_every_document_is_valid_against_the_fact_schema(docs: list[dict[str, Any]]) -> None:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")),
                                     format_checker=format_checker())
    library = rulepack.load()
    for doc in docs:
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], doc
        library.check_facts(doc)


def test_the_same_seed_gives_the_same_lines_and_another_seed_others() -> None:
    first = list(corpus.lines(200, seed=5))
    assert first == list(corpus.lines(200, seed=5))
    assert first != list(corpus.lines(200, seed=6))


def _has(doc: Any, path: str) -> bool:
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_every_fact_a_bundled_pack_reads_is_present_somewhere(
        docs: list[dict[str, Any]]) -> None:
    library = rulepack.load()
    reads = {path for pack in models_of(library).packs for path in reads_of(pack.when, pack.rules)
             if not path.startswith("result.")}
    absent = sorted(path for path in reads if not any(_has(doc, path) for doc in docs))
    assert absent == []


def test_every_pack_meets_documents_it_decides_each_way(docs: list[dict[str, Any]]) -> None:
    library = rulepack.load()
    outcomes: dict[str, set[str]] = {}
    for doc in docs:
        for verdict in library.evaluate_all(doc, validate=False):
            outcomes.setdefault(verdict.pack, set()).add(verdict.outcome)
    assert set(outcomes) == set(library.ids)
    # Packs whose outcome cannot fail by design (they only compute results) pass or are unknown.
    never_fail = {"kuaishou.appeal.route", "kuaishou.signing.business_tier",
                  "kuaishou.signing.renewal"}
    for pack_id, seen in outcomes.items():
        assert "pass" in seen, pack_id
        if pack_id not in never_fail:
            assert "fail" in seen, pack_id


def test_distributions_are_plausible(docs: list[dict[str, Any]]) -> None:
    accounts = [d["account"] for d in docs if "account" in d]
    assert 0.6 < len(accounts) / len(docs) < 0.85
    fans = [a["fans"] for a in accounts if "fans" in a]
    assert 10_000 < statistics.median(fans) < 40_000
    assert 0.1 < sum(f >= 100_000 for f in fans) / len(fans) < 0.3
    violations = [len(a["violations"]) for a in accounts if "violations" in a]
    assert 0.3 < statistics.mean(violations) < 0.5
    assert {a.get("platform") for a in accounts} >= {"kuaishou", "douyin", "xigua", "huoshan",
                                                     "toutiao"}
    dates = sorted(v["on"] for a in accounts for v in a.get("violations", []) if "on" in v)
    assert dates[0] < "2024-01-01" and dates[-1] > "2026-06-01"
    # Some facts are missing, not all.
    assert 0 < sum("fans" not in a for a in accounts) < len(accounts) * 0.05


def test_no_missing_facts_when_asked_for_none() -> None:
    for doc in corpus.documents(300, seed=1, missing=0.0):
        if "account" in doc:
            assert {"platform", "fans", "violations", "identity"} <= set(doc["account"])


def test_the_command_writes_count_lines() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert corpus.main(["--count", "25", "--seed", "3"]) == 0
    lines = out.getvalue().splitlines()
    assert len(lines) == 25
    assert lines == [line.rstrip("\n") for line in corpus.lines(25, seed=3)]


def test_a_missing_share_outside_0_1_is_refused() -> None:
    with pytest.raises(ValueError, match="missing"):
        corpus.Generator(0, missing=1.5)
