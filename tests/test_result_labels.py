"""A pack's ``labels:`` give its result codes words: explain() and messages show the label in
the language asked, JSON keeps the code, and a label for a field no rule sets is RP215."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

import rulepack
from rulepack.library import bundled

CORPUS = Path(__file__).resolve().parent / "golden" / "corpus.jsonl.gz"
# A code is a word a program reads (manual_review, 3-7 days), not a date, time or tier letter.
CODE = re.compile(r"^(?![0-9]{4}-)(?=.*[a-z])[a-z0-9][a-z0-9_ -]*$")

BAN = {"as_of": "2026-03-01", "account": {"ban": {"level": 2, "category": "content"}}}


def test_chinese_explanations_show_the_labels_and_json_keeps_the_codes() -> None:
    library = rulepack.load()
    verdict = library.evaluate("kuaishou.ban.level", BAN)
    zh = verdict.explain("zh")
    assert "channel=人工审核" in zh and "解封时限 3-7天，申诉渠道 人工审核" in zh
    assert "manual_review" not in zh and "3-7 days" not in zh
    assert "channel=manual review" in verdict.explain("en")
    for lang in ("zh", "en"):
        data = json.loads(verdict.to_json(lang=lang))
        assert data["result"]["channel"] == "manual_review"
        assert data["result"]["unban"] == "3-7 days"
    assert "人工审核" in json.loads(verdict.to_json(lang="zh"))["reasons"][0]["message"]


def test_every_code_the_bundled_packs_give_has_words_in_both_languages() -> None:
    """Over the golden corpus (every bundled pack, 3,000 documents): a result field that holds
    codes has a label for each code it was seen to hold."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if "json_en" not in record.get("out", {}):
                continue
            data = json.loads(record["out"]["json_en"])
            for name, value in (data.get("result") or {}).items():
                items = value if isinstance(value, (list, dict)) else [value]
                seen[data["pack"], name].update(
                    item for item in items if isinstance(item, str) and CODE.match(item))
    library = rulepack.load()
    unlabelled = {}
    for (pack_id, name), codes in seen.items():
        labels = {code for info in library.versions(pack_id) for code in info.labels.get(name, {})}
        missing = sorted(code for code in codes if code not in labels)
        if missing:
            unlabelled[f"{pack_id} result.{name}"] = missing
    assert len(seen) > 15 and not unlabelled, unlabelled


def test_a_code_without_a_label_is_shown_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(bundled("rules") / "kuaishou", folder)
    pack = folder / "ban.level.yaml"
    text = pack.read_text("utf-8")
    pack.write_text(text.replace("    manual_review: {zh: 人工审核, en: manual review}\n", ""),
                    "utf-8")
    zh = rulepack.load(folder).evaluate("kuaishou.ban.level", BAN).explain("zh")
    assert "channel=manual_review" in zh and "3-7天" in zh


def test_labels_for_a_field_no_rule_sets_are_rp215_at_the_field(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    shutil.copytree(bundled("rules") / "kuaishou", folder)
    pack = folder / "ban.level.yaml"
    lines = pack.read_text("utf-8").splitlines(keepends=True)
    at = lines.index("  channel:\n")
    lines[at] = "  chanel:\n"
    pack.write_text("".join(lines), "utf-8")
    with pytest.raises(rulepack.PackError) as caught:
        rulepack.load(folder)
    [problem] = [p for p in caught.value.problems if p.code == "RP215"]
    assert (Path(problem.file).name, problem.line, problem.column) == ("ban.level.yaml", at + 1, 3)
    assert problem.value == "chanel" and "channel" in (problem.hint or "")
