"""rulepack.batch.arrow: verdict rows over Arrow record batches, the same as ``eval --batch``.

Every row is compared, field by field, with the record ``rulepack eval --batch`` writes for the
same seeded line (bad lines among them). Skips only when pyarrow is not installed.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _seeded_lines import SRC, eval_batch, expected_row, lines, parsed_row

import rulepack
from rulepack.core.errors import EvaluationError, FactsError

pa = pytest.importorskip("pyarrow")
arrow = importlib.import_module("rulepack.batch.arrow")

AS_OF = "2026-06-01T08:00:00+08:00"
PACKS = ("xingtu.entry", "kuaishou.signing.qualification", "kuaishou.ban.level")
COUNT = 1000


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return lines(COUNT, seed=1601)


@pytest.fixture(scope="module")
def jsonl(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("arrow") / "facts.jsonl"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def library() -> rulepack.Library:
    return rulepack.load()


def table(texts: list[str], kind: Any = None) -> Any:
    return pa.table({"line": pa.array(range(1, len(texts) + 1), pa.int64()),
                     "facts": pa.array(texts, kind or pa.string())})


def rows(out: Any) -> list[dict[str, Any]]:
    return [parsed_row(row) for row in out.to_pylist()]


@pytest.mark.parametrize(("packs", "lang"), [((), "en"), (PACKS, None), (PACKS, "zh")])
def test_every_row_is_the_record_of_eval_batch(library: rulepack.Library, texts: list[str],
                                               jsonl: Path, packs: tuple[str, ...],
                                               lang: str | None) -> None:
    options = [f"--lang={lang or 'zh'}", *(f"--pack={p}" for p in packs)]
    expected = [expected_row(r, reasons=lang is not None)
                for r in eval_batch(jsonl, AS_OF, *options)]
    # `eval --batch --as-of` judges every line at AS_OF, as `overrides` does.
    out = arrow.evaluate_table(table(texts), library=library, as_of=AS_OF,
                               packs=packs or None, lang=lang, keys=["line"], overrides=True)
    assert out.schema == arrow.verdict_schema([pa.field("line", pa.int64())])
    got = rows(out)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine == theirs
    codes = {r["error"]["code"] for r in expected if r["error"]}
    assert {"RP701", "RP702"} <= codes
    assert sum(r["error"] is None and r["version"] is not None for r in expected) > COUNT / 2
    if packs:  # nothing lost: N rows in, N rows out per pack
        assert len(got) == COUNT * len(packs)
    else:  # (at AS_OF every line has a pack in force: RP502 and not_applicable rows are
        # tests/unit/test_batch.py's, through the same batch.documents.Judge)
        assert {r["line"] for r in got} == set(range(1, COUNT + 1))


def _without_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return all(v is not None and _without_nulls(v) for v in value.values())
    if isinstance(value, list):
        return all(_without_nulls(v) for v in value)
    return True


def test_a_struct_column_is_judged_as_its_json(library: rulepack.Library,
                                               texts: list[str]) -> None:
    parsed = []
    for text in texts:
        try:
            doc = json.loads(text)
        except ValueError:
            continue
        if isinstance(doc, dict) and doc and _without_nulls(doc):
            parsed.append(doc)
    # Arrow gives a column one type: where one document has 2 and another 0.5, both become
    # doubles. Those documents are not held as they are, so they are left out (the order of
    # keys may differ: a struct has one order of fields).
    held = pa.array(parsed).to_pylist()
    docs = [doc for doc, cell in zip(parsed, held, strict=True)
            if json.dumps(doc, sort_keys=True)
            == json.dumps(arrow._plain(cell), sort_keys=True)]
    assert len(docs) > len(parsed) / 2
    structs = pa.table({"line": pa.array(range(len(docs)), pa.int64()),
                        "facts": pa.array(docs)})
    assert pa.types.is_struct(structs.schema.field("facts").type)
    from_json = arrow.evaluate_table(table([json.dumps(d) for d in docs]).set_column(
        0, "line", pa.array(range(len(docs)), pa.int64())), library=library, as_of=AS_OF,
        lang="en", keys=["line"])
    from_structs = arrow.evaluate_table(structs, library=library, as_of=AS_OF, lang="en",
                                        keys=["line"])
    assert from_structs.num_rows > len(docs)
    # Parsed: the objects a reason echoes keep the order of their keys, the struct's order.
    assert rows(from_structs) == rows(from_json)


def test_a_struct_null_is_an_absent_fact_and_dates_are_iso_text(
        library: rulepack.Library) -> None:
    import datetime as dt
    facts = pa.array([{"as_of": dt.date(2026, 6, 1),
                       "account": {"platform": "douyin", "fans": None, "mcn_signed": False}}])
    out = arrow.evaluate_table(pa.table({"facts": facts}), library=library, as_of=AS_OF,
                               packs=["xingtu.entry"])
    (row,) = out.to_pylist()
    assert row["error"] is None
    assert row["as_of"] == "2026-06-01T00:00:00+08:00"
    assert "account.fans" in row["missing"]


@pytest.mark.parametrize("kind", ["binary", "large_string", "dictionary"])
def test_other_text_columns_read_alike(library: rulepack.Library, texts: list[str],
                                       kind: str) -> None:
    some = texts[:200]
    plain = arrow.evaluate_table(table(some), library=library, as_of=AS_OF, keys=["line"])
    column = {"binary": lambda: pa.array([t.encode() for t in some], pa.binary()),
              "large_string": lambda: pa.array(some, pa.large_string()),
              "dictionary": lambda: pa.array(some).dictionary_encode()}[kind]()
    other = pa.table({"line": pa.array(range(1, 201), pa.int64()), "facts": column})
    assert arrow.evaluate_table(other, library=library, as_of=AS_OF,
                                keys=["line"]).to_pylist() == plain.to_pylist()


def test_output_comes_a_chunk_of_input_rows_at_a_time(library: rulepack.Library,
                                                      texts: list[str]) -> None:
    batch = table(texts[:100]).to_batches()[0]
    judge = arrow.BatchJudge(library, as_of=AS_OF, packs=PACKS, keys=["line"], chunk_rows=7)
    parts = list(judge.evaluate(batch))
    assert len(parts) == 15 and all(p.num_rows == 7 * len(PACKS) for p in parts[:-1])
    whole = arrow.evaluate_table(table(texts[:100]), library=library, as_of=AS_OF,
                                 packs=PACKS, keys=["line"])
    assert pa.Table.from_batches(parts).to_pylist() == whole.to_pylist()
    assert [p.num_rows for p in judge.evaluate(batch.slice(0, 0))] == [0]


def test_mistakes_of_the_caller_fail_the_call_not_the_rows(library: rulepack.Library) -> None:
    batches = table(["{}"]).to_batches()
    with pytest.raises(EvaluationError, match="no pack with id `xingtu.entri`"):
        arrow.evaluate_batches(batches, library=library, as_of=AS_OF, packs=["xingtu.entri"])
    with pytest.raises(FactsError, match="as_of is not an ISO 8601 instant"):
        arrow.evaluate_batches(batches, library=library, as_of="soon")
    with pytest.raises(TypeError):
        arrow.evaluate_batches(batches, library=library)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="would clash"):
        arrow.evaluate_batches(batches, library=library, as_of=AS_OF, keys=["pack"])
    with pytest.raises(ValueError, match="not both"):
        arrow.evaluate_batches(batches, library=library, rules="rules", as_of=AS_OF)
    numbers = pa.table({"facts": pa.array([1, 2])}).to_batches()
    with pytest.raises(TypeError, match="must hold JSON text or a struct"):
        list(arrow.evaluate_batches(numbers, library=library, as_of=AS_OF))
    with pytest.raises(KeyError, match="no key column"):
        list(arrow.evaluate_batches(batches, library=library, as_of=AS_OF, keys=["id"]))


def test_rulepack_imports_without_pyarrow_and_the_core_names_the_extra() -> None:
    code = ("import sys; sys.modules['pyarrow'] = None\n"
            "import rulepack, rulepack.batch.documents\n"
            "try:\n    import rulepack.batch.arrow\n"
            "except ImportError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC)}, check=True)
    assert done.stdout.strip() == \
        "rulepack.batch.arrow needs pyarrow: pip install 'rulepack[arrow]'"
