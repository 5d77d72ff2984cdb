"""``rulepack list``: every pack version, one line each, or as JSON."""

from __future__ import annotations

import argparse
import json

from rulepack.cli.shared import EXIT_OK, rules_path
from rulepack.library import load, retires


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="?", help="pack file or folder (default: bundled packs)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text (the default), or a JSON array with one object a version")


def run(args: argparse.Namespace) -> int:
    library = load(rules_path(args.rules))
    if args.format == "json":
        print(json.dumps([{
            "id": pack.id, "version": pack.version, "file": pack.file,
            "effective_from": pack.effective_from.isoformat(),
            "effective_until": pack.effective_until.isoformat() if pack.effective_until
            else None,
            "retired": retires(pack), "subject": pack.subject,
            "platforms": list(pack.platforms),
            "title": {"zh": pack.title.zh, "en": pack.title.en}, "digest": pack.digest,
        } for pack in library.packs], ensure_ascii=False, indent=2))
        return EXIT_OK
    for pack in library.packs:
        until = pack.effective_until.isoformat() if pack.effective_until else "open"
        print(f"{pack.id:38} {pack.version:8} {pack.effective_from}..{until:10} "
              f"{pack.subject:12} {pack.title.en}")
    return EXIT_OK
