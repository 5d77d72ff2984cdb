"""rulepack side by side with the engines a user would pick instead, on the same two policies.

    python bench/peers.py            # 20,000 documents, 7 rounds: the numbers the README quotes
    python bench/peers.py --quick    # a smoke run: a few hundred documents, 1 round

Steps: generate the documents (every branch of both policies covered, checked); run every
engine once over all of them and check its answers against the hand-written Python (any
disagreement stops the run before any timing); then time every engine over all the documents
in each round, in one process, the engines' order rotating from round to round; report the
median round of each as documents per second, and its ratio to hand-written Python. The table
is printed as Markdown and written as JSON (bench/results/peers.json) with the date, the
interpreter, the machine and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from peer_engines import PEERS, Engine, all_engines
from peer_workload import Answer, Doc, documents, missing_branches, python_rules

HERE = Path(__file__).resolve().parent
FULL_DOCS, FULL_ROUNDS = 20_000, 7
QUICK_DOCS, QUICK_ROUNDS = 300, 1


@dataclass
class Row:
    """One engine's line of the table."""

    engine: Engine
    rounds_ns: list[int] = field(default_factory=list)  # wall-clock time of each round
    cpu_rounds_ns: list[int] = field(default_factory=list)  # this process's CPU time

    def docs_per_s(self, docs: int, *, cpu: bool = False) -> float | None:
        rounds = self.cpu_rounds_ns if cpu else self.rounds_ns
        if not rounds:
            return None
        return docs / (statistics.median(rounds) / 1e9)


class AnswerMismatch(AssertionError):
    """An engine disagreed with the hand-written Python on some documents."""


def check_answers(engine: Engine, docs: Sequence[Doc], expected: Sequence[Answer]) -> None:
    """Raise :class:`AnswerMismatch` unless ``engine`` answers every document as expected."""
    assert engine.run is not None and engine.answer is not None
    wrong = []
    for index, (doc, want) in enumerate(zip(docs, expected, strict=True)):
        got = engine.answer(engine.run(doc))
        if got != want:
            wrong.append(f"  document {index}: {engine.name} says (entry, opening) = {got}, "
                         f"hand-written Python says {want}: {json.dumps(doc['account'])}")
    if wrong:
        raise AnswerMismatch(f"{engine.name} disagrees on {len(wrong)} of {len(docs)} "
                             "documents:\n" + "\n".join(wrong[:5]))


def time_rounds(rows: Sequence[Row], docs: Sequence[Doc], rounds: int) -> None:
    """Time every engine over all ``docs`` once per round; the order rotates every round so
    that no engine always follows the same one (caches, the collector's debt)."""
    for round_index in range(rounds):
        shift = round_index % len(rows)
        for row in [*rows[shift:], *rows[:shift]]:
            run = row.engine.run
            assert run is not None
            gc.collect()  # start each engine with no garbage left by the one before
            cpu_start = time.process_time_ns()
            start = time.perf_counter_ns()
            for doc in docs:
                run(doc)
            row.rounds_ns.append(time.perf_counter_ns() - start)
            row.cpu_rounds_ns.append(time.process_time_ns() - cpu_start)


def results(engines: Sequence[Engine], rows: Sequence[Row], docs: int) -> list[dict[str, Any]]:
    """The table as data, in the engines' order, the floor first."""
    timed = {row.engine.name: row for row in rows}
    floor = rows[0].docs_per_s(docs)
    assert floor is not None
    return [_result(engine, timed.get(engine.name), docs, floor) for engine in engines]


def _result(engine: Engine, row: Row | None, docs: int, floor: float) -> dict[str, Any]:
    out: dict[str, Any] = {"engine": engine.name, "explains": engine.explains,
                           "how": engine.note}
    rate = row.docs_per_s(docs) if row else None
    if row is None or rate is None:
        return {**out, "docs_per_s": None, "ratio_to_hand_written": None,
                "unavailable": engine.unavailable}
    return {**out, "docs_per_s": round(rate), "ratio_to_hand_written": rate / floor,
            "median_round_s": statistics.median(row.rounds_ns) / 1e9,
            "rounds_s": [ns / 1e9 for ns in row.rounds_ns],
            # CPU time leaves out the time other processes had the core: on a busy machine
            # it is the steadier of the two.
            "cpu_docs_per_s": round(row.docs_per_s(docs, cpu=True) or 0),
            "cpu_rounds_s": [ns / 1e9 for ns in row.cpu_rounds_ns]}


def markdown_table(table: Sequence[Mapping[str, Any]]) -> str:
    header = ("| engine | docs/s | ratio to hand-written | spread of rounds "
              "| docs/s by CPU time | explains? |")
    lines = [header, "|---|---:|---:|---:|---:|:---:|"]
    for row in table:
        explains = "yes" if row["explains"] else "no"
        if row["docs_per_s"] is None:
            lines.append(f"| {row['engine']} | {row['unavailable']} | — | — | — "
                         f"| {explains} |")
            continue
        rounds, median = row["rounds_s"], row["median_round_s"]
        spread = f"±{50 * (max(rounds) - min(rounds)) / median:.0f} %" if len(rounds) > 1 \
            else "one round"
        lines.append(f"| {row['engine']} | {row['docs_per_s']:,} | "
                     f"{_ratio(row['ratio_to_hand_written'])} | {spread} | "
                     f"{row['cpu_docs_per_s']:,} | {explains} |")
    return "\n".join(lines)


def _ratio(ratio: float) -> str:
    """`1.00` for the floor, `0.853`, and `0.0104 (1/96)` far below it."""
    if ratio >= 0.5:
        return f"{ratio:.2f}" if ratio >= 0.995 else f"{ratio:.3g}"
    return f"{ratio:.3g} (1/{1 / ratio:,.0f})"


def environment(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """When, where and how the numbers were taken."""
    versions: dict[str, str | None] = {}
    for package in ("rulepack", *(peer.package for peer in PEERS)):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/peers.py", *argv]),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "machine": f"{platform.system()} {platform.machine()}",
        "cores": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "docs": args.docs, "rounds": args.rounds,
        "timer": "time.perf_counter_ns (wall clock); time.process_time_ns (CPU time)",
        "statistic": "median round; docs/s = docs / median round seconds",
        "packages": versions,
        "rulepack_source": _source_revision(),
    }


def _source_revision() -> str | None:
    """The commit of the checkout measured, with `+changes` when its tree has edits."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    try:
        commit = git("rev-parse", "--short", "HEAD")
        return commit + ("+changes" if git("status", "--porcelain", "--", ":/src") else "")
    except (OSError, subprocess.SubprocessError):
        return None


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/peers.py", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke run: {QUICK_DOCS} documents, {QUICK_ROUNDS} round")
    parser.add_argument("--docs", type=int, help=f"documents (default {FULL_DOCS:,})")
    parser.add_argument("--rounds", type=int, help=f"timed rounds (default {FULL_ROUNDS})")
    parser.add_argument("--only", help="comma-separated words: time only the engines whose "
                        "names contain one (case-insensitive); the hand-written floor always "
                        "runs. E.g. --only rulepack,zen")
    parser.add_argument("--out", type=Path, help="JSON results file (default "
                        "bench/results/peers.json, or peers-quick.json with --quick)")
    args = parser.parse_args(argv)
    args.docs = args.docs or (QUICK_DOCS if args.quick else FULL_DOCS)
    args.rounds = args.rounds or (QUICK_ROUNDS if args.quick else FULL_ROUNDS)
    args.out = args.out or HERE / "results" / ("peers-quick.json" if args.quick
                                                else "peers.json")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    env = environment(args, argv)
    docs = documents(args.docs)
    if gaps := missing_branches(docs):
        print(f"{args.docs} documents leave branches untaken: {gaps}", file=sys.stderr)
        return 1
    expected = [python_rules(doc) for doc in docs]
    engines = all_engines()
    if args.only:
        words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
        engines = [e for i, e in enumerate(engines)
                   if i == 0 or any(w in e.name.lower() for w in words)]
    ready = [e for e in engines if e.unavailable is None]
    print(f"checking the answers of {len(ready)} engines on {len(docs):,} documents",
          file=sys.stderr)
    try:
        for engine in ready:
            check_answers(engine, docs, expected)
    except AnswerMismatch as mismatch:
        print(mismatch, file=sys.stderr)
        return 1
    print(f"timing {args.rounds} round(s)", file=sys.stderr)
    rows = [Row(engine) for engine in ready]
    time_rounds(rows, docs, args.rounds)
    table = results(engines, rows, len(docs))
    env["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"{env['date']}, {env['python']}, {env['cores']} cores, {args.docs:,} documents, "
          f"both policies per document, median of {args.rounds} round(s); `{env['command']}`")
    print(markdown_table(table), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**env, "results": table}, indent=2, ensure_ascii=False)
                        + "\n", encoding="utf-8")
    print(f"written to {os.path.relpath(args.out)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
