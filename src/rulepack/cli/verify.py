"""``rulepack verify``: the command around :func:`rulepack.testing.verify.verify`."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any, TextIO

from rulepack.cli.shared import EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, rules_path
from rulepack.core.errors import EvaluationError, PackError
from rulepack.core.processes import Stopped, usable_cpus
from rulepack.library import load
from rulepack.testing.verify import DEFAULT_EXAMPLES, Unverified, VerifyReport, verify

# The time budget ran out before every check was done, and what was verified holds.
EXIT_PARTIAL = 3

_EPILOG = """time budget:
  --time-budget SECONDS stops the run cleanly once SECONDS have passed: the check under way
  stops at its next example, and the report lists every check left unverified (it and those
  not started). A counterexample already found is still reported.

progress:
  one line on stderr, rewritten as checks start (as they end, with several jobs), when
  stderr is a terminal.

jobs:
  --jobs N runs the searches in N worker processes (default: one per available CPU). Each
  search has its own seed, so the findings, counterexamples and example counts are the same
  whatever N is. TERM or Ctrl-C stops every worker at its next example; the exit code is then
  128 + the signal's number.

--format json writes one JSON object to stdout:
  {"ok": bool,                      no finding among what was verified
   "complete": bool,                every check ran to its example budget
   "seed": int, "budget": int,      the options of the run
   "time_budget": number | null,
   "stats": {"packs": int, "properties": int, "tables": int, "examples": int,
             "seconds": number},
   "findings": [{"problem": {"code", "message", "file", "line", "column", "pack", "rule",
                             "value", "hint"},
                 "counterexample": str | null}],    a .test.yaml text, as in the text output
   "unverified": [{"pack": str, "version": str, "check": str}]}
  A check is a property id, or table:ID:gap / table:ID:overlap for a complete table.

exit codes:
  0  every check ran and everything holds
  1  a property or table does not hold (or the packs do not load)
  2  bad arguments, an unknown pack, or Hypothesis not installed
  3  the time budget ran out first: what was verified holds, the rest is listed unverified
  130, 143  stopped by Ctrl-C (INT) or TERM
"""

# Hypothesis is an optional install: the `verify` extra.
NO_HYPOTHESIS = ("rulepack: verify generates fact documents with Hypothesis, which is not "
                 "installed; install it with: pip install 'rulepack[verify]'")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rulepack verify``."""
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the generated documents (default: 0); the same seed "
                        "finds the same counterexamples")
    parser.add_argument("--budget", type=int, default=DEFAULT_EXAMPLES, metavar="N",
                        help=f"examples per property and per table (default: {DEFAULT_EXAMPLES})")
    parser.add_argument("--pack", action="append", default=[], metavar="ID",
                        help="verify this pack only (repeatable; default: every pack)")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                        help="stop cleanly after SECONDS, with a partial report (exit 3 when "
                        "what was verified holds)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="worker processes (default: one per available CPU); the "
                        "findings are the same whatever N is")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (default) or one JSON object (schema below)")
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def run(args: argparse.Namespace, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run ``rulepack verify``: 0 when everything holds, 1 when something does not (or the
    packs do not load), 2 for bad arguments, an unknown pack or no Hypothesis, 3 when the
    time budget ran out before everything was verified and what was holds."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    if args.budget < 1:
        print("rulepack: --budget needs a number of examples, 1 or more", file=stderr)
        return EXIT_INPUT
    if args.jobs is not None and args.jobs < 1:
        print("rulepack: --jobs needs a number of processes, 1 or more", file=stderr)
        return EXIT_INPUT
    budget = args.time_budget
    if budget is not None and not (math.isfinite(budget) and budget > 0):
        print("rulepack: --time-budget needs a number of seconds above 0", file=stderr)
        return EXIT_INPUT
    try:
        library = load(rules_path(args.rules))
    except PackError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_PROBLEMS
    try:
        progress = Progress(stderr) if stderr.isatty() else None
        try:
            report = verify(library, seed=args.seed, examples=args.budget,
                            packs=list(args.pack) or None, time_budget=budget,
                            progress=progress, jobs=args.jobs or usable_cpus())
        finally:
            if progress is not None:
                progress.clear()
    except Stopped as stop:
        print(f"rulepack: verify stopped by {stop}", file=stderr)
        return 128 + stop.signum  # as a shell reports a process a signal ended
    except EvaluationError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_INPUT
    except ModuleNotFoundError as exc:
        # testing.verify imports Hypothesis when it first generates a document.
        if exc.name is None or exc.name.split(".")[0] != "hypothesis":
            raise
        print(NO_HYPOTHESIS, file=stderr)
        return EXIT_INPUT
    if args.format == "json":
        print(json.dumps(report_dict(report), ensure_ascii=False), file=stdout)
    else:
        print_report(report, stdout)
    if not report.ok:
        return EXIT_PROBLEMS
    return EXIT_OK if report.complete else EXIT_PARTIAL


class Progress:
    """One line on a terminal, rewritten as the run goes: how far it is."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._width = 0

    def __call__(self, done: int, total: int, check: Unverified) -> None:
        line = f"verify: {done}/{total} checks, {check.pack} {check.version} {check.check}"
        line = line[:100]
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = len(line)

    def clear(self) -> None:
        if self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()


def report_dict(report: VerifyReport) -> dict[str, Any]:
    """The report as ``--format json`` writes it (its schema is in the command's help)."""
    stats = report.stats
    return {
        "ok": report.ok,
        "complete": report.complete,
        "seed": report.seed,
        "budget": report.budget,
        "time_budget": report.time_budget,
        "stats": {"packs": stats.packs, "properties": stats.properties,
                  "tables": stats.tables, "examples": stats.examples,
                  "seconds": round(stats.seconds, 3)},
        "findings": [{"problem": f.problem.to_dict(), "counterexample": f.counterexample}
                     for f in report.findings],
        "unverified": [{"pack": u.pack, "version": u.version, "check": u.check}
                       for u in report.unverified],
    }


def print_report(report: VerifyReport, out: TextIO) -> None:
    """Each finding with its test case, then one summary line."""
    for finding in report.findings:
        print(str(finding.problem), file=out)
        if finding.counterexample:
            print("  counterexample (a test case; paste it into a .test.yaml file):", file=out)
            for line in finding.counterexample.rstrip("\n").splitlines():
                print(f"    {line}", file=out)
        print(file=out)
    if report.unverified:
        print(f"not verified: the time budget of {report.time_budget:g}s ran out before "
              f"{len(report.unverified)} check(s):", file=out)
        for left in report.unverified:
            print(f"  {left.pack} {left.version} {left.check}", file=out)
        print(file=out)
    print(summary(report), file=out)


def summary(report: VerifyReport) -> str:
    stats = report.stats
    verdict = "all hold" if report.ok else f"{len(report.findings)} finding(s)"
    if not report.complete:
        verdict += f", {len(report.unverified)} check(s) not verified (time budget)"
    return (f"verify: {stats.packs} pack version(s), {stats.properties} propert"
            f"{'y' if stats.properties == 1 else 'ies'}, {stats.tables} table(s), "
            f"{stats.examples:,} examples in {stats.seconds:.1f}s (seed {report.seed}, "
            f"budget {report.budget}): {verdict}")
