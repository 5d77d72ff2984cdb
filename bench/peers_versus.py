"""rulepack's rows of bench/peers.py in two source trees, run in turns on one core.

    git worktree add /tmp/old-tree 54e9211
    PYTHONPATH=src python bench/peers_versus.py /tmp/old-tree --runs 8 --docs 10000

Each run is ``bench/peers.py --only rulepack --rounds 3`` of one tree in a child process,
pinned to one core where ``taskset`` exists; the trees take turns, the first of each pair
alternating, so that a machine that speeds up or slows down meanwhile weighs on both alike.
Per row, the best round by CPU time of each run, then the median over the runs of each tree;
printed as this tree's speed over the other's (1.0: as fast; 0.9: 10 % slower). The hand-written
row runs the same code in both trees: how far it is from 1.0 is the noise of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_run(tree: Path, docs: int, out: Path) -> dict[str, float]:
    """The best CPU round of every row of one peers.py run in ``tree``, by row name."""
    command = [sys.executable, "bench/peers.py", "--only", "rulepack", "--docs", str(docs),
               "--rounds", "3", "--out", str(out)]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    subprocess.run(command, cwd=tree, env={**os.environ, "PYTHONPATH": str(tree / "src")},
                   check=True, capture_output=True)
    rows = json.loads(out.read_text(encoding="utf-8"))["results"]
    return {row["engine"]: min(row["cpu_rounds_s"]) for row in rows if row.get("cpu_rounds_s")}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/peers_versus.py",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("other", type=Path, help="the other source tree (a git worktree)")
    parser.add_argument("--runs", type=int, default=8, help="runs of each tree (default 8)")
    parser.add_argument("--docs", type=int, default=10_000, help="documents (default 10,000)")
    args = parser.parse_args(argv)
    this = HERE.parent
    times: dict[str, dict[str, list[float]]] = {"this": {}, "other": {}}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            order = [("this", this), ("other", args.other.resolve())]
            for name, tree in order if run % 2 == 0 else order[::-1]:
                out = Path(folder) / f"{name}-{run}.json"
                for row, seconds in one_run(tree, args.docs, out).items():
                    times[name].setdefault(row, []).append(seconds)
    print(f"{args.runs} runs of each tree, {args.docs:,} documents; this tree's speed over "
          f"{args.other}'s (median of each tree's best rounds by CPU time)")
    for row, mine in times["this"].items():
        theirs = times["other"].get(row)
        if theirs:
            ratio = statistics.median(theirs) / statistics.median(mine)
            print(f"{ratio:6.3f}  {row}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
