"""What each command imports: only what it needs, so that an analyst's command starts at once,
and `rulepack test` and everything but `verify` run without Hypothesis installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import rulepack
from rulepack.cli.verify import NO_HYPOTHESIS

# The rulepack under test, wherever it is installed, run from the repository's root.
SRC = Path(rulepack.__file__).resolve().parent.parent
ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLE = ROOT / "examples" / "douyin-creator-xingtu.yaml"

# Runs the command line in a fresh interpreter; with "block", `import hypothesis` fails there
# as it does where Hypothesis is not installed. Then prints which of the heavy modules the
# command imported.
SCRIPT = """\
import json, sys
block = sys.argv[1] == "block"
class NoHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
if block:
    sys.meta_path.insert(0, NoHypothesis())
from rulepack.cli.main import main
try:
    status = main(sys.argv[2:])
except SystemExit as exc:  # --help
    status = exc.code
heavy = ("jsonschema", "simpleeval", "hypothesis", "multiprocessing", "rulepack.engine.codegen",
         "rulepack.testing.strategies")
print(json.dumps({"status": status, "imported": [m for m in heavy if m in sys.modules]}),
      file=sys.stderr)
"""


def command(*argv: str, block: bool = False) -> tuple[int, dict[str, object], str, list[str]]:
    done = subprocess.run([sys.executable, "-c", SCRIPT, "block" if block else "-", *argv],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(SRC)})
    *messages, last = done.stderr.strip().splitlines()
    return done.returncode, json.loads(last), done.stdout, messages


@pytest.mark.parametrize("argv", [("list",), ("check", "rules")], ids=" ".join)
def test_list_and_check_import_no_validator_engine_or_pool(argv: tuple[str, ...]) -> None:
    _, report, _, _ = command(*argv)
    assert report["status"] == 0
    assert report["imported"] == (["simpleeval"] if argv[0] == "check" else [])


def test_eval_imports_the_engine_but_no_validator_or_pool() -> None:
    _, report, out, _ = command("eval", str(EXAMPLE))
    assert report["status"] == 0 and out.startswith("== ")
    assert report["imported"] == ["simpleeval", "rulepack.engine.codegen"]


@pytest.mark.parametrize("argv", [("list",), ("check", "rules"), ("eval", str(EXAMPLE)),
                                  ("test", "rules")], ids=lambda a: a[0])
def test_every_command_but_verify_runs_without_hypothesis(argv: tuple[str, ...]) -> None:
    _, report, out, _ = command(*argv, block=True)
    assert report["status"] == 0, out
    assert "hypothesis" not in report["imported"]


def test_verify_without_hypothesis_says_what_to_install() -> None:
    code, report, out, messages = command("verify", "--budget", "5", block=True)
    assert (code, report["status"], out) == (0, 2, "")
    assert messages == [NO_HYPOTHESIS]
    assert "pip install 'rulepack[verify]'" in NO_HYPOTHESIS


def test_verify_help_needs_no_hypothesis() -> None:
    _, report, out, _ = command("verify", "--help", block=True)
    assert report["status"] == 0 and "--budget" in out
