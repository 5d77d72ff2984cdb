"""``rulepack eval``: fact documents evaluated against the packs, as text or JSON Lines; with
``--batch``, a stream of JSON Lines in input order (rulepack.batch.jsonl)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rulepack.cli.shared import EXIT_INPUT, EXIT_OK, UsageError, print_problems, rules_path
from rulepack.core.errors import EvaluationError, FactsError, Problem
from rulepack.core.processes import Stopped
from rulepack.facts.reading import placed, read_documents, read_text, text_kind
from rulepack.facts.schema import china_day
from rulepack.library import Library, display_path, load

if TYPE_CHECKING:
    from rulepack.model.description import PackInfo
    from rulepack.model.pack import Lang
    from rulepack.verdict.data import Verdict

_EPILOG = """\
batch evaluation:
  rulepack eval --batch FACTS.jsonl [--pack ID]... [--jobs N] [--output OUT.jsonl]
  reads JSON Lines (- for stdin) line by line and writes one JSON record per input line per
  pack, in input order. A line that is not JSON (RP701) or not a valid fact document (RP702)
  gives an error record with its line number and the reason, and the run goes on. Without
  --pack, a line gets a record for each pack that applies, or one saying none applies. A line
  is judged at its own as_of, else at the instant the run started; --as-of T judges every line
  at T (its own as_of must still be valid). A progress bar is shown on stderr when it is a
  terminal.

when:
  A document is judged at its own as_of; --as-of T judges every document at T instead (its
  as_of is replaced: the version in force, `today` and `as_of` all follow T), with --batch
  too. T is an ISO 8601 instant or date (a date is midnight China time); anything else is
  exit 2. --version pins a version whatever the date; pinning one that is not in force on the
  day judged is a warning. A verdict judged by a pinned version says so: "pinned": true in
  JSON, a line in the text.

exit codes:
  0  every document (with --batch: every line) was evaluated
  1  the packs have problems (`rulepack check` lists them)
  2  bad arguments or unreadable input; with --batch: some lines failed (see their records)
  3  without --pack: every document was evaluated, but a pack about one of them has no
     version in force on its as_of (named on stderr, RP502) and was left out
  70 an internal error
  130, 143  with --batch: stopped by SIGINT (Ctrl-C) or SIGTERM; one line on stderr says how
     many lines were done, and --output's file is left as it was (it is written whole or not)
"""

# Evaluated, but a pack that would have judged a document has no version in force that day.
EXIT_NOT_IN_FORCE = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = _EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("facts", nargs="+",
                        help="fact files: YAML, JSON or JSON Lines; - for stdin")
    parser.add_argument("--pack", action="append", default=[], metavar="ID",
                        help="evaluate this pack (repeatable; default: every pack whose subject "
                        "is present)")
    parser.add_argument("--as-of", metavar="T",
                        help="judge every document at this ISO 8601 instant or date, in place "
                        "of its own as_of (default: the document's as_of, else now)")
    parser.add_argument("--version", help="pin the version of the single --pack, whatever the "
                        "date (a warning when it is not in force that day)")
    parser.add_argument("--format", choices=("text", "jsonl"),
                        help="text (the default) or jsonl; --batch always writes jsonl")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--rules", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--batch", action="store_true",
                        help="stream the fact files as JSON Lines: one record per line per pack, "
                        "in input order")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="with --batch: evaluate in N processes (default: 1)")
    parser.add_argument("--output", metavar="OUT.jsonl",
                        help="with --batch: write the records to this file (default: stdout)")
    parser.add_argument("--counterfactual", action="store_true",
                        help="after each failing verdict, the fewest facts to change for it to "
                        "pass, and by how much (text output)")


Place = Callable[[Sequence[Problem]], list[Problem]]


def _documents(names: Sequence[str]) -> Iterator[tuple[str, int, Any, Place]]:
    """(the input's name, the line of a JSON Lines document or 0, the document or the
    FactsError that stands for it, and what places a problem of the document at the line and
    column of its value) for every document of every input."""
    for name in names:
        if name == "-":
            text, shown = sys.stdin.read(), "<stdin>"
        else:
            path = Path(name)
            shown = display_path(path)
            try:
                text = read_text(path, shown)
            except FactsError as exc:
                yield shown, 0, exc, list
                continue
        kind = text_kind(shown, text)
        rows = text.split("\n") if kind == "jsonl" else []
        try:
            for line, doc in read_documents(text, shown, kind):
                if kind == "jsonl":
                    yield shown, line, doc, partial(placed, text=rows[line - 1], kind=kind,
                                                    line=line)
                else:
                    yield shown, 0, doc, partial(placed, text=text, kind=kind)
        except FactsError as exc:
            yield shown, 0, exc, list


def run(args: argparse.Namespace) -> int:
    if args.batch:
        return _batch(args)
    if args.jobs != 1 or args.output is not None:
        raise UsageError("--jobs and --output go with --batch")
    at, library, pinned = _prepared(args)
    status = EXIT_OK
    missing = False
    first = True
    for file, line, doc, place in _documents(args.facts):
        try:
            if isinstance(doc, FactsError):
                raise doc
            if not isinstance(doc, dict):
                raise FactsError([Problem(file=file, line=line, code="RP301",
                                          message="a fact document must be a mapping",
                                          value="$")])
            try:
                library.check_facts(doc, file=file)
            except FactsError as exc:
                raise FactsError(place(exc.problems)) from None
            if at is not None:
                doc = {**doc, "as_of": at}
            verdicts = _verdicts(library, doc, args)
            missing = _left_out(library, doc, args, file, line) or missing
        except (FactsError, EvaluationError) as exc:
            status = EXIT_INPUT
            problems = [_at(p, file, line) for p in exc.problems]
            if args.format == "jsonl":
                print(json.dumps({"input": file, "line": line or None,
                                  "error": [p.to_dict() for p in problems]},
                                 ensure_ascii=False))
            print_problems(problems)
            continue
        if pinned is not None and verdicts:
            _warn_pinned(pinned, verdicts[0], file, line)
        if args.format == "jsonl":
            _print_jsonl(verdicts, file, line, args.lang)
        else:
            if not first:
                print()
            first = False
            _print_text(verdicts, file, line, args.lang)
            if args.counterfactual:
                _print_counterfactuals(library, verdicts, doc, args)
    if status == EXIT_OK and missing:
        return EXIT_NOT_IN_FORCE
    return status


def _prepared(args: argparse.Namespace) -> tuple[str | None, Library, PackInfo | None]:
    """The options checked before any document is read: --as-of, the library, the pinned
    version."""
    args.format = args.format or "text"
    if args.counterfactual and args.format != "text":
        raise UsageError("--counterfactual goes with the text output")
    at = as_of_option(args.as_of)
    library = load(rules_path(args.rules))
    if args.version and len(args.pack) != 1:
        raise UsageError("--version needs exactly one --pack")
    for pack_id in args.pack:
        library.versions(pack_id)  # an unknown id is a usage problem before any work
    pinned = library.select(args.pack[0], version=args.version) if args.version else None
    return at, library, pinned


def _left_out(library: Library, doc: dict[str, Any], args: argparse.Namespace, file: str,
              line: int) -> bool:
    """Without --pack, name on stderr the packs about ``doc`` with no version in force on its
    day; whether there were any."""
    if args.pack:
        return False
    left_out = library.not_in_force(doc)
    print_problems([_at(p, file, line) for p in left_out])
    return bool(left_out)


def as_of_option(text: str | None) -> str | None:
    """``--as-of`` checked: the text, or a usage error naming what is wrong with it."""
    if text is None:
        return None
    try:
        Library.resolve_as_of({}, text)
    except FactsError as exc:
        detail = exc.problems[0].message.split(": ", 1)[-1]
        raise UsageError(f"--as-of `{text}` is not an ISO 8601 instant or date ({detail}); "
                         "e.g. 2026-06-01 or 2026-06-01T09:30:00+08:00") from None
    return text


def _warn_pinned(pack: PackInfo, verdict: Verdict, file: str, line: int) -> None:
    day = china_day(verdict.as_of)
    if pack.in_force(day):
        return
    until = pack.effective_until or ""
    where = f"{file}:{line}" if line else file
    print(f"{where}: warning: {pack.id} {pack.version} is not in force on {day} (its window "
          f"is {pack.effective_from}..{until}); judged by it because --version pins it",
          file=sys.stderr)


def _print_jsonl(verdicts: Sequence[Verdict], file: str, line: int, lang: Lang) -> None:
    # verdict.to_dict(lang) plus input (and line), as json.dumps would write that dict: the
    # verdict's own JSON with the keys spliced in before its closing brace.
    added = f', "input": {json.dumps(file, ensure_ascii=False)}'
    if line:
        added += f', "line": {json.dumps(line)}'
    for verdict in verdicts:
        print(f"{verdict.to_json(lang)[:-1]}{added}}}")


def _print_text(verdicts: Sequence[Verdict], file: str, line: int, lang: Lang) -> None:
    where = f"{file}:{line}" if line else file  # a line of JSON Lines
    print(f"== {where} ==")
    if not verdicts:
        print("  (no pack applies: none of the packs is about a subject the document has, in "
              "force on its date and for its platform)" if lang == "en" else
              "  （没有适用的规则包：没有一个规则包的对象在文档中、在其日期有效且适用于其平台）")
    for verdict in verdicts:
        print(verdict.explain(lang))


def _print_counterfactuals(library: Library, verdicts: Sequence[Verdict], doc: dict[str, Any],
                           args: argparse.Namespace) -> None:
    from rulepack.change.counterfactual import counterfactual  # only when asked for

    for verdict in verdicts:
        if verdict.outcome == "fail":
            found = counterfactual(library, verdict.pack, doc, as_of=verdict.as_of,
                                   version=verdict.version)
            print("  " + found.text().replace("\n", "\n  "))


def _batch(args: argparse.Namespace) -> int:
    if args.counterfactual:
        raise UsageError("--counterfactual goes with the text output, not --batch")
    if args.format == "text":
        raise UsageError("--batch writes JSON Lines; leave out --format text")
    if args.jobs < 1:
        raise UsageError("--jobs needs a number of processes, 1 or more")
    if args.version and len(args.pack) != 1:
        raise UsageError("--version needs exactly one --pack")
    from rulepack.batch import jsonl  # its process pool only for --batch

    rules = rules_path(args.rules)
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
        as_of=Library.resolve_as_of({}, as_of_option(args.as_of)), lang=args.lang,
        overrides=args.as_of is not None)
    progress = jsonl.Progress.for_terminal(sys.stderr, jsonl.input_size(args.facts))
    try:
        with jsonl.output(args.output) as out:
            summary = jsonl.run(library, options, args.facts, out, jobs=args.jobs,
                                 progress=progress)
    except jsonl.OutputError as exc:
        print(f"rulepack: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except Stopped as stop:
        written = f"; {args.output} is left as it was" if args.output not in (None, "-") else ""
        print(f"rulepack: stopped by {stop}: {stop.lines:,} line(s) done{written}",
              file=sys.stderr)
        return 128 + stop.signum  # as a shell reports a process a signal ended
    if summary.failed:
        print(f"rulepack: {summary.failed:,} of {summary.lines:,} line(s) failed; their error "
              "records say why", file=sys.stderr)
        return EXIT_INPUT
    return EXIT_OK


def _verdicts(library: Library, doc: dict[str, Any], args: argparse.Namespace) -> list[Verdict]:
    if args.pack:
        # With --version, Library.evaluate marks each verdict pinned.
        return [library.evaluate(p, doc, as_of=args.as_of, version=args.version,
                                 validate=False) for p in args.pack]
    return library.evaluate_all(doc, as_of=args.as_of, validate=False)


def _at(problem: Problem, file: str, line: int) -> Problem:
    """``problem`` placed in its input: the file, and the line of a JSON Lines document."""
    if problem.file and (problem.line or not line):
        return problem
    return replace(problem, file=problem.file or file, line=problem.line or line)
