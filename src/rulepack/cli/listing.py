"""``rulepack list``: every pack version, one line each."""

from __future__ import annotations

import argparse

from rulepack.cli.shared import EXIT_OK, rules_path
from rulepack.library import load


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")


def run(args: argparse.Namespace) -> int:
    library = load(rules_path(args.rules))
    for pack in library.packs:
        until = pack.effective_until.isoformat() if pack.effective_until else "open"
        print(f"{pack.id:38} {pack.version:8} {pack.effective_from}..{until:10} "
              f"{pack.subject:12} {pack.title.en}")
    return EXIT_OK
