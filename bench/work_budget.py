"""The slowest evaluations of one expression that the limits still allow, and what each costs.

    python bench/work_budget.py            # 5 rounds, medians
    python bench/work_budget.py --quick    # 1 round

Each row is a pack of one `check` rule whose expression does as much work as it can: loops of
10,000 items (``Limits.max_items``) doing comparisons, `in`, building values and library
calls, and loop-free expressions over the largest values the operators may build and over a
fact list of 50,000 texts. Each is evaluated on one document, in this process, beside a
reference pack whose rule compares one number; the table gives the milliseconds of one
evaluation, its ratio to the reference, and how it ended: `pass`/`fail` ran to the end,
`RP505` was stopped by a limit (the step budget, the size of a built value, or the work
budget of loops, ``Limits.max_work``). The largest figure is the worst case this script
knows how to build.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import rulepack

REFERENCE = "account.fans >= 1"
CASES = [
    # Loops of 10,000 items: each item does costly work until the work budget stops the loop.
    ("`in` of a 50,000-character text, per item",
     "any_of([('a' * 50000) in [('a' * 49999) + 'b'] for v in [0] * 10000])"),
    ("`in` over a built list of 100,000 floats, per item",
     "any_of([1 in [1.5] * 100000 for v in [0] * 10000])"),
    ("`==` of two 50,000-character texts, per item",
     "any_of([('a' * 50000 + 'b') == ('a' * 50000 + 'c') for v in [0] * 10000])"),
    ("total() of a built list of 100,000 floats, per item",
     "total([total([1.5] * 100000) for v in [0] * 10000]) > 0"),
    ("`in` over a fact list of 50,000 texts, per item",
     "count([v for v in [0] * 10000 if 'transaction_records' in account.appeal.evidence]) > 0"),
    ("building a 100,000-character text, per item",
     "count([v for v in [0] * 10000 if 'x' == ('ab' * 50000)]) > 0"),
    ("four additions per item (the step budget)",
     "count([v for v in [0] * 10000 if v + v + v + v >= 0]) > 0"),
    # Loop-free: each operator runs once; the values are as large as the operators allow.
    ("`in` over a list of 100,000 items, once",
     "'a' * 10 in ['a' * 9 + 'b'] * 9000"),
    ("`in` over a fact list of 50,000 texts, once",
     "'transaction_records' in account.appeal.evidence"),
    ("a text of 100,000 characters built and compared, once",
     "('ab' * 50000) == ('ab' * 49999 + 'ac')"),
]


def pack_text(pack_id: str, expression: str) -> str:
    quoted = expression.replace("'", "''")
    return f"""\
id: {pack_id}
version: 1.0.0
effective_from: 2024-01-01
subject: account
title: {{zh: 基准, en: Bench}}
description: {{zh: 基准, en: Bench}}
sources:
  - {{seed: bench.txt, quote: 基准}}
rules:
  - id: work
    kind: check
    title: {{zh: 基准, en: Bench}}
    source: {{seed: bench.txt, quote: 基准}}
    require: '{quoted}'
"""


# What stopped an evaluation, by the words of its RP505 message.
_LIMITS = (("units of work", "work budget"), ("steps", "step budget"),
           ("would be built", "size of a built value"), ("would be kept", "size of a kept value"))


def _ended(error: str) -> str:
    code = error.split(":")[0]
    limit = next((name for words, name in _LIMITS if words in error), None)
    return f"{code} ({limit})" if limit else error[:60]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round")
    args = parser.parse_args()
    rounds = 1 if args.quick else 5
    cases = [("reference: one comparison of numbers", REFERENCE), *CASES]
    with tempfile.TemporaryDirectory() as folder:
        for index, (_, expression) in enumerate(cases):
            text = pack_text(f"bench.work{index}", expression)
            Path(folder, f"work{index}.yaml").write_text(text, encoding="utf-8")
        library = rulepack.load(Path(folder))
    document = {"as_of": "2026-01-01",
                "account": {"fans": 1,
                            "appeal": {"evidence": ["device_ip_records"] * 50_000}}}
    for index in range(len(cases)):  # each pack's code is made on its first use: not timed
        library.evaluate(f"bench.work{index}", document, validate=False)
    times: dict[int, list[float]] = {index: [] for index in range(len(cases))}
    ended: dict[int, str] = {}
    for _ in range(rounds):
        for index in range(len(cases)):  # interleaved: each round runs every case once
            started = time.perf_counter()
            verdict = library.evaluate(f"bench.work{index}", document, validate=False)
            times[index].append(time.perf_counter() - started)
            reason = verdict.reason("work")
            error = reason.checks[0].error if reason.checks else None
            ended[index] = _ended(error) if error else reason.status
    reference = statistics.median(times[0])
    print(f"limits: {rulepack.Limits()}\n")
    print("| expression | ms | × reference | ended |")
    print("|---|---:|---:|---|")
    for index, (name, _) in enumerate(cases):
        median = statistics.median(times[index])
        print(f"| {name} | {median * 1e3:.1f} | {median / reference:,.0f} | {ended[index]} |")


if __name__ == "__main__":
    main()
