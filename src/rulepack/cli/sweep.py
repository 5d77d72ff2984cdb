"""``rulepack sweep PACK --param NAME --from A --to B --step S FACTS.jsonl``: the pack's
outcomes over a corpus at each value of one param, as a table, JSON or an SVG chart.

Exit codes: 0 done, 2 bad arguments, packs that do not load, or an unreadable input file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from rulepack.batch.jsonl import unreadable
from rulepack.change.sources import OverrideError
from rulepack.change.sweep import grid, sweep
from rulepack.core.errors import RulepackError

EXIT_OK, EXIT_TROUBLE = 0, 2


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rulepack sweep``."""
    parser.add_argument("pack", help="the pack id")
    parser.add_argument("facts", nargs="+", help="JSON Lines fact files; - for stdin")
    parser.add_argument("--param", required=True, help="the param to sweep")
    parser.add_argument("--from", dest="start", type=_number, required=True, metavar="A")
    parser.add_argument("--to", dest="stop", type=_number, required=True, metavar="B")
    parser.add_argument("--step", type=_number, required=True, metavar="S")
    parser.add_argument("--rules", help="pack folder or file (default: bundled packs)")
    parser.add_argument("--as-of", help="instant or date to judge documents without an as_of")
    parser.add_argument("--format", choices=("text", "json", "svg"), default="text")
    parser.add_argument("--chart", metavar="FILE.svg",
                        help="also write the chart to this file")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``rulepack sweep``; return the exit code."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    try:
        values = grid(args.start, args.stop, args.step)
    except ValueError as exc:
        print(f"rulepack sweep: {exc}", file=stderr)
        return EXIT_TROUBLE
    problems = unreadable(args.facts)
    try:
        if problems:
            raise RulepackError(problems)
        result = sweep(Path(args.rules) if args.rules else None, args.pack, args.param, values,
                       list(args.facts), as_of=args.as_of)
    except OverrideError as exc:
        print(f"rulepack sweep: {exc}", file=stderr)
        return EXIT_TROUBLE
    except RulepackError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_TROUBLE
    if args.chart:
        try:
            Path(args.chart).write_text(result.svg(), encoding="utf-8")
        except OSError as exc:
            print(f"rulepack sweep: cannot write {args.chart}: {exc.strerror or exc}",
                  file=stderr)
            return EXIT_TROUBLE
    if args.format == "json":
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif args.format == "svg":
        stdout.write(result.svg() + "\n")
    else:
        stdout.write(result.text())
    return EXIT_OK
