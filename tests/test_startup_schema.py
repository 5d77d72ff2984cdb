"""The compiled checks of the pack format and the fact schema pass a pack or a document only
where jsonschema finds no error, so that a valid one never needs jsonschema, and an invalid one
is still worded by it."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.core import yaml_reader
from rulepack.facts.precheck import JSON_TYPES, _exact, compile_precheck
from rulepack.library import models_of, pack_files, pack_schema
from rulepack.testing import corpus

ROOT = Path(__file__).resolve().parent.parent
PACKS = pack_files(ROOT / "rules")
ODD = [None, True, False, 0, -1, 1.0, 1.5, float("nan"), "", "x", "Table", "table", "score",
       "output", "bounds", "monotone", "result", "1.0.0", "2026-02-30", "2026-01-01", [], ["a"],
       ["a", "a"], [1, 1.0], {}, {"expr": "1"}, {"kind": "table"}, {"zh": "a", "en": "b"}]


def data_of(path: Path) -> Any:
    return yaml_reader.load(path.read_text(encoding="utf-8")).data


def changed_at(base: Any, spot: tuple[Any, ...], rng: random.Random, odd: list[Any],
               keys: list[str]) -> Any:
    """A copy of ``base`` changed at ``spot``: the key there deleted, an odd value put under
    one of ``keys`` beside it, or its value replaced by an odd one."""
    doc = copy.deepcopy(base)
    parent = doc
    for key in spot[:-1]:
        parent = parent[key]
    roll = rng.random()
    if roll < 0.15 and isinstance(parent, dict):
        del parent[spot[-1]]
    elif roll < 0.25 and isinstance(parent, dict):
        parent[rng.choice(keys)] = copy.deepcopy(rng.choice(odd))
    else:
        parent[spot[-1]] = copy.deepcopy(rng.choice(odd))
    return doc


def _judged(is_valid: Any, precheck: Any, doc: Any, counts: tuple[int, int],
            where: Any) -> tuple[int, int]:
    """The counts of documents the compiled check passed and jsonschema rejected, with
    ``doc`` added; a document the check passes must be one jsonschema accepts."""
    passed, rejected = counts
    valid = is_valid(doc)
    if precheck(doc):
        assert valid, where
        passed += 1
    return passed, rejected + (not valid)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def test_every_bundled_pack_passes_without_jsonschema() -> None:
    schema = pack_schema()
    assert len(PACKS) >= 21
    for path in PACKS:
        data = data_of(path)
        assert schema._precheck(data), path
        assert schema.validator.is_valid(data), path


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_check_never_passes_what_jsonschema_rejects(seed: int) -> None:
    schema = pack_schema()
    rng = random.Random(seed)
    passed = rejected = 0
    for path in PACKS:
        base = data_of(path)
        spots = list(paths(base))
        for spot in rng.sample(spots, min(40, len(spots))):
            doc = changed_at(base, spot, rng, ODD, ["kind", "extra", "expr", "max", "min", "of"])
            passed, rejected = _judged(schema.validator.is_valid, schema._precheck, doc,
                                       (passed, rejected), (path, spot))
    assert passed > 100 and rejected > 100  # both answers were put to the test


BRANCHES = [{"properties": {"kind": {"const": name}}, "required": ["kind"]}
            for name in ("table", "score", "output", "bounds", "monotone")] + [
    {"properties": {"of": {"const": "result"}}, "required": ["of"]}, {"required": ["expr"]}]


@pytest.mark.parametrize("branch", BRANCHES, ids=str)
def test_an_if_or_not_is_decided_as_jsonschema_decides_it(branch: dict[str, Any]) -> None:
    from jsonschema import Draft202012Validator

    decide = _exact(branch)
    assert decide is not None
    reference = Draft202012Validator(branch)
    values = [*ODD, *({key: value} for key in ("kind", "of", "expr") for value in ODD)]
    for value in values:
        assert decide(value) == reference.is_valid(value), value


def test_keywords_of_the_pack_format_are_compiled() -> None:
    check = compile_precheck({"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string", "pattern": "^[a-z]+$", "minLength": 2},
        "tags": {"type": "array", "minItems": 1, "uniqueItems": True},
        "kind": {"const": "check"}}, "propertyNames": {"pattern": "^[a-z]+$"}}, JSON_TYPES)
    assert check({"id": "ab", "tags": ["a", "b"], "kind": "check"}) is True
    for wrong in ({"tags": ["a"]}, {"id": "a"}, {"id": "AB"}, {"id": "ab", "tags": []},
                  {"id": "ab", "tags": ["a", "a"]}, {"id": "ab", "kind": "table"},
                  {"id": "ab", "Id": 1}):
        assert check(wrong) is False, wrong


FACT_ODD = [*ODD, 10**30, -0.0, float("inf"), 2.0, 3, "2026-01-01T00:00:00z",
            "2026-01-01T00:00:00+08:00", "0999-12-31", "9000-01-01", "\ud800", "广东\udfff",
            "a\ud83d", "douyin", "kuaishou", "approved", ["fake_traffic"], [{"type": "x"}],
            {"level": 2}]


@pytest.mark.parametrize("seed", range(3))
def test_the_compiled_fact_check_never_passes_what_jsonschema_rejects(seed: int) -> None:
    """The same for fact documents: corpus documents, a value or key changed here and there."""
    schema = models_of(rulepack.load(ROOT / "rules")).schema
    rng = random.Random(seed)
    generator = corpus.Generator(seed)
    passed = rejected = 0
    for _ in range(150):
        doc = generator.document()
        spots = list(paths(doc))
        for spot in rng.sample(spots, min(4, len(spots))):
            changed = changed_at(doc, spot, rng, FACT_ODD, ["level", "extra", "fans", "type", "on"])
            passed, rejected = _judged(schema._validator.is_valid, schema._precheck, changed,
                                       (passed, rejected), (spot, changed))
    assert passed > 100 and rejected > 100  # both answers were put to the test


def test_the_fact_schema_reads_no_string_by_its_text() -> None:
    """Python callers may give a date object for a string fact (``is_text`` takes one), and
    jsonschema's ``minLength``, ``maxLength`` and ``pattern`` would fail on it (TypeError)
    where the compiled check passes it: the fact schema must not use them until both learn
    what a date stands for."""
    schema = models_of(rulepack.load(ROOT / "rules")).schema.schema
    found: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            found.extend(f"{where}.{key}" for key in ("minLength", "maxLength", "pattern")
                         if key in node)
            for key, child in node.items():
                if key in ("properties", "$defs") and isinstance(child, dict):
                    for name, sub in child.items():  # names, not keywords
                        walk(sub, f"{where}.{key}.{name}")
                else:
                    walk(child, f"{where}.{key}")
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{where}[{index}]")

    walk(schema, "$")
    assert found == []
