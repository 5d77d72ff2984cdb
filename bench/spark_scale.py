"""What Spark costs over ``eval --batch``, and how it scales from one core to two.

One seeded corpus of JSON Lines goes through ``rulepack eval --batch --jobs 2`` (and
``--jobs 1``), and through :func:`rulepack.spark.evaluate` in Spark's ``local[1]`` and
``local[2]``, every pack that applies, reasons in one language, as the nightly job writes them.
Spark's rows go to the ``noop`` sink, so that the timing is evaluation and not Parquet; the
batch's go to a file. Each Spark run first does a warm-up pass over a small part of the corpus
(starting the Python workers and compiling the packs, once per worker, as a long job would),
then the timed pass. Session start-up (tens of seconds) is reported apart.

    PYSPARK_PYTHON=$(which python) PYTHONPATH=src python bench/spark_scale.py --docs 20000

Prints documents a second per core for each, the overhead of Spark against ``--batch`` per
core, and the scaling of two cores over one; ``--out`` writes the figures as JSON. For each
timed Spark run it also counts the CPU of every process (Spark's JVM, the Python workers, the
driver), and from those what two cores can give over one at most on this machine, and how
much more CPU the workers took for the same documents with both cores busy.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import rulepack

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-06-01T08:00:00+08:00"


def corpus(count: int, seed: int) -> list[str]:
    """Documents varied from the bundled examples: numbers, flags and as_of, a few facts left
    out, and one line in fifty bad (not JSON, or not a fact document)."""
    rng = random.Random(seed)
    templates = [rulepack.read_facts(p) for p in sorted((ROOT / "examples").glob("*.yaml"))]

    def vary(value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            return {k: vary(v, depth + 1) for k, v in value.items()
                    if depth == 0 or rng.random() > 0.05}
        if isinstance(value, list):
            return [vary(v, depth + 1) for v in value if rng.random() > 0.1]
        if isinstance(value, bool):
            return not value if rng.random() < 0.2 else value
        if isinstance(value, int):
            return max(0, round(value * rng.uniform(0.5, 1.6)))
        if isinstance(value, float):
            return min(value * rng.uniform(0.5, 1.6), 1.0) if value <= 1 else value
        return value

    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.01:
            out.append('{"account": {"fans": 12}')
            continue
        if roll < 0.02:
            out.append('{"account": {"fans": -5}}')
            continue
        doc = vary(copy.deepcopy(rng.choice(templates)), 0)
        if "as_of" in doc:
            doc["as_of"] = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00+08:00"
        out.append(json.dumps(doc, ensure_ascii=False))
    return out


def time_batch(path: Path, jobs: int, lang: str) -> tuple[float, int]:
    """Seconds of ``eval --batch`` (process start and pack loading included) and records."""
    out = path.with_suffix(f".out{jobs}.jsonl")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rulepack", "eval", "--batch", str(path),
                    "--as-of", AS_OF, f"--lang={lang}", f"--jobs={jobs}", "--output", str(out)],
                   check=False, capture_output=True)
    seconds = time.perf_counter() - started
    with out.open("rb") as records:
        count = sum(1 for _ in records)
    out.unlink()
    return seconds, count


def time_spark(path: Path, cores: int, lang: str, warmup: int) -> dict[str, float]:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from rulepack import spark as rulepack_spark

    started = time.perf_counter()
    spark = (SparkSession.builder.master(f"local[{cores}]").appName("rulepack-bench")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", str(cores))
             .config("spark.default.parallelism", str(cores))
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    session = time.perf_counter() - started
    master = spark.sparkContext.master  # the JVM outlives a session: say which one ran
    # As many partitions as cores, more than one batch each: every core busy to the end.
    facts = (spark.read.text(str(path)).select(F.col("value").alias("facts"))
             .repartition(cores * 4))
    facts.cache().count()  # read and split once, outside the timings
    part = facts.limit(warmup)
    started = time.perf_counter()
    rulepack_spark.evaluate(part, as_of=AS_OF, lang=lang).write.format("noop") \
        .mode("overwrite").save()
    warm = time.perf_counter() - started
    out = rulepack_spark.evaluate(facts, as_of=AS_OF, lang=lang)
    before = tree_cpu()
    started = time.perf_counter()
    out.write.format("noop").mode("overwrite").save()
    seconds = time.perf_counter() - started
    after = tree_cpu()
    rows = out.count()
    spark.stop()
    cpu = {kind: after.get(kind, 0.0) - before.get(kind, 0.0) for kind in after}
    return {"master": master, "session_s": session, "warmup_s": warm, "seconds": seconds,
            "rows": rows, "cpu_s": cpu}


def tree_cpu() -> dict[str, float]:
    """CPU seconds used so far by this process and its descendants, by kind: ``jvm`` (Spark's
    driver JVM), ``python_workers`` (the Python processes it starts: pyspark's daemon and the
    workers that run rulepack) and ``driver`` (this process). A process's own time and that of
    its children it has reaped are both counted, so a worker that ended is not lost. Linux
    only (``/proc``); empty elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[str, float]] = {}
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return {}
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        # After the name: state, ppid, ..., utime (14th field), stime, cutime, cstime.
        parent = int(fields[1])
        used = sum(int(f) for f in fields[11:15]) / tick
        children.setdefault(parent, []).append(pid)
        stats[pid] = (name, used)
    me = os.getpid()
    totals = {"driver": stats.get(me, ("", 0.0))[1], "jvm": 0.0, "python_workers": 0.0}
    stack = list(children.get(me, []))
    while stack:
        pid = stack.pop()
        name, used = stats[pid]
        totals["jvm" if name == "java" else "python_workers"
               if name.startswith("python") else "driver"] += used
        stack.extend(children.get(pid, []))
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    load_before = os.getloadavg()
    figures: dict[str, Any] = {"docs": args.docs, "lang": args.lang, "cpus": os.cpu_count(),
                               "python": platform.python_version(),
                               "load_before": load_before}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "facts.jsonl"
        path.write_text("".join(line + "\n" for line in corpus(args.docs, args.seed)),
                        encoding="utf-8")
        for jobs in (1, 2):
            seconds, records = time_batch(path, jobs, args.lang)
            figures[f"batch_jobs{jobs}"] = {"seconds": seconds, "rows": records,
                                            "docs_per_s_per_core": args.docs / seconds / jobs}
        for cores in (1, 2):
            run = time_spark(path, cores, args.lang, warmup=min(2000, args.docs // 10))
            run["docs_per_s_per_core"] = args.docs / run["seconds"] / cores
            figures[f"spark_local{cores}"] = run
    figures["load_after"] = os.getloadavg()
    one = figures["spark_local1"]["docs_per_s_per_core"]
    two = figures["spark_local2"]["docs_per_s_per_core"] * 2
    # Per core, against the batch on as many cores: >1 means Spark is slower.
    figures["overhead_local1_vs_batch_jobs1"] = figures["batch_jobs1"]["docs_per_s_per_core"] / one
    figures["overhead_local2_vs_batch_jobs2"] = figures["batch_jobs2"]["docs_per_s_per_core"] \
        / (two / 2)
    figures["scaling_local2_over_local1"] = two / one
    figures["scaling_batch_jobs2_over_jobs1"] = (figures["batch_jobs2"]["docs_per_s_per_core"] * 2
                                                 / figures["batch_jobs1"]["docs_per_s_per_core"])
    # What two cores can give at most on this machine: the local[2] run's CPU, every process
    # counted, shared by two cores, against local[1]'s wall time. Spark's JVM and this driver
    # take their share of the same two cores the workers need.
    cpu2 = figures["spark_local2"]["cpu_s"]
    if cpu2:
        figures["scaling_ceiling_on_this_machine"] = \
            2 * figures["spark_local1"]["seconds"] / sum(cpu2.values())
        workers = cpu2.get("python_workers") or float("nan")
        figures["jvm_and_driver_cpu_per_worker_cpu"] = \
            (cpu2.get("jvm", 0.0) + cpu2.get("driver", 0.0)) / workers
        # The same work on both cores at once, against one: above 1 when the two cores slow
        # each other down (shared caches, a host's other guests), which no code here controls.
        one_worker = figures["spark_local1"]["cpu_s"].get("python_workers") or float("nan")
        figures["worker_cpu_local2_over_local1"] = workers / one_worker
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
