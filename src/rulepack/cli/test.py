"""``rulepack test``: the YAML test cases kept beside the packs, and the coverage they give."""

from __future__ import annotations

import argparse
import sys

from rulepack.cli.shared import EXIT_OK, EXIT_PROBLEMS, print_problems, rules_path
from rulepack.library import display_path, load, test_files
from rulepack.testing.cases import run_tests


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="?", help="pack folder or test file (default: bundled)")


def run(args: argparse.Namespace) -> int:
    root = rules_path(args.rules)
    files = test_files(root)
    # A test file runs against the packs of its folder; a pack file against itself.
    is_test_file = root.is_file() and files == [root]
    library = load(root.parent if is_test_file else root)
    # Testing one file judges the coverage of that file's pack only.
    report = run_tests(library, files, every_pack=not root.is_file())
    print_problems(report.problems, sys.stdout)
    for case in report.cases:
        if not case.passed:
            print(f"FAIL {case.file}:{case.line}: {case.name}")
            for difference in case.differences:
                print(f"  {difference}")
    for gap in report.gaps:
        print(f"coverage: {gap}")
    covered = sum(len(rules) for rules in report.seen.values())
    print(f"coverage: {covered} rule(s) exercised, {len(report.gaps)} gap(s)")
    if report.problems:
        print(f"{len(report.problems)} problem(s) in test files")
    print(f"{report.passed} passed, {report.failed} failed")
    if not report.cases and not report.problems:
        print(f"rulepack: no test cases in {display_path(root)}; they live in files ending "
              ".test.yaml beside the packs", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK if report.ok else EXIT_PROBLEMS
