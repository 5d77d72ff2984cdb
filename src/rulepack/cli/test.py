"""``rulepack test``: the YAML test cases kept beside the packs, and the coverage they give,
per pack version, as text or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import Any

from rulepack.cli.shared import EXIT_OK, EXIT_PROBLEMS, print_problems, rules_path
from rulepack.library import display_path, load, test_files
from rulepack.testing.cases import TestReport, run_tests

EPILOG = """\
Each version of a pack is tested on its own: a case runs against the version in force at its
as_of (or the one it pins with version:), and every version needs cases that see each of its
rules on both sides (a check passing and failing, every row of a table matching, a rule with
`when` skipped).

exit codes:
  0  every case passed and every version is covered
  1  a case failed, a test file has problems, a version lacks cases or coverage, or there is
     no case at all
  2  bad arguments
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("rules", nargs="?", help="pack folder or test file (default: bundled)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (the default), or one JSON object: cases, problems, "
                        "coverage per version, gaps")


def run(args: argparse.Namespace) -> int:
    root = rules_path(args.rules)
    files = test_files(root)
    # A test file runs against the packs of its folder; a pack file against itself.
    is_test_file = root.is_file() and files == [root]
    library = load(root.parent if is_test_file else root)
    # Testing one file judges the coverage of that file's pack only.
    report = run_tests(library, files, every_pack=not root.is_file())
    if args.format == "json":
        print(json.dumps(to_dict(report), ensure_ascii=False, indent=2))
    else:
        print_text(report)
    if not report.cases and not report.problems:
        print(f"rulepack: no test cases in {display_path(root)}; they live in files ending "
              ".test.yaml beside the packs", file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def print_text(report: TestReport) -> None:
    """Problems, failing cases with what differed, the coverage table, then the totals."""
    print_problems(report.problems, sys.stdout)
    for case in report.cases:
        if not case.passed:
            against = f"{case.pack} {case.version}" if case.version else case.pack
            print(f"FAIL {case.file}:{case.line}: {case.name} ({against})")
            for difference in case.differences:
                print(f"  {difference}")
    for gap in report.gaps:
        print(f"coverage: {gap}")
    if report.coverage:
        width = max(len(c.pack) for c in report.coverage)
        print(f"{'pack':{width}}  {'version':9} {'cases':>5}  {'rules':>5}  sides seen")
        for c in report.coverage:
            mark = "" if c.complete else "  incomplete"
            print(f"{c.pack:{width}}  {c.version:9} {c.cases:5}  {c.rules:5}  "
                  f"{c.seen}/{c.sides}{mark}")
    covered = sum(len(rules) for rules in report.seen.values())
    print(f"coverage: {covered} rule(s) exercised in {len(report.seen)} version(s), "
          f"{len(report.gaps)} gap(s)")
    if report.problems:
        print(f"{len(report.problems)} problem(s) in test files")
    print(f"{report.passed} passed, {report.failed} failed")


def to_dict(report: TestReport) -> dict[str, Any]:
    """The report as the JSON `rulepack test --format json` writes (the README's schema)."""
    return {
        "ok": report.ok and bool(report.cases or report.problems),
        "passed": report.passed,
        "failed": report.failed,
        "cases": [{"file": c.file, "line": c.line, "pack": c.pack, "version": c.version,
                   "name": c.name, "passed": c.passed, "differences": c.differences}
                  for c in report.cases],
        "problems": [p.to_dict() for p in report.problems],
        "coverage": [{**asdict(c), "complete": c.complete} for c in report.coverage],
        "gaps": report.gaps,
    }


