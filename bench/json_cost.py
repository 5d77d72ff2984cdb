"""Where the time of a verdict's JSON goes, on the documents and pack of bench/peers.py.

    python bench/json_cost.py            # 20,000 documents, 7 rounds
    python bench/json_cost.py --quick    # 300 documents, 1 round

Each row does more than the one before, per document, in one process, rounds interleaved,
medians (as bench/peers.py times):

1. the verdict as data (``evaluator(doc)``);
2. the verdict, and the facts its two reasons carry as ``values`` gathered from the document
   and written by json: the least any JSON of these verdicts writes besides constant text and
   the words of its checks;
3. the verdict written whole by ``to_json("en")``: values, messages, checks and their words.

The difference between rows says what each part costs; the table is printed as Markdown.

A second table times JSON writers alone, on each verdict's ``to_dict("en")`` made beforehand
(not timed): ``json.dumps`` (the bytes ``to_json`` writes) and, when installed (the ``bench``
extra installs it), orjson, a JSON writer in Rust, which writes other bytes (no spaces) and
gives ``bytes``, so a row with ``.decode()`` as well for the ``str`` that ``to_json`` returns.
It says what writing this much JSON costs even when the dict is free.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from peer_engines import Engine
from peer_workload import AS_OF, PACK_ID, Doc, documents
from peers import Row, time_rounds

HERE = Path(__file__).resolve().parent


def rows(docs: Sequence[Doc]) -> list[tuple[str, Callable[[Doc], Any]]]:
    import rulepack

    library = rulepack.load(HERE / "packs")
    evaluator = library.evaluator(PACK_ID, as_of=AS_OF, validate=False)
    # The fact names each reason's values hold (the same for every document of this pack),
    # read from one verdict's reasons.
    names = [[path.split(".", 1)[1] for path in reason.values]
             for reason in evaluator(docs[0]).reasons]
    dumps = json.JSONEncoder(ensure_ascii=False).encode

    def verdict(doc: Doc) -> Any:
        return evaluator(doc)

    def verdict_and_values(doc: Doc) -> Any:
        verdict = evaluator(doc)
        account = doc["account"]
        return verdict, [dumps({f"account.{name}": account[name] for name in held})
                         for held in names]

    def verdict_json(doc: Doc) -> str:
        return evaluator(doc).to_json("en")

    return [("verdict as data", verdict),
            ("verdict + its reasons' values written by json", verdict_and_values),
            ("verdict written whole by to_json('en')", verdict_json)]


def writers() -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    """JSON writers of a verdict's dict: json's, and orjson's where it is installed."""
    found: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("json.dumps(d, ensure_ascii=False): the bytes to_json writes",
         json.JSONEncoder(ensure_ascii=False).encode)]
    try:
        import orjson
    except ImportError:
        return found
    dumps = orjson.dumps

    def as_text(held: dict[str, Any]) -> str:
        return dumps(held).decode()

    return [*found, (f"orjson {orjson.__version__} dumps(d): bytes, other spacing", dumps),
            (f"orjson {orjson.__version__} dumps(d).decode(): a str", as_text)]


def _print_table(names: Sequence[str], table: Sequence[Row], count: int, *,
                 more: bool) -> None:
    """Rows as Markdown: docs/s and µs per document (and the µs each row adds, if ``more``)."""
    print("| row | docs/s | µs per document |" + (" µs more than the row before |" if more
                                                   else ""))
    print("|---|---:|---:|" + ("---:|" if more else ""))
    before = 0.0
    for name, row in zip(names, table, strict=True):
        per_doc = statistics.median(row.cpu_rounds_ns) / count / 1e3
        added = (f" {per_doc - before:.2f} |" if before else " |") if more else ""
        print(f"| {name} | {1e6 / per_doc:,.0f} | {per_doc:.2f} |{added}")
        before = per_doc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="300 documents, 1 round")
    args = parser.parse_args(argv)
    count, rounds = (300, 1) if args.quick else (args.docs, args.rounds)
    docs = documents(count)
    timed = rows(docs)
    # Timed as bench/peers.py times its engines (one loop per row per round, order rotating).
    table = [Row(Engine(name, True, "", run)) for name, run in timed]
    time_rounds(table, docs, rounds)
    sizes = [len(timed[2][1](doc).encode()) for doc in docs]
    print(f"{count:,} documents, median of {rounds} round(s), CPU time; JSON "
          f"{statistics.mean(sizes):,.0f} bytes per document on average")
    _print_table([name for name, _ in timed], table, count, more=True)
    # The writers alone, on dicts made before the clock starts.
    library_rows = dict(timed)
    held = [library_rows["verdict as data"](doc).to_dict("en") for doc in docs]
    written = writers()
    table = [Row(Engine(name, True, "", run)) for name, run in written]
    time_rounds(table, held, rounds)
    print()
    print("JSON writers alone, on each verdict's to_dict('en') made beforehand (not timed):")
    _print_table([name for name, _ in written], table, count, more=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
