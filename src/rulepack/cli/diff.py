"""``rulepack diff OLD NEW``: what differs between two sets of packs, like ``diff``'s exit
codes (0 no change, 1 changes, 2 trouble: a side that does not load, a bad revision)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from rulepack.change.diff import compare
from rulepack.change.sources import from_git, from_path
from rulepack.core.errors import PackError

EXIT_SAME, EXIT_CHANGED, EXIT_TROUBLE = 0, 1, 2

EPILOG = """\
examples:
  rulepack diff rules-before rules          two folders (or two pack files)
  rulepack diff rules --against HEAD        the folder against its last commit (read with
                                            git; the work tree is not touched)

exit codes: 0 no change, 1 changes, 2 a side does not load or git failed
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rulepack diff``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("old", help="the old pack folder or file (with --against: the folder "
                        "whose committed and current packs are compared)")
    parser.add_argument("new", nargs="?", help="the new pack folder or file")
    parser.add_argument("--against", metavar="REF",
                        help="compare OLD as it is at this git revision with OLD as it is now")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``rulepack diff``; return the exit code."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    if (args.new is None) == (args.against is None):
        print("rulepack diff: give OLD and NEW, or one folder and --against REF",
              file=stderr)
        return EXIT_TROUBLE
    try:
        if args.against is not None:
            old, new = from_git(args.old, args.against), from_path(args.old)
        else:
            old, new = from_path(args.old), from_path(args.new)
    except PackError as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_TROUBLE
    result = compare(old, new)
    if args.format == "json":
        stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        stdout.write(result.text())
    return EXIT_CHANGED if result.changed else EXIT_SAME
