"""The README's tour for analysts, followed literally on a copy of the bundled packs: its
blocks are read from the README, its commands run, and what it says they print is checked."""

from __future__ import annotations

import os
import re
import shutil
import textwrap
from pathlib import Path

import pytest

from rulepack.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


def tour() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    return text[text.index("## A tour for analysts"):text.index("## Python API")]


def blocks(section: str) -> list[tuple[str, str]]:
    """Every fenced block of the section: (language, text), dedented."""
    return [(lang, textwrap.dedent(body)) for lang, body in
            re.findall(r"```(\w+)\n(.*?)^\s*```", section, re.MULTILINE | re.DOTALL)]


def run(capsys: pytest.CaptureFixture[str], command: str) -> tuple[int, str, str]:
    """A `rulepack ...` command line of the tour, as written (no quotes needed)."""
    argv = command.split()
    assert argv[0] == "rulepack"
    code = main(argv[1:])
    out, err = capsys.readouterr()
    return code, out, err


def said(section: str, pattern: str) -> str:
    """The command the tour names in backticks, matched by ``pattern``."""
    match = re.search(f"`(rulepack {pattern}[^`]*)`", section)
    assert match, pattern
    return match[1]


def test_the_tour_works_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    section = tour()
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    found = blocks(section)
    (_, copy), (_, new_keys), (_, old_end), (_, cases) = found
    # Step 1: the copy, the new version's keys, the old version's end.
    source, target = copy.split()[1:]
    assert copy.split()[0] == "cp"
    shutil.copy(source, target)
    new = Path(target).read_text("utf-8")
    for line in new_keys.splitlines():
        key = line.strip().split(":")[0]
        if line.startswith("#") or key == "params":
            continue
        new, count = re.subn(rf"(?m)^(\s*){re.escape(key)}: .*$",
                             lambda m, line=line: m[1] + line.strip(), new)
        assert count == 1, key
    Path(target).write_text(new, "utf-8")
    old = Path(source).read_text("utf-8")
    Path(source).write_text(re.sub(r"(?m)^(effective_from: .*\n)", r"\1" + old_end, old),
                            "utf-8")
    # Step 2: check.
    code, out, _ = run(capsys, said(section, "check rules"))
    assert code == 0
    assert re.search(r"says `(ok: [^`]*)`", section)[1] in out  # type: ignore[index]
    # Step 3: test fails naming the version, then passes with the new cases.
    test = said(section, "test rules")
    code, out, _ = run(capsys, test)
    assert code == 1
    assert "pack `xingtu.entry` 1.1.0 has no test cases" in out
    name = re.search(r"Add\s+`([^`]+\.test\.yaml)`", section)[1]  # type: ignore[index]
    Path(name).write_text(cases, "utf-8")
    code, out, _ = run(capsys, test)
    assert code == 0, out
    assert re.search(r"(?m)^xingtu\.entry +1\.1\.0 +3 +2 +4/4$", out)
    # Step 4: eval at the document's own date, then at the new version's first day.
    evaluate = said(section, "eval examples")
    code, out, _ = run(capsys, evaluate)
    assert code == 0 and "xingtu.entry 1.0.0" in out and "outcome: fail" in out
    code, out, _ = run(capsys, evaluate + " --as-of 2026-06-01")
    assert code == 0 and "xingtu.entry 1.1.0" in out and "outcome: pass" in out
    assert "fans 99,999 ≥ 80,000" in out
    # The gap the tour warns of.
    Path(source).write_text(Path(source).read_text("utf-8").replace(
        "effective_until: 2026-05-31", "effective_until: 2026-05-20"), "utf-8")
    code, _, err = run(capsys, said(section, "check rules"))
    assert code == 1 and "RP112" in err and "2026-05-21 to 2026-05-31" in err
    assert os.path.exists(name)
