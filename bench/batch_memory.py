"""Memory and throughput of `rulepack eval --batch` on large JSON Lines files.

Generates deterministic JSON Lines files (in a temporary folder) of 100,000 and 1,000,000 lines
- mostly valid Douyin/Xigua account documents, some that break the fact schema, some that are
not JSON - and runs ``rulepack eval --batch FILE --pack xingtu.entry`` on each in a subprocess
with --jobs 1 and --jobs 2. It reports the peak resident memory of the largest process of each
run (flat memory: the 1,000,000-line peak is about the 100,000-line one) and lines per second,
prints a table and writes bench/results/batch.json.

    python3 bench/batch_memory.py                 # 100k and 1M lines, jobs 1 and 2
    python3 bench/batch_memory.py --lines 20000 200000 --jobs 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "batch.json"
PACK = "xingtu.entry"
AS_OF = "2026-03-01"
SEED = 20260301
# Shares of the generated lines: the rest are valid fact documents.
INVALID_SHARE = 0.03
NOT_JSON_SHARE = 0.02


def documents(count: int, seed: int = SEED) -> Iterator[str]:
    """``count`` JSON Lines, the same ones for the same seed."""
    rnd = random.Random(seed)
    for _ in range(count):
        roll = rnd.random()
        if roll < NOT_JSON_SHARE:
            yield '{"account": {"fans": ' + str(rnd.randrange(10**6)) + ", oops"
        elif roll < NOT_JSON_SHARE + INVALID_SHARE:
            yield json.dumps({"account": {"fans": -rnd.randrange(1, 100), "platform": "weibo"}})
        else:
            yield json.dumps(_valid(rnd), ensure_ascii=False)


def _valid(rnd: random.Random) -> dict[str, Any]:
    account: dict[str, Any] = {
        "platform": rnd.choice(("douyin", "douyin", "xigua", "huoshan")),
        "fans": rnd.randrange(0, 300_000),
        "mcn_signed": rnd.random() < 0.2,
        "violations": [],
    }
    if rnd.random() < 0.1:
        account["violations"] = [{"on": "2025-11-02", "category": "content"}]
    doc: dict[str, Any] = {"account": account}
    if rnd.random() < 0.5:
        doc["as_of"] = f"2026-02-{rnd.randrange(1, 29):02d}T10:00:00+08:00"
    return doc


def write_file(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for line in documents(count):
            out.write(line + "\n")


def measure(path: Path, lines: int, jobs: int) -> dict[str, Any]:
    """One run in a subprocess: its wall time and the peak RSS of its largest process."""
    command = [sys.executable, "-m", "rulepack", "eval", "--batch", str(path), "--pack", PACK,
               "--as-of", AS_OF, "--jobs", str(jobs), "--output", os.devnull]
    started = time.perf_counter()
    child = subprocess.Popen(command, stderr=subprocess.PIPE)
    # wait4 gives this one child's usage; on Linux its ru_maxrss also covers the worker
    # processes it waited for (the largest of them, not their sum).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    assert child.stderr is not None
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # the workers' time included, as they were waited for
    return {
        "lines": lines,
        "jobs": jobs,
        "exit_code": code,  # 2: the generated file has bad lines on purpose
        "seconds": round(seconds, 2),
        "lines_per_second": round(lines / seconds),
        # Wall-clock rates depend on what else the machine runs; CPU time much less so.
        "cpu_seconds": round(cpu, 2),
        "lines_per_cpu_second": round(lines / cpu),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-save", action="store_true", help="do not write the results file")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory(prefix="rulepack-batch-") as folder:
        for count in args.lines:
            path = Path(folder) / f"facts-{count}.jsonl"
            write_file(path, count)
            for jobs in args.jobs:
                run = measure(path, count, jobs)
                runs.append(run)
                print(f"{count:>10,} lines  jobs {jobs}  {run['seconds']:7.1f} s  "
                      f"{run['lines_per_second']:>7,} lines/s  "
                      f"{run['lines_per_cpu_second']:>7,} lines/cpu-s  "
                      f"peak RSS {run['peak_rss_mib']:6.1f} MiB  "
                      f"load {run['load_average_1min']:4.1f}  exit {run['exit_code']}",
                      flush=True)
    if not args.no_save:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "command": f"rulepack eval --batch FACTS.jsonl --pack {PACK} --as-of {AS_OF} "
                       f"--jobs N --output {os.devnull}",
            "input": {"seed": SEED, "not_json_share": NOT_JSON_SHARE,
                      "invalid_share": INVALID_SHARE},
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "system": platform.system()},
            "runs": runs,
        }
        RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
