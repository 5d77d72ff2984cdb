"""rulepack diff: what differs between two sets of packs, as data, text, JSON and exit codes."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from rulepack.change.diff import diff
from rulepack.change.sources import from_git
from rulepack.cli import diff as diff_command

RULES = Path(__file__).resolve().parent.parent / "rules"


def _copy(tmp_path: Path, name: str = "rules") -> Path:
    target = tmp_path / name
    shutil.copytree(RULES, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="rulepack diff")
    diff_command.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = diff_command.run(parser.parse_args(list(argv)), out, err)
    return code, out.getvalue(), err.getvalue()


def test_identical_folders_have_no_change(tmp_path: Path) -> None:
    copy = _copy(tmp_path)
    result = diff(RULES, copy)
    assert not result.changed
    assert len(result.unchanged) == 21
    code, out, _ = _run(str(RULES), str(copy))
    assert code == 0 and "no change" in out


def test_a_param_an_expression_and_a_quote_are_each_reported_in_their_section(
        tmp_path: Path) -> None:
    new = _copy(tmp_path)
    entry = new / "xingtu" / "entry.yaml"
    _edit(entry, "douyin_min_fans: 100000", "douyin_min_fans: 80000")
    _edit(entry, "count(account.violations) == 0", "count(account.violations) <= 1")
    _edit(entry, "quote: 账号不可有违规,否则不予开通星图。", "quote: 账号不可有违规。")
    result = diff(RULES, new)
    assert [p.id for p in result.packs] == ["xingtu.entry"]
    (version,) = result.pack("xingtu.entry").versions
    assert version.status == "changed" and version.version == "1.0.0"
    found = {(c.section, c.path, c.kind, c.old, c.new) for c in version.changes}
    assert found == {
        ("params", "params.douyin_min_fans", "changed", 100000, 80000),
        ("rules", "rules.no_violation.require.expr", "changed",
         "count(account.violations) == 0", "count(account.violations) <= 1"),
        ("citations", "rules.no_violation.source.quote", "changed",
         "账号不可有违规,否则不予开通星图。", "账号不可有违规。"),
    }
    text = result.text()
    assert "params.douyin_min_fans: 100000 → 80000" in text
    code, out, _ = _run(str(RULES), str(new), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["changed"] is True
    assert data["packs"][0]["versions"][0]["changes"][0] == {
        "section": "params", "path": "params.douyin_min_fans", "kind": "changed",
        "old": 100000, "new": 80000}


def test_a_condition_inside_a_group_is_named_by_its_place(tmp_path: Path) -> None:
    new = _copy(tmp_path)
    _edit(new / "xingtu" / "entry.yaml", "account.platform in ('xigua', 'huoshan')",
          "account.platform in ('xigua', 'huoshan', 'toutiao')")
    (version,) = diff(RULES, new).pack("xingtu.entry").versions
    (change,) = version.changes
    assert change.path == "rules.audience.require.any[1].all[0]"
    assert change.new == "account.platform in ('xigua', 'huoshan', 'toutiao')"


def test_rows_and_rules_are_paired_by_id_not_position(tmp_path: Path) -> None:
    new = _copy(tmp_path)
    tier = new / "kuaishou" / "signing.business_tier.yaml"
    _edit(tier, "resources: [splash_ad, challenge_title_sponsorship, live_room_pin]",
          "resources: [splash_ad, challenge_title_sponsorship]")
    (version,) = diff(RULES, new).pack("kuaishou.signing.business_tier").versions
    assert [(c.section, c.path, c.kind, c.new) for c in version.changes] == [
        ("rows", "rules.tier.rows.S.then.resources", "changed",
         ["splash_ad", "challenge_title_sponsorship"])]
    # Swapping two rules is not a change.
    entry = new / "xingtu" / "entry.yaml"
    text = entry.read_text(encoding="utf-8")
    head, rules = text.split("rules:\n", 1)
    body, props = rules.split("properties:\n", 1)
    first, second = body.split("  - id: no_violation\n")
    entry.write_text(head + "rules:\n  - id: no_violation\n" + second + first
                     + "properties:\n" + props, encoding="utf-8")
    assert "xingtu.entry" not in {p.id for p in diff(RULES, new).packs}


def test_a_new_version_is_compared_with_the_one_before_it(tmp_path: Path) -> None:
    new = _copy(tmp_path)
    old_file = new / "kuaishou" / "publishing.yaml"
    newer = new / "kuaishou" / "publishing-1.1.0.yaml"
    newer.write_text(old_file.read_text(encoding="utf-8").replace("version: 1.0.0",
                     "version: 1.1.0").replace("effective_from: 2020-01-01",
                     "effective_from: 2027-01-01"), encoding="utf-8")
    _edit(old_file, "effective_from: 2020-01-01",
          "effective_from: 2020-01-01\neffective_until: 2026-12-31")
    pack = diff(RULES, new).pack("kuaishou.publishing")
    by_version = {v.version: v for v in pack.versions}
    assert by_version["1.0.0"].status == "changed"
    assert [(c.section, c.kind, c.new) for c in by_version["1.0.0"].changes] == [
        ("window", "added", "2026-12-31")]
    added = by_version["1.1.0"]
    assert (added.status, added.base, added.effective_from) == ("added", "1.0.0", "2027-01-01")
    assert [(c.path, c.old, c.new) for c in added.changes] == [
        ("effective_from", "2020-01-01", "2027-01-01")]
    # And the other way round, the version is removed.
    back = diff(new, RULES).pack("kuaishou.publishing")
    assert {v.version: v.status for v in back.versions} == {"1.0.0": "changed",
                                                            "1.1.0": "removed"}


def test_packs_added_and_removed(tmp_path: Path) -> None:
    new = _copy(tmp_path)
    (new / "kuaishou" / "publishing.yaml").unlink()
    result = diff(RULES, new)
    assert [(p.id, p.status) for p in result.packs] == [("kuaishou.publishing", "removed")]
    assert diff(new, RULES).packs[0].status == "added"


def test_a_side_that_does_not_load_is_trouble_not_a_difference(tmp_path: Path) -> None:
    new = _copy(tmp_path)
    _edit(new / "xingtu" / "entry.yaml", "account.fans >= params.douyin_min_fans",
          "account.fanz >= params.douyin_min_fans")
    code, out, err = _run(str(RULES), str(new))
    assert code == 2 and out == ""
    assert "RP203" in err and "entry.yaml" in err


def test_against_a_git_revision_reads_the_commit_and_leaves_the_work_tree(
        tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    rules = _copy(repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "packs"], check=True)
    entry = rules / "xingtu" / "entry.yaml"
    _edit(entry, "douyin_min_fans: 100000", "douyin_min_fans: 80000")
    before = entry.read_text(encoding="utf-8")
    code, out, _ = _run(str(rules), "--against", "HEAD")
    assert code == 1
    assert "--- HEAD:rules" in out and "params.douyin_min_fans: 100000 → 80000" in out
    assert entry.read_text(encoding="utf-8") == before
    status = subprocess.run([*git, "status", "--porcelain"], check=True, capture_output=True,
                            text=True).stdout
    assert status.strip() == "M rules/xingtu/entry.yaml"
    assert len(from_git(rules, "HEAD").packs) == 21
    code, _, err = _run(str(rules), "--against", "no-such-ref")
    assert code == 2 and "git ls-tree failed" in err


@pytest.mark.parametrize("argv", [["rules"], ["a", "b", "--against", "HEAD"]])
def test_old_and_new_or_one_folder_and_against(argv: list[str]) -> None:
    code, _, err = _run(*argv)
    assert code == 2 and "--against" in err
