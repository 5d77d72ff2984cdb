"""A nightly Spark job: every pack over every account, written as Parquet by pack and outcome.

Reads fact documents from JSON Lines (one document per line) or Parquet (a column of JSON text
or of structs shaped like the fact schema, beside key columns such as an account id), judges
each document with every pack that applies at one ``--as-of`` instant, and writes the verdict
rows partitioned by ``pack`` and ``outcome``: tomorrow's report on failing accounts of one pack
reads one folder.

    spark-submit --master 'local[2]' examples/spark_nightly.py \\
        --input facts.jsonl --output verdicts/ --as-of 2026-11-21T00:00:00+08:00

See the README's "At platform scale" section for a cluster.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from rulepack import spark as rulepack_spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="JSON Lines file(s) or a Parquet path")
    parser.add_argument("--output", required=True, help="folder for the Parquet verdicts")
    parser.add_argument("--as-of", required=True,
                        help="the instant every document without its own is judged at")
    parser.add_argument("--format", choices=("jsonl", "parquet"),
                        help="default: from the input's name (.parquet, else jsonl)")
    parser.add_argument("--rules", help="pack folder on the driver (default: bundled packs)")
    parser.add_argument("--facts-column", default="facts",
                        help="Parquet: the column of documents (default: facts)")
    parser.add_argument("--key", action="append", default=[],
                        help="Parquet: a column carried into every verdict row (repeatable)")
    parser.add_argument("--lang", choices=("zh", "en"),
                        help="write every rule's reasons in this language (default: none)")
    args = parser.parse_args()

    spark = SparkSession.builder.appName("rulepack-nightly").getOrCreate()
    kind = args.format or ("parquet" if args.input.rstrip("/").endswith(".parquet")
                           else "jsonl")
    if kind == "jsonl":
        # A line's place is its file and its offset in the read: the documents carry no id
        # (the fact schema allows none), so these two are the keys.
        facts = (spark.read.text(args.input)
                 .select(F.input_file_name().alias("input"),
                         F.monotonically_increasing_id().alias("row"),
                         F.col("value").alias("facts")))
        keys, column = ["input", "row"], "facts"
    else:
        facts = spark.read.parquet(args.input)
        keys, column = args.key, args.facts_column

    verdicts = rulepack_spark.evaluate(facts, as_of=args.as_of, rules=args.rules,
                                       lang=args.lang, facts_column=column, keys=keys)
    (verdicts.write.mode("overwrite").partitionBy("pack", "outcome")
     .parquet(args.output))
    # What ran, for the job's log: each pack version and the digest of its canonical form.
    written = spark.read.parquet(args.output)
    for row in (written.groupBy("pack", "version", "digest", "outcome").count()
                .orderBy("pack", "outcome").collect()):
        print(f"{row['pack']}\t{row['version']}\t{row['digest']}\t{row['outcome']}\t"
              f"{row['count']}")
    spark.stop()


if __name__ == "__main__":
    main()
