"""rulepack.batch.documents: one document judged as ``rulepack eval --batch`` judges a line.

The main test renders the Judge's records the way ``eval --batch`` writes them and compares
them, record by record, with what the command wrote for the same seeded lines (bad ones among
them), with and without ``--pack``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from _seeded_lines import eval_batch, lines

import rulepack
from rulepack.batch.documents import Failure, Judge, Judged
from rulepack.library import Library

AS_OF = "2026-06-01T08:00:00+08:00"
PACKS = ("xingtu.entry", "kuaishou.signing.qualification", "kuaishou.ban.level")


@pytest.fixture(scope="module")
def library() -> rulepack.Library:
    return rulepack.load()


def as_batch_records(judge: Judge[str], texts: Sequence[str], name: str,
                     lang: str) -> list[dict[str, Any]]:
    """The judge's records written as ``eval --batch`` writes its records."""
    out: list[dict[str, Any]] = []
    for number, text in enumerate(texts, start=1):
        judged = judge.judge((text + "\n").encode("utf-8"))
        if not judged.records:
            out.append({"input": name, "line": number, "pack": None,
                        "outcome": "not_applicable"})
        for record in judged.records:
            if isinstance(record, Failure):
                out.append({"input": name, "line": number, "pack": record.pack,
                            "error": dict(record.error)})
            else:
                out.append({**json.loads(record), "input": name, "line": number})
    return out


@pytest.mark.parametrize(("packs", "lang"), [((), "en"), (PACKS, "zh")])
def test_the_records_are_those_of_eval_batch(library: Library, tmp_path: Path,
                                             packs: tuple[str, ...], lang: str) -> None:
    texts = lines(1500, seed=16)
    path = tmp_path / "facts.jsonl"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    options = [f"--lang={lang}", *(f"--pack={p}" for p in packs)]
    expected = eval_batch(path, AS_OF, *options)
    # `--as-of` judges every line at AS_OF, as `overrides` does.
    judge: Judge[str] = Judge(library, as_of=Library.resolve_as_of({}, AS_OF), packs=packs,
                              render=lambda verdict: verdict.to_json(lang),  # type: ignore[arg-type]
                              overrides=True)
    got = as_batch_records(judge, texts, str(path), lang)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == theirs
    # The corpus exercises every kind of record, or the comparison proves less than it says.
    codes = {r["error"]["code"] for r in expected if "error" in r}
    assert {"RP701", "RP702"} <= codes
    assert any("outcome" in r and "error" not in r for r in expected)
    # (--as-of judges every line on a day a version of each pack is in force: no RP502 here;
    # tests/unit/test_batch.py covers that record and lines no pack applies to.)
    if packs:
        assert len(expected) == len(texts) * len(packs)


def _judge(library: Library, **options: Any) -> Judge[str]:
    return Judge(library, as_of=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
                 render=lambda verdict: verdict.outcome, **options)


def test_bytes_text_and_a_parsed_document_are_judged_alike(library: Library) -> None:
    doc = rulepack.read_facts(Path(__file__).parent.parent / "examples" / "mcn-signing.yaml")
    text = json.dumps(doc)
    judge = _judge(library)
    judged = judge.judge(text)
    assert judged == judge.judge(text.encode("utf-8")) == judge.judge(doc)
    assert judged.records and not judged.failed


def test_a_missing_value_is_a_blank_input(library: Library) -> None:
    judged = _judge(library, packs=PACKS).judge(None)
    assert judged.failed
    assert [r.pack for r in judged.records if isinstance(r, Failure)] == list(PACKS)
    assert {r.error["message"] for r in judged.records if isinstance(r, Failure)} == {
        "the line is blank"}


def test_text_with_newlines_inside_is_placed_by_its_offset(library: Library) -> None:
    judged = _judge(library).judge('{\n  "account": tru\n}')
    (failure,) = judged.records
    assert isinstance(failure, Failure)
    assert failure.error["message"] == "the line is not JSON: Expecting value at column 16"


def test_a_bug_while_rendering_replaces_every_record_of_the_document(library: Library) -> None:
    calls: list[str] = []

    def render(verdict: rulepack.Verdict) -> str:
        calls.append(verdict.pack)
        if len(calls) == 2:
            raise ZeroDivisionError("boom")
        return verdict.outcome

    judge: Judge[str] = Judge(library, as_of=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
                              packs=PACKS, render=render)
    judged = judge.judge('{"account": {"platform": "douyin", "fans": 5}}')
    assert judged == Judged(tuple(Failure(pack, {
        "code": "RP703",
        "message": "the line could not be evaluated: internal error ZeroDivisionError: boom",
        "value": None, "hint": "this is a bug; please report it with the line"})
        for pack in PACKS), True)
    # The next document is judged as if nothing had happened.
    assert not judge.judge('{"account": {"platform": "douyin", "fans": 5}}').failed


def test_an_overriding_as_of_replaces_the_documents_own(library: Library) -> None:
    # As `rulepack eval --as-of` judges a file: the document's own as_of gives way.
    doc = {"as_of": "2020-06-01T00:00:00+08:00", "account": {"platform": "douyin", "fans": 5}}
    at = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)

    def judged(**options: Any) -> Judged[str]:
        judge: Judge[str] = Judge(library, as_of=at, packs=("xingtu.entry",),
                                  render=lambda verdict: verdict.as_of.isoformat(), **options)
        return judge.judge(json.dumps(doc))

    assert judged(overrides=True) == Judged(("2026-06-01T00:00:00+00:00",), False)
    (own,) = judged().records  # by default the document's own as_of: before the first version
    assert isinstance(own, Failure) and own.error["code"] == "RP502"
    # Its own as_of must still be an instant: it is checked with the rest of the document.
    broken = Judge(library, as_of=at, packs=("xingtu.entry",), render=str, overrides=True)
    (bad,) = broken.judge(json.dumps({**doc, "as_of": "soon"})).records
    assert isinstance(bad, Failure) and bad.error["code"] == "RP702"
