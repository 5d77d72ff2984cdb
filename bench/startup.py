"""Wall time of one `rulepack` command, from process start to exit, as an analyst runs it.

Each command runs as a fresh subprocess, ``sys.executable -m rulepack ...`` in the repository
root, so the time includes starting Python, importing rulepack and loading the bundled packs.
Beside them runs ``python -c pass``, the floor no command can beat. Every row runs once per
round, in an order that rotates from round to round, so that noise on the machine hits every
row alike; the table shows each row's median, min and max over the rounds, its ratio to
``python -c pass``, and, for the analyst's commands (check, list, eval), whether the median is
under the 0.3 s target. Only the command line is used, so the script does not depend on how
the package is laid out inside src/. The commands run with Python's bytecode cache on, as an
installed rulepack runs (pip compiles it at install): PYTHONDONTWRITEBYTECODE is dropped from
their environment, so that the warm-up run writes the cache the timed runs read.

    python bench/startup.py                     # 5 rounds; add --verify, --json PATH
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 0.3
BASELINE = "python -c pass"
ENVIRONMENT = {name: value for name, value in os.environ.items()
               if name != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Row:
    name: str
    argv: list[str]
    targeted: bool  # held to TARGET_S
    warm_up: bool = True  # one untimed run first (bytecode written, files in the page cache)
    times: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def rows(example: str, verify: bool) -> list[Row]:
    def rulepack(*args: str, targeted: bool = True, warm_up: bool = True) -> Row:
        return Row("rulepack " + " ".join(args), [sys.executable, "-m", "rulepack", *args],
                   targeted, warm_up)

    out = [Row(BASELINE, [sys.executable, "-c", "pass"], targeted=False),
           rulepack("check", "rules"), rulepack("list"), rulepack("eval", example),
           rulepack("test", "rules", targeted=False)]
    if verify:
        out.append(rulepack("verify", "rules", targeted=False, warm_up=False))
    return out


def run_once(row: Row) -> None:
    """One run of ``row``: its wall time, or why it failed (a non-zero exit)."""
    started = time.perf_counter()
    done = subprocess.run(row.argv, cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=ENVIRONMENT)
    row.times.append(time.perf_counter() - started)
    if done.returncode != 0:
        row.failures.append(f"exit {done.returncode}: {done.stderr.strip()[-300:]}")


def measure(table: list[Row], rounds: int) -> None:
    for row in table:
        if row.warm_up:
            run_once(row)
            row.times.clear()
            row.failures.clear()
    for index in range(rounds):
        shift = index % len(table)
        for row in table[shift:] + table[:shift]:
            run_once(row)


def report(table: list[Row]) -> str:
    base = table[0].median
    lines = ["| command | median s | min s | max s | × `python -c pass` | under 0.3 s |",
             "|---|---:|---:|---:|---:|---|"]
    for row in table:
        verdict = ("yes" if row.median < TARGET_S else "NO") if row.targeted else "-"
        if row.failures:
            verdict += f" (FAILED {len(row.failures)}×)"
        lines.append(f"| `{row.name}` | {row.median:.3f} | {min(row.times):.3f} | "
                     f"{max(row.times):.3f} | {row.median / base:.1f} | {verdict} |")
    return "\n".join(lines)


def as_json(table: list[Row], rounds: int, load_before: float) -> dict[str, Any]:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"python": platform.python_version(), "executable": sys.executable,
                    "cpus": os.cpu_count(), "system": platform.system(),
                    "load_average_1min": {"before": round(load_before, 2),
                                          "after": round(os.getloadavg()[0], 2)}},
        "commit": commit, "rounds": rounds, "target_s": TARGET_S,
        "rows": [{"command": row.name, "argv": row.argv[1:], "targeted": row.targeted,
                  "median_s": round(row.median, 4), "min_s": round(min(row.times), 4),
                  "max_s": round(max(row.times), 4),
                  "ratio_to_baseline": round(row.median / table[0].median, 2),
                  "under_target": row.median < TARGET_S if row.targeted else None,
                  "times_s": [round(t, 4) for t in row.times], "failures": row.failures}
                 for row in table],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed runs per row (default 5)")
    parser.add_argument("--example", default="examples/douyin-creator-xingtu.yaml",
                        help="the fact file `rulepack eval` reads, from the repository root")
    parser.add_argument("--verify", action="store_true",
                        help="also time `rulepack verify rules` (tens of seconds a run)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds needs 1 or more")
    load_before = os.getloadavg()[0]
    table = rows(args.example, args.verify)
    measure(table, args.rounds)
    print(report(table))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(table, args.rounds, load_before), indent=2)
                             + "\n", encoding="utf-8")
    return 1 if any(row.failures for row in table) else 0


if __name__ == "__main__":
    sys.exit(main())
