"""The ``rulepack`` command: check, list, eval, test.

Exit codes: 0 done; 1 the packs or their tests have problems; 2 the input could not be used
(bad arguments, unreadable or invalid fact documents, unknown pack or version); 70 an internal
error (a bug: please report it with the input). No traceback reaches the user unless
``RULEPACK_DEBUG=1`` is set.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from rulepack.analysis.tables import table_problems
from rulepack.batch import jsonl
from rulepack.cli import verify as verify_command
from rulepack.core.errors import EvaluationError, FactsError, PackError, Problem, RulepackError
from rulepack.facts.reading import read_documents, read_text, text_kind
from rulepack.library import Library, bundled, display_path, load, test_files
from rulepack.testing.cases import run_tests
from rulepack.verdict.data import Verdict

EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 70

_EVAL_EPILOG = """\
batch evaluation:
  rulepack eval --batch FACTS.jsonl [--pack ID]... [--jobs N] [--output OUT.jsonl]
  reads JSON Lines (- for stdin) line by line and writes one JSON record per input line per
  pack, in input order. A line that is not JSON (RP701) or not a valid fact document (RP702)
  gives an error record with its line number and the reason, and the run goes on. Without
  --pack, a line gets a record for each pack that applies, or one saying none applies. Lines
  without an as_of are judged at --as-of, else at the instant the run started. A progress bar
  is shown on stderr when it is a terminal.

exit codes:
  0  every document (with --batch: every line) was evaluated
  1  the packs have problems (`rulepack check` lists them)
  2  bad arguments or unreadable input; with --batch: some lines failed (see their records)
  70 an internal error
"""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit 2 itself; keep one path
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rulepack", description="Versioned YAML rule packs for platform "
                     "policy, evaluated into explained verdicts.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    check = sub.add_parser("check", help="load and compile every pack; report every problem")
    check.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    check.add_argument("--format", choices=("text", "json"), default="text")

    listing = sub.add_parser("list", help="list the packs and their versions")
    listing.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")

    ev = sub.add_parser("eval", help="evaluate fact documents against the packs",
                        epilog=_EVAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ev.add_argument("facts", nargs="+", help="fact files: YAML, JSON or JSON Lines; - for stdin")
    ev.add_argument("--pack", action="append", default=[], metavar="ID",
                    help="evaluate this pack (repeatable; default: every pack whose subject "
                    "is present)")
    ev.add_argument("--as-of", help="instant or date to judge at, when a document has none")
    ev.add_argument("--version", help="pin the version of the single --pack")
    ev.add_argument("--format", choices=("text", "jsonl"),
                    help="text (the default) or jsonl; --batch always writes jsonl")
    ev.add_argument("--lang", choices=("zh", "en"), default="zh")
    ev.add_argument("--rules", help="pack file or folder (default: bundled packs)")
    ev.add_argument("--batch", action="store_true",
                    help="stream the fact files as JSON Lines: one record per line per pack, "
                    "in input order")
    ev.add_argument("--jobs", type=int, default=1, metavar="N",
                    help="with --batch: evaluate in N processes (default: 1)")
    ev.add_argument("--output", metavar="OUT.jsonl",
                    help="with --batch: write the records to this file (default: stdout)")

    verify = sub.add_parser("verify", help="check the packs' declared properties and "
                            "complete tables on generated fact documents")
    verify_command.add_arguments(verify)

    test = sub.add_parser("test", help="run the test cases kept beside the packs")
    test.add_argument("rules", nargs="?", help="pack folder or test file (default: bundled)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        args = _parser().parse_args(argv)
        if args.command is None:
            _parser().print_help(sys.stderr)
            return EXIT_INPUT
        handler = {"check": _check, "list": _list, "eval": _eval, "test": _test,
                   "verify": verify_command.run_verify}[args.command]
        return handler(args)
    except _UsageError as exc:
        print(f"rulepack: {exc}\n  help: run `rulepack --help`", file=sys.stderr)
        return EXIT_INPUT
    except PackError as exc:
        _print_problems(exc.problems)
        return EXIT_PROBLEMS
    except RulepackError as exc:
        _print_problems(exc.problems)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`); quietly stop writing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # Inputs are read where their errors can be worded as problems; what is left is a
        # named file a command could not use, or writing the output (a full disk, a closed
        # device), which has no name.
        if exc.filename is not None:
            print(f"rulepack: cannot use {exc.filename}: {exc.strerror or exc}",
                  file=sys.stderr)
        else:
            print(f"rulepack: cannot write the output: {exc.strerror or exc}",
                  file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:
        if os.environ.get("RULEPACK_DEBUG") == "1":
            raise
        print(f"rulepack: internal error: {type(exc).__name__}: {exc}\n"
              "  help: this is a bug; run again with RULEPACK_DEBUG=1 and report the output",
              file=sys.stderr)
        return EXIT_INTERNAL


def _print_problems(problems: Sequence[Problem], stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    for problem in problems:
        print(str(problem), file=out)


def _rules_path(value: str | None) -> Path:
    return Path(value) if value else bundled("rules")


# -- check --------------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    root = _rules_path(args.rules)
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
            _print_problems(exc.problems)
            files = len({p.file for p in exc.problems})
            print(f"{len(exc.problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.format == "json":
        print("[]")
    else:
        print(f"ok: {len(library.ids)} pack(s), {len(library.packs)} version(s) in "
              f"{display_path(root)}")
    return EXIT_OK


# -- list ---------------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    library = load(_rules_path(args.rules))
    for pack in library.packs:
        until = pack.effective_until.isoformat() if pack.effective_until else "open"
        print(f"{pack.id:38} {pack.version:8} {pack.effective_from}..{until:10} "
              f"{pack.subject:12} {pack.title.en}")
    return EXIT_OK


# -- eval ---------------------------------------------------------------------------------------


def _documents(names: Sequence[str]) -> Iterator[tuple[str, int, Any]]:
    """(the input's name, the line of a JSON Lines document or 0, the document or the
    FactsError that stands for it) for every document of every input."""
    for name in names:
        if name == "-":
            text, shown = sys.stdin.read(), "<stdin>"
        else:
            path = Path(name)
            shown = display_path(path)
            try:
                text = read_text(path, shown)
            except FactsError as exc:
                yield shown, 0, exc
                continue
        kind = text_kind(shown, text)
        try:
            for line, doc in read_documents(text, shown, kind):
                yield shown, line if kind == "jsonl" else 0, doc
        except FactsError as exc:
            yield shown, 0, exc


def _eval(args: argparse.Namespace) -> int:
    if args.batch:
        return _eval_batch(args)
    if args.jobs != 1 or args.output is not None:
        raise _UsageError("--jobs and --output go with --batch")
    args.format = args.format or "text"
    library = load(_rules_path(args.rules))
    if args.version and len(args.pack) != 1:
        raise _UsageError("--version needs exactly one --pack")
    for pack_id in args.pack:
        library.versions(pack_id)  # an unknown id is a usage problem before any work
    status = EXIT_OK
    first = True
    for file, line, doc in _documents(args.facts):
        try:
            if isinstance(doc, FactsError):
                raise doc
            if not isinstance(doc, dict):
                raise FactsError([Problem(file=file, line=line, code="RP301",
                                          message="a fact document must be a mapping",
                                          value="$")])
            library.check_facts(doc, file=file)
            verdicts = _verdicts(library, doc, args)
        except (FactsError, EvaluationError) as exc:
            status = EXIT_INPUT
            problems = [_at(p, file, line) for p in exc.problems]
            if args.format == "jsonl":
                print(json.dumps({"input": file, "line": line or None,
                                  "error": [p.to_dict() for p in problems]},
                                 ensure_ascii=False))
            _print_problems(problems)
            continue
        if args.format == "jsonl":
            # verdict.to_dict(lang) plus input (and line), as json.dumps would write that
            # dict: the verdict's own JSON with the keys spliced in before its closing brace.
            added = f', "input": {json.dumps(file, ensure_ascii=False)}'
            if line:
                added += f', "line": {json.dumps(line)}'
            for verdict in verdicts:
                print(f"{verdict.to_json(args.lang)[:-1]}{added}}}")
        else:
            if not first:
                print()
            first = False
            where = f"{file}:{line}" if line else file  # a line of JSON Lines
            print(f"== {where} ==")
            if not verdicts:
                print("  (no pack applies: none of the packs is about a subject the document "
                      "has, in force on its date and for its platform)"
                      if args.lang == "en" else "  （没有适用的规则包：没有一个规则包的对象在文档中、"
                      "在其日期有效且适用于其平台）")
            for verdict in verdicts:
                print(verdict.explain(args.lang))
    return status


def _eval_batch(args: argparse.Namespace) -> int:
    if args.format == "text":
        raise _UsageError("--batch writes JSON Lines; leave out --format text")
    if args.jobs < 1:
        raise _UsageError("--jobs needs a number of processes, 1 or more")
    if args.version and len(args.pack) != 1:
        raise _UsageError("--version needs exactly one --pack")
    rules = _rules_path(args.rules)
    library = load(rules)
    # Problems that would fail every line are reported once, before any work.
    for pack_id in args.pack:
        library.versions(pack_id)
    if args.version:
        library.select(args.pack[0], version=args.version)
    unreadable = jsonl.unreadable(args.facts)
    if unreadable:
        raise FactsError(unreadable)
    options = jsonl.BatchOptions(
        rules=rules, packs=tuple(args.pack), version=args.version,
        as_of=Library.resolve_as_of({}, args.as_of), lang=args.lang)
    progress = jsonl.Progress.for_terminal(sys.stderr, jsonl.input_size(args.facts))
    try:
        with jsonl.output(args.output) as out:
            summary = jsonl.run(library, options, args.facts, out, jobs=args.jobs,
                                 progress=progress)
    except jsonl.OutputError as exc:
        print(f"rulepack: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if summary.failed:
        print(f"rulepack: {summary.failed:,} of {summary.lines:,} line(s) failed; their error "
              "records say why", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def _verdicts(library: Library, doc: dict[str, Any], args: argparse.Namespace) -> list[Verdict]:
    if args.pack:
        return [library.evaluate(p, doc, as_of=args.as_of, version=args.version, validate=False)
                for p in args.pack]
    return library.evaluate_all(doc, as_of=args.as_of, validate=False)


def _at(problem: Problem, file: str, line: int) -> Problem:
    """``problem`` placed in its input: the file, and the line of a JSON Lines document."""
    if problem.file and (problem.line or not line):
        return problem
    return replace(problem, file=problem.file or file, line=problem.line or line)


# -- test ---------------------------------------------------------------------------------------


def _test(args: argparse.Namespace) -> int:
    root = _rules_path(args.rules)
    files = test_files(root)
    # A test file runs against the packs of its folder; a pack file against itself.
    is_test_file = root.is_file() and files == [root]
    library = load(root.parent if is_test_file else root)
    # Testing one file judges the coverage of that file's pack only.
    report = run_tests(library, files, every_pack=not root.is_file())
    _print_problems(report.problems, sys.stdout)
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
