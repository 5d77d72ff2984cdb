"""``rulepack verify``: the command around :func:`rulepack.testing.verify.verify`."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from rulepack.cli.shared import EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, rules_path
from rulepack.core.errors import EvaluationError, PackError
from rulepack.library import load
from rulepack.testing.verify import DEFAULT_EXAMPLES, VerifyReport, verify

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


def run(args: argparse.Namespace, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run ``rulepack verify``: 0 when everything holds, 1 when something does not (or the
    packs do not load), 2 for bad arguments, an unknown pack or no Hypothesis."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    if args.budget < 1:
        print("rulepack: --budget needs a number of examples, 1 or more", file=stderr)
        return EXIT_INPUT
    try:
        library = load(rules_path(args.rules))
    except PackError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_PROBLEMS
    try:
        report = verify(library, seed=args.seed, examples=args.budget,
                        packs=list(args.pack) or None)
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
    print_report(report, stdout)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def print_report(report: VerifyReport, out: TextIO) -> None:
    """Each finding with its test case, then one summary line."""
    for finding in report.findings:
        print(str(finding.problem), file=out)
        if finding.counterexample:
            print("  counterexample (a test case; paste it into a .test.yaml file):", file=out)
            for line in finding.counterexample.rstrip("\n").splitlines():
                print(f"    {line}", file=out)
        print(file=out)
    print(summary(report), file=out)


def summary(report: VerifyReport) -> str:
    stats = report.stats
    verdict = "all hold" if report.ok else f"{len(report.findings)} finding(s)"
    return (f"verify: {stats.packs} pack version(s), {stats.properties} propert"
            f"{'y' if stats.properties == 1 else 'ies'}, {stats.tables} table(s), "
            f"{stats.examples:,} examples in {stats.seconds:.1f}s (seed {report.seed}, "
            f"budget {report.budget}): {verdict}")
