"""The analyst's loop around versions, through the command line: coverage per version, gaps
between versions, --as-of, pinned versions, folder walking, JSON output."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from rulepack.cli.main import main
from rulepack.library import bundled

DOC = ('{"as_of": "2026-02-13T20:15:00+08:00", "account": {"platform": "douyin", '
       '"fans": 99999, "mcn_signed": false, "violations": []}}')


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    """The bundled xingtu packs with entry split into 1.0.0 (until 2026-05-31) and 1.1.0."""
    folder = tmp_path / "rules"
    shutil.copytree(bundled("rules") / "xingtu", folder / "xingtu")
    old = folder / "xingtu" / "entry.yaml"
    text = old.read_text("utf-8")
    old.write_text(text.replace("effective_from: 2020-12-09\n",
                                "effective_from: 2020-12-09\neffective_until: 2026-05-31\n"),
                   "utf-8")
    (folder / "xingtu" / "entry-1.1.0.yaml").write_text(
        text.replace("version: 1.0.0", "version: 1.1.0")
        .replace("effective_from: 2020-12-09", "effective_from: 2026-06-01")
        .replace("douyin_min_fans: 100000", "douyin_min_fans: 80000"), "utf-8")
    return folder


def end_old_version(rules: Path, line: str) -> None:
    """Put ``line`` where version 1.0.0 says when it ends."""
    old = rules / "xingtu" / "entry.yaml"
    old.write_text(re.sub(r"(?m)^(effective_until|retired_from): .*\n(retired_from: .*\n)?",
                          line + "\n", old.read_text("utf-8")), "utf-8")


def test_a_new_version_without_cases_fails_the_run_and_is_named(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "test", str(rules))
    assert code == 1
    assert "pack `xingtu.entry` 1.1.0 has no test cases" in out
    assert "1 gap(s)" in out
    [row] = [line for line in out.splitlines() if line.startswith("xingtu.entry ")
             and " 1.1.0 " in line]
    assert row.split()[2:] == ["0", "2", "0/4", "incomplete"]


def test_cases_of_one_version_do_not_cover_another(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = rules / "xingtu" / "entry-1.1.0.test.yaml"
    cases.write_text("""\
pack: xingtu.entry
cases:
  - name: 80,000 fans from June
    as_of: 2026-06-01
    facts: {account: {platform: douyin, fans: 80000, mcn_signed: false, violations: []}}
    expect: {outcome: fail}
""", "utf-8")
    code, out, _ = run(capsys, "test", str(rules), "--format", "json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    [case] = [c for c in report["cases"] if c["file"].endswith("entry-1.1.0.test.yaml")]
    assert (case["version"], case["passed"]) == ("1.1.0", False)
    assert case["differences"] == ["outcome: expected fail, got pass"]
    coverage = {(c["pack"], c["version"]): c for c in report["coverage"]}
    assert coverage["xingtu.entry", "1.0.0"]["complete"]
    assert (coverage["xingtu.entry", "1.1.0"]["cases"],
            coverage["xingtu.entry", "1.1.0"]["complete"]) == (1, False)
    assert any("`xingtu.entry` 1.1.0 rule `audience` never seen fail" in g
               for g in report["gaps"])
    code, out, _ = run(capsys, "test", str(rules))
    assert "entry-1.1.0.test.yaml:3: 80,000 fans from June (xingtu.entry 1.1.0)" in out


def test_a_gap_between_versions_is_reported_unless_the_old_one_retires(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    end_old_version(rules, "effective_until: 2026-05-20")
    code, _, err = run(capsys, "check", str(rules))
    assert code == 1
    assert "entry-1.1.0.yaml:4:17: RP112: no version of `xingtu.entry` is in force from " \
        "2026-05-21 to 2026-05-31" in err
    assert "`retired_from: 2026-05-21`" in err
    end_old_version(rules, "retired_from: 2026-05-21")
    assert run(capsys, "check", str(rules))[0] == 0
    [old] = [p for p in json.loads(run(capsys, "list", str(rules), "--format", "json")[1])
             if p["id"] == "xingtu.entry" and p["version"] == "1.0.0"]
    assert (old["effective_until"], old["retired"]) == ("2026-05-20", True)
    facts = rules.parent / "doc.json"
    facts.write_text(DOC, "utf-8")
    # In the withdrawn days the pack is left out on purpose: not a missing version.
    code, _, err = run(capsys, "eval", str(facts), "--rules", str(rules), "--as-of", "2026-05-25")
    assert (code, err) == (0, "")


def test_retired_from_must_follow_effective_until(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    end_old_version(rules, "effective_until: 2026-05-20\nretired_from: 2026-05-25")
    code, _, err = run(capsys, "check", str(rules))
    assert code == 1
    assert "RP111: retired_from 2026-05-25 is not the day after effective_until 2026-05-20" in err
    assert "write retired_from: 2026-05-21" in err


def test_eval_names_the_packs_with_no_version_in_force(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "doc.json"
    facts.write_text(DOC, "utf-8")
    code, out, err = run(capsys, "eval", str(facts), "--rules", str(rules),
                         "--as-of", "2020-06-01", "--lang", "en")
    assert code == 3
    assert "RP502: no version of `xingtu.entry` is in force on 2020-06-01" in err
    assert "no pack applies" in out
    assert run(capsys, "eval", str(facts), "--rules", str(rules))[0] == 0


def test_as_of_replaces_the_documents_own_and_is_validated(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "doc.json"
    facts.write_text(DOC, "utf-8")
    base = ("eval", str(facts), "--rules", str(rules), "--pack", "xingtu.entry",
            "--format", "jsonl")
    [own] = [json.loads(line) for line in run(capsys, *base)[1].splitlines()]
    assert (own["version"], own["outcome"]) == ("1.0.0", "fail")
    [june] = [json.loads(line) for line in
              run(capsys, *base, "--as-of", "2026-06-01")[1].splitlines()]
    assert (june["version"], june["outcome"], june["as_of"]) == (
        "1.1.0", "pass", "2026-06-01T00:00:00+08:00")
    code, out, err = run(capsys, *base, "--as-of", "2026-13-45")
    assert (code, out) == (2, "")
    assert "--as-of `2026-13-45` is not an ISO 8601 instant or date" in err


def test_a_version_pinned_outside_its_window_is_a_warning(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "doc.json"
    facts.write_text(DOC, "utf-8")
    base = ("eval", str(facts), "--rules", str(rules), "--pack", "xingtu.entry")
    code, out, err = run(capsys, *base, "--version", "1.1.0")
    assert code == 0 and "xingtu.entry 1.1.0" in out
    assert "warning: xingtu.entry 1.1.0 is not in force on 2026-02-13 (its window is " \
        "2026-06-01..)" in err
    assert run(capsys, *base, "--version", "1.0.0")[2] == ""


def test_a_folder_is_read_without_hidden_folders_venvs_or_fact_documents(
        rules: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = "id: broken\n"
    for folder in (rules / ".hidden", rules / "venv"):
        folder.mkdir()
        (folder / "broken.yaml").write_text(broken, "utf-8")
    (rules / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n", "utf-8")
    (rules / "doc.yaml").write_text("as_of: 2026-02-13\naccount: {fans: 1}\n", "utf-8")
    assert run(capsys, "check", str(rules))[0] == 0
    # A broken pack outside them is still found, and a fact document named directly is an error.
    (rules / "broken.yaml").write_text(broken, "utf-8")
    code, _, err = run(capsys, "check", str(rules))
    assert code == 1 and "broken.yaml" in err and ".hidden" not in err
    (rules / "broken.yaml").unlink()
    code, _, err = run(capsys, "check", str(rules / "doc.yaml"))
    assert code == 1 and "RP103" in err


@pytest.mark.parametrize(("written", "meant"), [
    ('"10万"', "100000"), ("100,000", "100000"), ("1e5", "100000"), ('"1.5万"', "15000")])
def test_a_number_written_as_text_is_reported_at_the_param(
        rules: Path, capsys: pytest.CaptureFixture[str], written: str, meant: str) -> None:
    new = rules / "xingtu" / "entry-1.1.0.yaml"
    new.write_text(new.read_text("utf-8").replace("douyin_min_fans: 80000",
                                                  f"douyin_min_fans: {written}"), "utf-8")
    line = next(n for n, text in enumerate(new.read_text("utf-8").splitlines(), 1)
                if text.startswith("  douyin_min_fans:"))
    code, _, err = run(capsys, "check", str(new))
    assert code == 1
    assert f"entry-1.1.0.yaml:{line}:20: RP214: param `douyin_min_fans` is the text " in err
    assert f"help: write {meant} " in err


def test_version_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("rulepack ")


def test_a_verdict_says_when_its_version_was_pinned(
        rules: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    facts = tmp_path / "doc.json"
    facts.write_text(DOC, "utf-8")
    base = ("eval", str(facts), "--rules", str(rules), "--pack", "xingtu.entry")
    for pin in ("1.1.0", "1.0.0"):  # outside its window on the day judged, and inside
        verdict = json.loads(run(capsys, *base, "--version", pin, "--format", "jsonl")[1])
        assert (verdict["version"], verdict["pinned"]) == (pin, True)
        assert f"version {pin} pinned by the caller" in run(capsys, *base, "--version", pin,
                                                            "--lang", "en")[1]
    chosen = json.loads(run(capsys, *base, "--format", "jsonl")[1])
    assert chosen["version"] == "1.0.0" and "pinned" not in chosen
    assert "pinned" not in run(capsys, *base, "--lang", "en")[1]
    lines = tmp_path / "docs.jsonl"
    lines.write_text(DOC + "\n", "utf-8")
    batch = ("eval", "--batch", str(lines), "--rules", str(rules), "--pack", "xingtu.entry")
    pinned = json.loads(run(capsys, *batch, "--version", "1.1.0")[1])
    assert (pinned["version"], pinned["pinned"]) == ("1.1.0", True)
    assert "pinned" not in json.loads(run(capsys, *batch)[1])


def test_a_pinned_verdict_is_the_same_verdict_marked() -> None:
    import rulepack

    library = rulepack.load()
    doc = json.loads(DOC)
    verdict = library.evaluate("xingtu.entry", doc)
    pinned = verdict.pinned_copy()
    assert (verdict.pinned, pinned.pinned) == (False, True)
    assert pinned.to_dict("zh") == {**verdict.to_dict("zh"), "pinned": True}
    assert json.loads(pinned.to_json("en")) == pinned.to_dict("en")
    assert pinned.explain("zh").replace("  （版本 1.0.0 由调用方指定，不按日期选择）\n", "") \
        == verdict.explain("zh")


def test_python_callers_that_pin_a_version_get_a_pinned_verdict() -> None:
    import rulepack

    library = rulepack.load()
    doc = json.loads(DOC)
    assert library.evaluate("xingtu.entry", doc, version="1.0.0").pinned
    assert not library.evaluate("xingtu.entry", doc).pinned
    for as_of in (None, "2026-03-01"):  # the general path, and the one prepared for as_of
        facts = {k: v for k, v in doc.items() if k != "as_of"}
        assert library.evaluator("xingtu.entry", as_of=as_of, version="1.0.0")(facts).pinned
        assert not library.evaluator("xingtu.entry", as_of=as_of)(facts).pinned
