"""``rulepack check``: load and compile every pack, then verify its decision tables, and with
``--sources`` check every citation against the documents it cites."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rulepack.analysis.citations import WARNINGS, citation_problems, load_sources
from rulepack.analysis.tables import table_problems
from rulepack.cli.shared import EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, print_problems, rules_path
from rulepack.core.errors import PackError, Problem
from rulepack.library import display_path, load, models_of, pack_files


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--sources", metavar="DIR",
                        help="folder of the source documents the packs cite: every quote must "
                        "occur in its file (RP607, RP608); a quote stating an amount its rule "
                        "does not apply is a warning (RP609)")
    parser.add_argument("--sandboxed", action="store_true",
                        help="list, per pack version, the expressions that run in the sandbox "
                        "rather than as compiled code (slower, same answers)")


def run(args: argparse.Namespace) -> int:
    root = rules_path(args.rules)
    sources = None
    if args.sources is not None:
        folder = Path(args.sources)
        if not folder.is_dir():
            print(f"rulepack: --sources needs a folder of source documents: {args.sources}",
                  file=sys.stderr)
            return EXIT_INPUT
        sources = load_sources(folder)
    warnings: list[Problem] = []
    try:
        library = load(root)
        # Packs that compile are then verified statically: every decision table's rows.
        models = models_of(library)
        findings = [p for pack in models.packs for p in table_problems(pack, models.schema)]
        if sources is not None:
            cited = [p for file in pack_files(root)
                     for p in citation_problems(file, display_path(file), sources)]
            findings += [p for p in cited if p.code not in WARNINGS]
            warnings = [p for p in cited if p.code in WARNINGS]
        if findings:
            raise PackError(findings + warnings)
    except PackError as exc:
        if args.format == "json":
            print(json.dumps([p.to_dict() for p in exc.problems], ensure_ascii=False, indent=2))
        else:
            print_problems(exc.problems)
            files = len({p.file for p in exc.problems})
            print(f"{len(exc.problems)} problem(s) in {files} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    # Compiling every version is what finds the expressions left to the sandbox.
    sandboxed = {f"{pack.id}@{pack.version}": models.sandboxed(pack)
                 for pack in models.packs} if args.sandboxed else {}
    if args.format == "json":
        report = [p.to_dict() for p in warnings]
        if args.sandboxed:
            print(json.dumps({"warnings": report, "sandboxed": sandboxed}, ensure_ascii=False,
                             indent=2))
        else:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        return EXIT_OK
    print_problems(warnings)
    for pack, texts in sandboxed.items():
        print(f"{pack}: " + (f"{len(texts)} expression(s) run in the sandbox" if texts
                             else "every expression compiled"))
        for text in texts:
            print(f"  {text}")
    noted = f", {len(warnings)} warning(s)" if warnings else ""
    print(f"ok: {len(library.ids)} pack(s), {len(library.packs)} version(s) in "
          f"{display_path(root)}{noted}")
    return EXIT_OK
