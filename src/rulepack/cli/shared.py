"""What every subcommand of the ``rulepack`` command shares: exit codes, usage errors and the
printing of problems."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from rulepack.core.errors import Problem

EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 70


class Command(Protocol):
    """What a subcommand's module holds."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


class UsageError(Exception):
    """The command line asks for something that cannot be done; exit 2 with a hint."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse would exit 2 itself; keep one path
        raise UsageError(message)


def print_problems(problems: Sequence[Problem], stream: TextIO | None = None) -> None:
    """One line a problem, ``file:line:column: code: message`` and its hint."""
    out = stream or sys.stderr
    for problem in problems:
        print(str(problem), file=out)


def rules_path(value: str | None) -> Path:
    """The pack file or folder named on the command line, else the bundled packs."""
    from rulepack.library import bundled

    return Path(value) if value else bundled("rules")
