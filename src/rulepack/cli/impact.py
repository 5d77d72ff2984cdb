"""``rulepack impact``: the verdicts of old and new rules over a JSON Lines corpus, compared.

Exit codes: 0 no document changes state, 1 some do (like ``diff``), 2 bad arguments, packs
that do not load, or an input file that cannot be read. Corpus lines that cannot be read are
counted in the report, not an error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from rulepack.batch.jsonl import unreadable
from rulepack.change import report
from rulepack.change.impact import EXAMPLES, impact
from rulepack.change.sources import (
    OverrideError,
    PackSet,
    from_git,
    from_path,
    parse_override,
    with_params,
)
from rulepack.core.errors import PackError, RulepackError

EXIT_SAME, EXIT_CHANGED, EXIT_TROUBLE = 0, 1, 2

EPILOG = """\
what to compare (the new side is --rules, default the bundled packs):
  --old OLD_RULES             another pack folder or file as the old side
  --against REF               the --rules folder at a git revision as the old side
  --versions OLD NEW          two versions of the one --pack, both from --rules
  --set PACK.params.NAME=V    the new side with a param overridden (repeatable; no file edited)

examples:
  rulepack impact corpus.jsonl --set xingtu.entry.params.douyin_min_fans=80000
  rulepack impact corpus.jsonl --rules rules --against HEAD --format html --output impact.html

exit codes: 0 no document changes state, 1 some do, 2 bad arguments or packs that do not load
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rulepack impact``."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("facts", nargs="+", help="JSON Lines fact files; - for stdin")
    parser.add_argument("--rules", help="the new pack folder or file (default: bundled packs)")
    parser.add_argument("--old", metavar="OLD_RULES", help="the old pack folder or file")
    parser.add_argument("--against", metavar="REF", help="the old side: --rules at this git "
                        "revision")
    parser.add_argument("--versions", nargs=2, metavar=("OLD", "NEW"),
                        help="compare two versions of the one --pack")
    parser.add_argument("--set", action="append", default=[], metavar="PACK.params.NAME=VALUE",
                        dest="overrides", help="override a param on the new side (repeatable)")
    parser.add_argument("--pack", action="append", default=[], metavar="ID",
                        help="report this pack (repeatable; default: every pack)")
    parser.add_argument("--as-of", help="instant or date to judge documents without an as_of")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="judge in N processes (default: 1)")
    parser.add_argument("--examples", type=int, default=EXAMPLES, metavar="N",
                        help=f"example lines kept per transition (default: {EXAMPLES})")
    parser.add_argument("--format", choices=("text", "json", "html"), default="text")
    parser.add_argument("--output", metavar="FILE", help="write the report here (default: stdout)")


def _sides(args: argparse.Namespace) -> tuple[PackSet, PackSet]:
    """The old and new packs the arguments name."""
    new = from_path(Path(args.rules) if args.rules else None)
    if args.against is not None:
        old = from_git(args.rules or new.label, args.against)
    elif args.old is not None:
        old = from_path(Path(args.old))
    else:
        old = new
    if args.overrides:
        new = with_params(new, [parse_override(o) for o in args.overrides])
    return old, new


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``rulepack impact``; return the exit code."""
    stdout, stderr = out or sys.stdout, err or sys.stderr
    chosen = [args.old is not None, args.against is not None, args.versions is not None]
    if sum(chosen) > 1 or (not any(chosen) and not args.overrides):
        print("rulepack impact: give one of --old, --against or --versions, or --set "
              "overrides of the new side", file=stderr)
        return EXIT_TROUBLE
    if args.versions is not None and len(args.pack) != 1:
        print("rulepack impact: --versions needs exactly one --pack", file=stderr)
        return EXIT_TROUBLE
    if args.jobs < 1 or args.examples < 0:
        print("rulepack impact: --jobs needs 1 or more, --examples 0 or more", file=stderr)
        return EXIT_TROUBLE
    try:
        old, new = _sides(args)
        problems = unreadable(args.facts)
        if problems:
            for problem in problems:
                print(str(problem), file=stderr)
            return EXIT_TROUBLE
        old_version, new_version = args.versions or (None, None)
        result = impact(old, new, list(args.facts), packs=args.pack or None,
                        as_of=args.as_of, old_version=old_version, new_version=new_version,
                        examples=args.examples, jobs=args.jobs)
    except OverrideError as exc:
        print(f"rulepack impact: {exc}", file=stderr)
        return EXIT_TROUBLE
    except (PackError, RulepackError) as exc:
        for problem in exc.problems:
            print(str(problem), file=stderr)
        return EXIT_TROUBLE
    if args.format == "json":
        rendered = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "html":
        rendered = report.html(result)
    else:
        rendered = report.text(result)
    if args.output:
        try:
            Path(args.output).write_text(rendered, encoding="utf-8")
        except OSError as exc:
            print(f"rulepack impact: cannot write {args.output}: {exc.strerror or exc}",
                  file=stderr)
            return EXIT_TROUBLE
    else:
        stdout.write(rendered)
    return EXIT_CHANGED if result.changed else EXIT_SAME
