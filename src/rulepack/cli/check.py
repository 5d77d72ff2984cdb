"""``rulepack check``: load and compile every pack, then verify its decision tables."""

from __future__ import annotations

import argparse
import json
import sys

from rulepack.analysis.tables import table_problems
from rulepack.cli.shared import EXIT_OK, EXIT_PROBLEMS, print_problems, rules_path
from rulepack.core.errors import PackError
from rulepack.library import display_path, load


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    root = rules_path(args.rules)
    try:
        library = load(root)
        # Packs that compile are then verified statically: every decision table's rows.
        findings = [p for pack in library.packs for p in table_problems(pack, library.schema)]
        if findings:
            raise PackError(findings)
    except PackError as exc:
        if args.format == "json":
            print(json.dumps([p.to_dict() for p in exc.problems], ensure_ascii=False, indent=2))
        else:
            print_problems(exc.problems)
            files = len({p.file for p in exc.problems})
            print(f"{len(exc.problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.format == "json":
        print("[]")
    else:
        print(f"ok: {len(library.ids)} pack(s), {len(library.packs)} version(s) in "
              f"{display_path(root)}")
    return EXIT_OK
