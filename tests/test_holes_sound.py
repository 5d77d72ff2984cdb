"""What the known records of a list decide holds whatever the unknown ones turn out to be.

A verdict on a document whose list records lack fields decides a rule (pass or fail) only where
every way of filling those fields in gives the same status: the certain members of a collected
list, a count's or a sum's interval, a score between its floor and its ceiling. These tests
draw documents with holes in their lists (``rulepack.testing.facts_for(..., holes=True)``),
evaluate them, fill the holes in at random with values the fact schema allows, and check that
every decided rule, the outcome when decided, and every result field a decided rule set are
what the completed document gives. A decision made on too little would show up here as a
completion that decides the other way.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

import rulepack
from rulepack.library import fact_schema
from rulepack.testing import facts_for

SCHEMA = fact_schema()
LIBRARY = rulepack.load()
# The packs that loop over lists of records (the ones holes in records can reach).
PACKS = ["xingtu.conduct", "xingtu.penalty_points", "kuaishou.signing.risk_warning",
         "kuaishou.signing.qualification"]


def _item_fields(list_path: str) -> list[str]:
    item = SCHEMA.fields[list_path].item_path
    return [p for p in SCHEMA.fields if p.startswith(f"{item}.")
            and "." not in p[len(item) + 1:]]


def _value(draw: st.DrawFn, path: str, as_of: dt.date) -> Any:
    info = SCHEMA.fields[path]
    if info.enum is not None:
        return draw(st.sampled_from([v for v in info.enum if v is not None]))
    if info.kind == "boolean":
        return draw(st.booleans())
    if info.kind in ("integer", "number"):
        low = 0 if info.minimum is None else int(info.minimum)
        return draw(st.integers(low, low + 13))
    if info.kind == "date":
        return (as_of + dt.timedelta(days=draw(st.integers(-800, 30)))).isoformat()
    return draw(st.sampled_from(["a", ""]))


@st.composite
def completions(draw: st.DrawFn, document: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """``document`` with every field its list records lack filled in, and how many were."""
    done = copy.deepcopy(document)
    as_of = dt.datetime.fromisoformat(done["as_of"]).date()
    filled = 0
    for list_path, info in SCHEMA.fields.items():
        if info.kind != "array" or info.item_path is None:
            continue
        holder: Any = done
        for part in list_path.split("."):
            holder = holder.get(part) if isinstance(holder, dict) else None
        if not isinstance(holder, list):
            continue
        for record in holder:
            if not isinstance(record, dict):
                continue
            for path in _item_fields(list_path):
                key = path.rsplit(".", 1)[-1]
                if key not in record:
                    record[key] = _value(draw, path, as_of)
                    filled += 1
    return done, filled


def _known(verdict: rulepack.Verdict) -> dict[str, Any]:
    """What the verdict decided: the outcome, decided rules, and the fields they set."""
    rules = {r.rule: r.status for r in verdict.reasons if r.status in ("pass", "fail")}
    return {"outcome": verdict.outcome, "rules": rules}


@settings(max_examples=150)
@pytest.mark.parametrize("pack_id", PACKS)
@given(data=st.data())
def test_what_known_records_decide_every_completion_confirms(pack_id: str,
                                                             data: st.DataObject) -> None:
    document = data.draw(facts_for(pack_id, LIBRARY, complete=True, holes=True), label="holed")
    verdict = LIBRARY.evaluate(pack_id, document)
    known = _known(verdict)
    for _ in range(3):
        completed, filled = data.draw(completions(document), label="completed")
        if not filled:
            break
        note(f"completed: {completed!r}")
        full = LIBRARY.evaluate(pack_id, completed)
        if verdict.outcome != "unknown":
            assert full.outcome == verdict.outcome
        for rule, status in known["rules"].items():
            assert full.reason(rule).status == status, rule
        for name, value in verdict.result.items():
            if value is None or value == []:
                continue  # not known, or a list known in part that holds nothing certain
            if isinstance(value, list):  # a collected list holds at least its certain items
                assert set(value) <= set(full.result[name]), name
            else:
                assert full.result[name] == value, name


def test_holes_are_drawn_and_decide_some_verdicts() -> None:
    """The generator is not vacuous: it leaves fields out of records of complete documents,
    and some such documents are still decided by their known records."""
    seen = {"holed": 0, "decided": 0}

    @settings(max_examples=200)
    @given(facts_for("xingtu.conduct", LIBRARY, complete=True, holes=True))
    def draw(document: dict[str, Any]) -> None:
        LIBRARY.check_facts(document)
        records = document["account"].get("violations") or []
        if any("type" not in r for r in records):
            seen["holed"] += 1
            if LIBRARY.evaluate("xingtu.conduct", document).outcome != "unknown":
                seen["decided"] += 1

    draw()
    assert seen["holed"] >= 20 and seen["decided"] >= 1, seen


def test_without_holes_complete_documents_stay_complete() -> None:
    @settings(max_examples=100)
    @given(facts_for("xingtu.conduct", LIBRARY, complete=True))
    def draw(document: dict[str, Any]) -> None:
        for record in document["account"].get("violations") or []:
            assert set(record) == {"on", "category", "type", "points", "major"}

    draw()


def test_only_unknown_reasons_show_checks_that_lack_facts() -> None:
    """A verdict's missing facts are gathered from the checks of its unknown reasons alone
    (engine.interpreter._Run.verdict): a check that lacks facts is unknown, and the checks a
    decided reason shows decided it. Here on corpus documents with facts left out, on both
    engines, every reason of every pack."""
    from rulepack.testing import corpus

    documents = list(corpus.documents(400, 11))
    shown = 0
    for engine in ("compiled", "sandbox"):
        library = rulepack.load(engine=engine)
        for document in documents:
            for verdict in library.evaluate_all(document, validate=False):
                for reason in verdict.reasons:
                    if any(check.missing for check in reason.checks):
                        assert reason.status == "unknown", (verdict.pack, reason.rule)
                        shown += 1
    assert shown > 100  # the corpus leaves facts out often enough to test this
