"""Instructions a corpus account document costs, step by step, counted by callgrind.

    PYTHONPATH=src python bench/instructions.py --docs 300
    PYTHONPATH=src python bench/instructions.py --docs 300 --steps batch json
    PYTHONPATH=src python bench/instructions.py --docs 300 --packs all

Times on a shared machine move from hour to hour; instruction counts do not. For each step
this runs Python under ``valgrind --tool=callgrind`` twice, with ``PYTHONHASHSEED=0``: once
doing only the set-up (loading the bundled packs, making the documents, warming every cache
on other documents of the corpus), once doing the same and then the step on ``--docs``
further account documents; the difference over ``--docs`` is the step's cost a document. The
garbage collector is off once the documents are made (a collection falling in one run and
not the other would add its walk of the whole heap to the step).
Run it on two commits (a worktree each) to compare them.

Steps:

- ``batch``: ``rulepack eval --batch`` without ``--pack``, as its renderer judges a line
  (read, validated, every applicable pack, each verdict written as JSON), after 100 lines.
- ``json``: ``verdict.to_json('en')`` of every verdict ``evaluate_all`` gave a document, after
  writing those of as many other documents.
- ``validate``: checking a document against the fact schema, after 100 documents.
- ``evaluate``: ``evaluate_all(doc, validate=False)``, after 100 documents.

With ``--packs`` (pack ids, ``all`` for every bundled pack, ``bench.xingtu`` and
``bench.analyst`` for the two writings of ``bench/packs``), each pack's prepared evaluator
instead (``library.evaluator(pack, as_of=..., validate=False)``, verdicts as data) on the
documents ``bench/every_pack.py`` gives it, after 100 of them: instructions a verdict.

Needs valgrind on the PATH; the documents are those of ``bench/every_pack.py`` (its seed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("batch", "json", "validate", "evaluate")
WARM = 100  # documents or lines judged before the count starts
# The corpus's instant, at which every document is judged.
AS_OF = dt.datetime(2026, 11, 21, 12, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def work(step: str, docs: int, counted: bool) -> None:
    """The set-up of ``step``, and the step itself on ``docs`` documents when ``counted``."""
    sys.path.insert(0, str(ROOT / "bench"))
    from every_pack import account_lines  # type: ignore[import-not-found]

    import rulepack
    from rulepack.batch import jsonl
    from rulepack.library import models_of

    library = rulepack.load()
    if step == "batch":
        lines = [line.encode() for line in account_lines(WARM + docs)]
        options = jsonl.BatchOptions(
            rules=ROOT / "rules", packs=(), version=None, lang="en", as_of=AS_OF)
        renderer = jsonl.Renderer(library, options)
        _quiet()
        renderer.render(jsonl.Chunk("accounts", 1, lines[:WARM]))
        if counted:
            renderer.render(jsonl.Chunk("accounts", WARM + 1, lines[WARM:]))
        return
    if step == "json":
        documents = [json.loads(line) for line in account_lines(2 * docs)]
        first = [v for doc in documents[:docs] for v in library.evaluate_all(doc)]
        second = [v for doc in documents[docs:] for v in library.evaluate_all(doc)]
        _quiet()
        for verdict in first:
            verdict.to_json("en")
        if counted:
            for verdict in second:
                verdict.to_json("en")
        return
    documents = [json.loads(line) for line in account_lines(WARM + docs)]
    problems = models_of(library).schema.problems
    _quiet()
    for doc in documents[:WARM]:
        problems(doc)
        library.evaluate_all(doc, validate=False)
    if counted:
        for doc in documents[WARM:]:
            if step == "validate":
                problems(doc)
            else:
                library.evaluate_all(doc, validate=False)


def _quiet() -> None:
    """No garbage collection from here on: a collection that falls in one of the two runs
    and not the other would count its whole heap's walk as the step's."""
    gc.collect()
    gc.disable()


def pack_documents(pack_id: str, docs: int) -> tuple[Any, list[dict[str, Any]]]:
    """The library holding ``pack_id`` and the documents its row of ``bench/every_pack.py``
    times: WARM of them first, then up to ``docs`` more."""
    sys.path.insert(0, str(ROOT / "bench"))
    import every_pack  # type: ignore[import-not-found]

    import rulepack
    from rulepack.library import models_of

    bench = pack_id in (every_pack.ORIGINAL, every_pack.ANALYST)
    library = rulepack.load(every_pack.BENCH_PACKS) if bench else rulepack.load()
    documents = every_pack.documents(max(3_000, 10 * (WARM + docs)))
    if bench:
        return library, [d for d in documents if "account" in d][:WARM + docs]
    pack = next(p for p in models_of(library).versions(pack_id))
    return library, every_pack.docs_for(pack, documents)[:WARM + docs]


def work_pack(pack_id: str, docs: int, counted: bool) -> None:
    """A pack's prepared evaluator on its WARM documents, then on the rest when ``counted``."""
    library, documents = pack_documents(pack_id, docs)
    evaluator = library.evaluator(pack_id, as_of=AS_OF, validate=False)
    _quiet()
    for doc in documents[:WARM]:
        evaluator(doc)
    if counted:
        for doc in documents[WARM:]:
            evaluator(doc)


def count(step: str, docs: int, counted: bool) -> int:
    """Instructions callgrind counts for one run of :func:`work` (a step, or ``pack:ID``)."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, __file__, "--work", step, "--docs", str(docs)]
    if counted:
        command.append("--counted")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"callgrind failed on {step}: {done.stderr.strip()[-500:]}")
    return int(found.group(1))


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench/instructions.py",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--docs", type=int, default=300, help="documents counted (300)")
    parser.add_argument("--steps", nargs="*", choices=STEPS, default=list(STEPS))
    parser.add_argument("--packs", nargs="*", metavar="ID",
                        help="count packs' prepared evaluators instead ('all': every bundled "
                             "pack; bench.xingtu, bench.analyst: bench/packs)")
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--counted", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.work:  # one run under callgrind
        if args.work.startswith("pack:"):
            work_pack(args.work[5:], args.docs, args.counted)
        else:
            work(args.work, args.docs, args.counted)
        return 0
    if shutil.which("valgrind") is None:
        print("bench/instructions.py needs valgrind on the PATH", file=sys.stderr)
        return 2
    if args.packs is not None:
        import rulepack

        packs = [p for name in args.packs
                 for p in (rulepack.load().ids if name == "all" else [name])]
        for pack_id in packs:
            counted = len(pack_documents(pack_id, args.docs)[1]) - WARM
            cost = (count(f"pack:{pack_id}", args.docs, True)
                    - count(f"pack:{pack_id}", args.docs, False)) / counted
            print(f"{pack_id}: {cost / 1000:,.1f}k instructions a verdict ({counted} documents)",
                  flush=True)
        return 0
    for step in args.steps:
        cost = (count(step, args.docs, True) - count(step, args.docs, False)) / args.docs
        print(f"{step}: {cost / 1000:,.1f}k instructions a document", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
