"""The bundled packs: the catalogue's ids, cited sources, params, their own cases, the examples."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import rulepack
from rulepack.cli.main import main
from rulepack.core import yaml_reader

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

# The public pack ids of the policy catalogue.
CATALOGUE_IDS = {
    "kuaishou.verification", "kuaishou.verification.validity", "kuaishou.publishing",
    "kuaishou.ban.level", "kuaishou.appeal.evidence", "kuaishou.appeal.route",
    "kuaishou.credit_repair", "kuaishou.account_health",
    "kuaishou.signing.qualification", "kuaishou.signing.data_threshold",
    "kuaishou.signing.content_compliance", "kuaishou.signing.business_tier",
    "kuaishou.signing.government_channel", "kuaishou.signing.tech_integration",
    "kuaishou.signing.renewal", "kuaishou.signing.risk_warning",
    "xingtu.entry", "xingtu.penalty_points", "xingtu.conduct", "xingtu.xigua_task.opening",
    "xingtu.xigua_task.lifecycle",
}


@pytest.fixture(scope="module")
def library() -> rulepack.Library:
    return rulepack.load()


def pack_documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted((ROOT / "rules").rglob("*.yaml")):
        if not path.name.endswith(".test.yaml"):
            yield path, yaml_reader.load(path.read_text(encoding="utf-8")).data


def test_every_catalogue_pack_is_bundled(library: rulepack.Library) -> None:
    assert CATALOGUE_IDS <= set(library.ids)


def test_bundled_cases_pass_with_full_rule_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["test", str(ROOT / "rules")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "0 gap(s)" in out


def _sources(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, str]]]:
    for source in doc.get("sources", []):
        yield "pack", source
    for rule in doc.get("rules", []):
        yield rule["id"], rule["source"]
        for row in rule.get("rows", []):
            if "source" in row:
                yield f"{rule['id']}.{row['id']}", row["source"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the repository")
def test_every_quote_is_verbatim_in_its_seed() -> None:
    seeds = {p.name: _squash(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    wrong = []
    for path, doc in pack_documents():
        for where, source in _sources(doc):
            seed = seeds.get(source["seed"])
            if seed is None or _squash(source["quote"]) not in seed:
                wrong.append(f"{path.name} {where}: {source['seed']} 「{source['quote']}」")
    assert not wrong, "\n".join(wrong)


def _expressions(node: Any) -> Iterator[str]:
    # Expression-bearing keys of the pack format; literal table outputs are data, not formulas.
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key in ("require", "when", "pass_if", "all", "any",
                                                  "not", "expr", "points", "start", "floor",
                                                  "ceiling"):
                yield value
            elif key == "set" and isinstance(value, dict):
                yield from (v for v in value.values() if isinstance(v, str))
            elif key not in ("then", "params", "message", "title", "description", "sources",
                             "source", "label"):
                yield from _expressions(value)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str):
                yield item
            else:
                yield from _expressions(item)


def test_thresholds_are_params_not_literals() -> None:
    """Numbers of the policy live in `params`; expressions may only use 0 and 1 as literals."""
    buried = []
    for path, doc in pack_documents():
        for text in _expressions(doc.get("rules", [])):
            for node in ast.walk(ast.parse(text.strip(), mode="eval")):
                if isinstance(node, ast.Constant) and type(node.value) in (int, float) \
                        and node.value not in (0, 1):
                    buried.append(f"{path.name}: `{text}` has {node.value}")
    assert not buried, "\n".join(buried)


EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_evaluate_with_explanations(library: rulepack.Library, example: Path) -> None:
    facts = yaml_reader.load(example.read_text(encoding="utf-8")).data
    verdicts = library.evaluate_all(facts)
    assert verdicts, "no pack applies"
    for verdict in verdicts:
        errors = [r.error for r in verdict.reasons if r.error]
        errors += [c.error for r in verdict.reasons for c in r.checks if c.error]
        assert not errors, f"{verdict.pack}: {errors}"
        for lang in ("zh", "en"):
            text = verdict.explain(lang)  # type: ignore[arg-type]
            assert verdict.pack in text and all(r.rule in text for r in verdict.reasons)


def test_examples_cover_every_subject(library: rulepack.Library) -> None:
    packs = set()
    for example in EXAMPLES:
        facts = yaml_reader.load(example.read_text(encoding="utf-8")).data
        packs |= {v.pack for v in library.evaluate_all(facts)}
    assert packs == set(library.ids)


def test_readme_table_lists_every_pack(library: rulepack.Library) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- packs -->")[1].split("<!-- /packs -->")[0]
    assert re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.MULTILINE) == list(library.ids)


def test_readme_sample_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("```\n$ rulepack eval ", 1)[1].split("```", 1)[0]
    command, expected = block.split("\n", 1)
    monkeypatch.chdir(ROOT)
    assert main(["eval", *command.split()]) == 0
    assert capsys.readouterr().out == expected
