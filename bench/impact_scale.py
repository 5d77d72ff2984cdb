"""Cost of `rulepack impact` and `rulepack sweep` against one `rulepack eval --batch` run.

Writes a synthetic corpus (``rulepack.testing.corpus``, seeded) of ``--lines`` lines to a
temporary folder and times, each in its own process, on the same file and pack:

- ``rulepack eval --batch FILE --pack xingtu.entry`` (output to /dev/null): the unit;
- ``rulepack impact FILE --pack xingtu.entry --set xingtu.entry.params.douyin_min_fans=80000``:
  both sides evaluated, compared and counted (target: at most 2.2 times the unit);
- ``rulepack sweep xingtu.entry --param douyin_min_fans --from 50000 --to 150000 --step 10000``:
  11 values (target: at most 6 times the unit).

Each row gives wall time, the ratio to the batch run, and the peak resident memory of the
process (flat memory: compare runs with ``--lines`` 10 times apart). The impact and sweep
commands are run through their modules' ``add_arguments``/``run``, as ``rulepack`` runs them.

    python bench/impact_scale.py                       # 1,000,000 lines
    python bench/impact_scale.py --lines 100000 200000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACK = "xingtu.entry"
AS_OF = "2026-11-21T12:00:00+08:00"
SEED = 20261121

# Runs a command in a child and prints its peak memory (KiB, Linux's ru_maxrss) as JSON.
_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(0 if code in (0, 1) else code)
"""
_COMMAND = """
import argparse, importlib, sys
module = importlib.import_module("rulepack.cli." + sys.argv[1])
parser = argparse.ArgumentParser()
module.add_arguments(parser)
sys.exit(module.run(parser.parse_args(sys.argv[2:])))
"""


def _write_corpus(path: Path, lines: int) -> None:
    subprocess.run([sys.executable, "-m", "rulepack.testing.corpus", "--count", str(lines),
                    "--seed", str(SEED), "--as-of", AS_OF], stdout=path.open("w"),
                   check=True, env={"PYTHONPATH": str(SRC)})


def _timed(command: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True,
                          text=True, env={"PYTHONPATH": str(SRC)}, check=True)
    return time.perf_counter() - start, int(done.stdout.strip().splitlines()[-1])


def run(lines: int, folder: Path) -> list[dict[str, object]]:
    corpus = folder / f"corpus-{lines}.jsonl"
    _write_corpus(corpus, lines)
    python = sys.executable
    commands = {
        "eval --batch": [python, "-m", "rulepack", "eval", "--batch", str(corpus), "--pack",
                         PACK, "--output", "/dev/null"],
        "impact --set": [python, "-c", _COMMAND, "impact", str(corpus), "--pack", PACK,
                         "--set", f"{PACK}.params.douyin_min_fans=80000"],
        "sweep, 11 values": [python, "-c", _COMMAND, "sweep", PACK, str(corpus), "--param",
                             "douyin_min_fans", "--from", "50000", "--to", "150000",
                             "--step", "10000"],
    }
    rows: list[dict[str, object]] = []
    unit = 0.0
    for name, command in commands.items():
        seconds, peak = _timed(command)
        unit = unit or seconds
        rows.append({"lines": lines, "run": name, "seconds": round(seconds, 2),
                     "ratio": round(seconds / unit, 2), "peak_mib": round(peak / 1024, 1)})
        print(f"{lines:>10,}  {name:<18} {seconds:8.2f} s  {seconds / unit:5.2f}x  "
              f"{peak / 1024:7.1f} MiB", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for lines in args.lines:
            rows += run(lines, Path(folder))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
