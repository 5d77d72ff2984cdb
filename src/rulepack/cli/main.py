"""The ``rulepack`` command: the parser, the dispatch to one module per subcommand, and the
exit codes.

Exit codes: 0 done; 1 the packs or their tests have problems; 2 the input could not be used
(bad arguments, unreadable or invalid fact documents, unknown pack or version); 70 an internal
error (a bug: please report it with the input). No traceback reaches the user unless
``RULEPACK_DEBUG=1`` is set.

Only the module of the subcommand that runs is imported, and with it only what that
subcommand needs: `rulepack list` never imports the engine, Hypothesis or a process pool.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, cast

from rulepack.cli.shared import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PROBLEMS,
    Command,
    Parser,
    UsageError,
    print_problems,
)
from rulepack.core.errors import PackError, RulepackError

# name: (module, one line of help), in the order `rulepack --help` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("rulepack.cli.check", "load and compile every pack; report every problem"),
    "list": ("rulepack.cli.listing", "list the packs and their versions"),
    "eval": ("rulepack.cli.evaluate", "evaluate fact documents against the packs"),
    "verify": ("rulepack.cli.verify", "check the packs' declared properties and complete "
               "tables on generated fact documents"),
    "test": ("rulepack.cli.test", "run the test cases kept beside the packs"),
    "diff": ("rulepack.cli.diff", "compare two sets of packs, or a folder with a git revision"),
    "impact": ("rulepack.cli.impact", "what a change of the packs does to a corpus of fact "
               "documents"),
    "sweep": ("rulepack.cli.sweep", "one param swept over a range of values, over a corpus"),
}


def parser(command: str | None = None) -> tuple[argparse.ArgumentParser, Command | None]:
    """The parser, with the options of ``command`` (the module it runs comes back with it);
    the other subcommands are only named."""
    top = Parser(prog="rulepack", description="Versioned YAML rule packs for platform "
                 "policy, evaluated into explained verdicts.")
    top.add_argument("--version", action=_Version, help="print the version and exit")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    module = None
    for name, (module_name, summary) in COMMANDS.items():
        subparser = sub.add_parser(name, help=summary)
        if name == command:
            module = cast(Command, importlib.import_module(module_name))
            module.add_arguments(subparser)
    return top, module


class _Version(argparse.Action):
    """``--version``, read from the installed metadata only when asked: start-up stays cheap."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs["nargs"] = 0
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(f"rulepack {installed_version()}")
        parser.exit()


def installed_version() -> str:
    """The version of the installed distribution (read only when ``--version`` asks)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("rulepack")
    except PackageNotFoundError:
        return "(not installed: run from a source tree)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        top, module = parser(argv[0] if argv and argv[0] in COMMANDS else None)
        args = top.parse_args(argv)
        if module is None:
            top.print_help(sys.stderr)
            return EXIT_INPUT
        return module.run(args)
    except UsageError as exc:
        print(f"rulepack: {exc}\n  help: run `rulepack --help`", file=sys.stderr)
        return EXIT_INPUT
    except PackError as exc:
        print_problems(exc.problems)
        return EXIT_PROBLEMS
    except RulepackError as exc:
        print_problems(exc.problems)
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
