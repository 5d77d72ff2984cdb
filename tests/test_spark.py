"""rulepack.spark in Spark's local mode: the same verdicts as ``rulepack eval --batch``.

A seeded corpus of 10,000 lines (bad ones among them) goes through Spark and through the
command, and every verdict row is compared with its record field by field (``reasons`` by the
SHA-256 of its text, which keeps the rows Spark hands back small). One SparkSession serves
every test: starting one costs tens of seconds. Skips only when pyspark, pyarrow or a Java
runtime is missing.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _seeded_lines import SRC, eval_batch, expected_row, lines

import rulepack
from rulepack.core.errors import EvaluationError, PackError
from rulepack.library import bundled

pytest.importorskip("pyarrow")
pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)
spark_module = importlib.import_module("rulepack.spark")

AS_OF = "2026-06-01T08:00:00+08:00"
PACKS = ("xingtu.entry", "kuaishou.signing.qualification", "kuaishou.ban.level")
COUNT = 10_000


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from pyspark.sql import SparkSession

    # The executors' Python: this one, with this tree's rulepack on its path.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])
    session = (SparkSession.builder.master("local[2]").appName("rulepack-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return lines(COUNT, seed=1616)


@pytest.fixture(scope="module")
def jsonl(texts: list[str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "facts.jsonl"
    path.write_text("".join(t + "\n" for t in texts), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def facts(spark: Any, texts: list[str]) -> Any:
    return spark.createDataFrame(list(enumerate(texts, start=1)), "line long, facts string")


def collected(out: Any) -> list[dict[str, Any]]:
    """The rows, ``result`` parsed and ``reasons`` as the SHA-256 of its text."""
    from pyspark.sql import functions as F

    rows = out.withColumn("reasons", F.sha2("reasons", 256)).collect()
    return [{**row.asDict(recursive=True),
             "result": None if row["result"] is None else json.loads(row["result"])}
            for row in rows]


def digest_of_reasons(row: dict[str, Any]) -> dict[str, Any]:
    if row["reasons"] is None:
        return row
    text = json.dumps(row["reasons"], ensure_ascii=False)
    return {**row, "reasons": hashlib.sha256(text.encode("utf-8")).hexdigest()}


@pytest.mark.parametrize(("packs", "lang"), [(None, None), (PACKS, "en")])
def test_every_verdict_is_that_of_eval_batch(spark: Any, facts: Any, jsonl: Path,
                                             packs: tuple[str, ...] | None,
                                             lang: str | None) -> None:
    options = [f"--lang={lang or 'zh'}", *(f"--pack={p}" for p in packs or ())]
    records = eval_batch(jsonl, AS_OF, *options, "--jobs=2")
    expected = [digest_of_reasons(expected_row(r, reasons=lang is not None)) for r in records]
    # `eval --batch --as-of` judges every line at AS_OF, as `overrides` does.
    out = spark_module.evaluate(facts, as_of=AS_OF, packs=packs, lang=lang, keys=["line"],
                                overrides=True)
    assert out.schema == spark_module.output_schema(facts, ["line"])
    got = collected(out)
    assert len(got) == len(expected)
    # Spark keeps no order across partitions; a line has one row per pack (or one pack null).
    by_key = {(r["line"], r["pack"]): r for r in got}
    assert len(by_key) == len(got)
    for theirs in expected:
        assert by_key[(theirs["line"], theirs["pack"])] == theirs
    codes = {r["error"]["code"] for r in expected if r["error"]}
    assert {"RP701", "RP702"} <= codes
    assert sum(r["error"] is None and r["version"] is not None for r in expected) > COUNT / 2
    if packs:
        assert len(got) == COUNT * len(packs)
    else:
        assert {r["line"] for r in got} == set(range(1, COUNT + 1))


def test_the_rules_shipped_are_the_rules_that_ran(spark: Any, facts: Any,
                                                  tmp_path: Path) -> None:
    """Packs from a folder the executors never see: a changed pack's digest is in the rows."""
    entry = (bundled("rules") / "xingtu" / "entry.yaml").read_text(encoding="utf-8")
    changed = entry.replace("100000", "90000")
    assert changed != entry
    (tmp_path / "entry.yaml").write_text(changed, encoding="utf-8")
    mine = rulepack.load(tmp_path).versions("xingtu.entry")[-1]
    assert mine.digest != rulepack.load().versions("xingtu.entry")[-1].digest
    out = spark_module.evaluate(facts.limit(300), as_of=AS_OF, rules=tmp_path)
    ran = {(r["pack"], r["version"], r["digest"])
           for r in out.select("pack", "version", "digest").distinct().collect()}
    assert ran - {(None, None, None)} == {(mine.id, mine.version, mine.digest)}


def test_a_struct_column_of_facts(spark: Any) -> None:
    df = spark.createDataFrame(
        [(1, {"platform": "douyin", "fans": 120_000, "mcn_signed": False}),
         (2, {"platform": "douyin", "fans": None, "mcn_signed": False})],
        "id long, account struct<platform string, fans long, mcn_signed boolean>")
    df = df.selectExpr("id", "named_struct('account', account) AS facts")
    rows = {r["id"]: r for r in spark_module.evaluate(
        df, as_of=AS_OF, packs=["xingtu.entry"], keys=["id"]).collect()}
    assert rows[1]["error"] is None and "account.fans" not in rows[1]["missing"]
    assert "account.fans" in rows[2]["missing"]


def test_mistakes_fail_on_the_driver(spark: Any, facts: Any, tmp_path: Path) -> None:
    with pytest.raises(EvaluationError, match="no pack with id"):
        spark_module.evaluate(facts, as_of=AS_OF, packs=["nope"])
    (tmp_path / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    with pytest.raises(PackError):
        spark_module.evaluate(facts, as_of=AS_OF, rules=tmp_path)
    with pytest.raises(KeyError, match="no key column"):
        spark_module.evaluate(facts, as_of=AS_OF, keys=["account_id"])
    with pytest.raises(ValueError, match="relative path"):
        spark_module.evaluate(facts, as_of=AS_OF, rules={"../x.yaml": "id: x"})


def test_an_executor_that_compiles_other_packs_refuses_to_run() -> None:
    """Another rulepack on the executors would compile the same texts to other digests."""
    texts = spark_module.pack_texts()
    job = spark_module._Job(
        texts=texts, fingerprint="sha256:test-" + spark_module.fingerprint(texts),
        digests=(("xingtu.entry", "1.0.0", "sha256:other"),), as_of=AS_OF, packs=None,
        lang=None, facts_column="facts", keys=())
    with pytest.raises(RuntimeError, match="differ from the driver's"):
        next(job(iter([])))
