"""The public surface: a library hands out read-only descriptions of its packs, never the model."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import rulepack
from rulepack import testing
from rulepack.core import yaml_reader
from rulepack.library import models_of
from rulepack.model.description import describe

LIBRARY = rulepack.load()
ENTRY = LIBRARY.select("xingtu.entry", version="1.0.0")
TABLE_PACK = "kuaishou.signing.business_tier"
LIST_PARAMS_PACK = "kuaishou.ban.level"  # its params include lists of strings

# What a description may be made of: values, and the description types themselves.
_LEAVES = (str, int, float, bool, type(None), dt.date)
_RECORDS = (rulepack.PackInfo, rulepack.RuleInfo, rulepack.Text, rulepack.Source)


def _parts(value: Any, path: str = "info") -> list[tuple[str, Any]]:
    """Every object reachable from a description through its attributes and items."""
    out = [(path, value)]
    if isinstance(value, _RECORDS):
        for name, item in vars(value).items():  # every attribute, not only the declared fields
            out += _parts(item, f"{path}.{name}")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            out += _parts(item, f"{path}[{index}]")
    elif isinstance(value, MappingProxyType):
        for key, item in value.items():
            out += _parts(item, f"{path}[{key!r}]")
    return out


@pytest.mark.parametrize("info", LIBRARY.packs, ids=lambda p: f"{p.id}@{p.version}")
def test_a_description_holds_nothing_but_values(info: rulepack.PackInfo) -> None:
    for path, part in _parts(info):
        assert isinstance(part, (*_LEAVES, *_RECORDS, tuple, MappingProxyType)), \
            f"{path} is a {type(part).__name__}"


def test_a_description_cannot_be_changed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENTRY.version = "9.9.9"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ENTRY.rules[0].kind = "output"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ENTRY.params["douyin_min_fans"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        del ENTRY.params["douyin_min_fans"]  # type: ignore[attr-defined]
    listed = LIBRARY.versions(LIST_PARAMS_PACK)[0].params
    lists = [value for value in listed.values() if isinstance(value, tuple)]
    assert lists and all(isinstance(item, str) for value in lists for item in value)


def test_changing_a_description_would_change_no_verdict() -> None:
    """The description is a copy: the model's own params stay what the file says."""
    model = models_of(LIBRARY).of(ENTRY)
    assert model.params is not ENTRY.params
    assert dict(ENTRY.params) == model.params
    doc = {"account": {"platform": "douyin", "fans": 99_999, "mcn_signed": False,
                       "violations": []}}
    assert LIBRARY.evaluate("xingtu.entry", doc, as_of="2026-11-21").outcome == "fail"


def test_the_library_hands_out_descriptions() -> None:
    assert all(type(p) is rulepack.PackInfo for p in LIBRARY.packs)
    assert LIBRARY.versions("xingtu.entry") == (ENTRY,)
    assert LIBRARY.select("xingtu.entry", as_of=dt.datetime(2026, 11, 21, tzinfo=dt.UTC)) \
        is ENTRY
    assert [(p.id, p.version) for p in LIBRARY.packs] == \
        [(p.id, p.version) for p in models_of(LIBRARY).packs]
    assert not hasattr(LIBRARY, "schema")
    assert not hasattr(rulepack, "Pack")
    assert {"PackInfo", "RuleInfo", "FactInfo"} <= set(rulepack.__all__)
    assert "Pack" not in rulepack.__all__


def test_the_facts_view_is_the_schema_read_only() -> None:
    facts = LIBRARY.facts
    assert facts == models_of(LIBRARY).schema.fields
    assert isinstance(facts["account.fans"], rulepack.FactInfo)
    assert facts["account.fans"].kind == "integer"
    with pytest.raises(TypeError):
        facts["account.fans"] = facts["account.platform"]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts["account.fans"].kind = "string"  # type: ignore[misc]


def test_rules_of_a_description() -> None:
    assert [(r.id, r.kind) for r in ENTRY.rules] == [("audience", "check"),
                                                    ("no_violation", "check")]
    assert ENTRY.rule("no_violation").title.en == "No violation on the account"
    with pytest.raises(KeyError):
        ENTRY.rule("nothing")
    assert LIBRARY.select(TABLE_PACK).rule("tier").rows == ("S", "A", "B")
    assert ENTRY.rule("audience").rows == ()
    assert ENTRY.in_force(dt.date(2020, 12, 9)) and not ENTRY.in_force(dt.date(2020, 12, 8))


def _window_end(raw: Mapping[str, Any]) -> dt.date | None:
    for key in ("effective_until", "retired_from"):
        if key in raw:
            day = dt.date.fromisoformat(str(raw[key]))
            return day - dt.timedelta(days=1) if key == "retired_from" else day
    return None


def _thawed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _thawed(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thawed(item) for item in value]
    return value


@pytest.mark.parametrize("info", LIBRARY.packs, ids=lambda p: f"{p.id}@{p.version}")
def test_every_bundled_description_says_what_its_file_says(info: rulepack.PackInfo) -> None:
    raw = yaml_reader.load(Path(info.file).read_text(encoding="utf-8")).data
    assert (info.id, info.version, info.subject) == (raw["id"], str(raw["version"]),
                                                     raw["subject"])
    assert info.effective_from == dt.date.fromisoformat(str(raw["effective_from"]))
    assert info.effective_until == _window_end(raw)
    assert info.retired_from == (dt.date.fromisoformat(str(raw["retired_from"]))
                                 if "retired_from" in raw else None)
    assert dataclasses.asdict(info.title) == raw["title"]
    assert dataclasses.asdict(info.description) == raw["description"]
    assert [s.to_dict() for s in info.sources] == raw.get("sources", [])
    assert _thawed(info.params) == raw.get("params", {})
    assert list(info.platforms) == raw.get("platforms", [])
    assert [(r.id, r.kind, dataclasses.asdict(r.title), r.source.to_dict(), r.decisive, r.rows)
            for r in info.rules] == [
        (r["id"], r.get("kind", "check"), r["title"], r["source"],
         r.get("decisive", r.get("kind", "check") != "output"),
         tuple(row["id"] for row in r.get("rows", ())))
        for r in raw["rules"]]
    model = models_of(LIBRARY).of(info)
    assert info == describe(model)
    assert (info.digest, info.result_fields) == (model.digest, model.result_fields)


@settings(max_examples=20, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(testing.facts_for(ENTRY, LIBRARY, complete=True))
def test_strategies_take_a_description(facts: dict[str, Any]) -> None:
    assert ENTRY.in_force(dt.date.fromisoformat(facts["as_of"][:10]))
    assert set(facts) == {"as_of", "account"}
    assert LIBRARY.evaluate("xingtu.entry", facts).version == ENTRY.version


def test_threads_evaluating_a_pack_first_share_one_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads that evaluate a pack of a new library for the first time at once wait for one
    plan: it is compiled once, and every thread gets the same verdict."""
    import threading

    from rulepack.engine import codegen

    compiled: list[str] = []
    compile_plan = codegen.compile_plan

    def counted(plan: Any) -> None:
        compiled.append(plan.pack.id)
        compile_plan(plan)

    monkeypatch.setattr(codegen, "compile_plan", counted)
    library = rulepack.load()
    document = {"account": {"platform": "kuaishou", "fans": 1200, "ban": {"level": 2}}}
    start = threading.Barrier(6)
    verdicts: list[str] = []

    def evaluate() -> None:
        start.wait()
        verdict = library.evaluate("kuaishou.ban.level", document,
                                   as_of="2026-11-21T12:00:00+08:00", validate=False)
        verdicts.append(verdict.to_json("en"))

    threads = [threading.Thread(target=evaluate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert compiled == ["kuaishou.ban.level"]
    assert len(verdicts) == 6 and len(set(verdicts)) == 1
