"""libyaml reads packs as PyYAML's pure-Python parser does: the same data, the same line and
column of every node, key, quoted and block scalar, and the same error at the same place.

Where the two parsers are known to part (a tab, a byte order mark, a `?` or an empty value
inside `{...}`), core.yaml_reader hands the text to the pure-Python parser; the seeded edits of
real files below look for any place where they part that it does not know of.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml

from rulepack.core import yaml_reader
from rulepack.library import pack_files

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted({*ROOT.glob("rules/**/*.yaml"), *ROOT.glob("tests/**/*.yaml"),
                *ROOT.glob("examples/*.yaml")})
PACKS = pack_files(ROOT / "rules")

needs_libyaml = pytest.mark.skipif(not yaml_reader.LIBYAML, reason="PyYAML without libyaml")


def reading(text: str, *, libyaml: bool) -> tuple[Any, ...]:
    """Everything a reader of ``text`` learns: the document with every position, or the error
    with its words and position."""
    try:
        doc = yaml_reader.load(text, libyaml=libyaml)
    except yaml_reader.YamlSyntaxError as exc:
        return ("error", str(exc), exc.position)
    return ("document", doc.data, doc.positions, doc.duplicates, doc.quoted, doc.keys,
            doc.blocks, doc.written)


def test_there_are_files_to_compare() -> None:
    assert len(PACKS) >= 21
    assert len(FILES) > len(PACKS)


@needs_libyaml
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_parsers_read_every_file_of_the_repository_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert reading(text, libyaml=True) == reading(text, libyaml=False)


@needs_libyaml
@pytest.mark.parametrize("path", PACKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_itself_reads_every_bundled_pack(path: Path) -> None:
    # Not the fallback: the fast parser must be the one that reads the bundled packs.
    text = path.read_text(encoding="utf-8")
    assert yaml_reader._C_LOADER is not None
    doc = yaml_reader._load_with(yaml_reader._C_LOADER, text)
    reference = yaml_reader._load_with(yaml_reader._Loader, text)
    assert (doc.data, doc.positions, doc.keys, doc.quoted, doc.blocks, doc.written) == (
        reference.data, reference.positions, reference.keys, reference.quoted,
        reference.blocks, reference.written)


# Each where libyaml alone would part from PyYAML: accept what it refuses, or place a node
# elsewhere.
PARTING = {
    "a tab inside a plain scalar": "a:\n  pas\ts: 1\n",
    "a question mark inside a flow key": "rules: {serv?ice: pass}\n",
    "a question mark starting a flow scalar": "x: [?a, b]\n",
    "an empty value in a flow mapping": "x: {a: , b: 1}\n",
    "an empty key in a flow mapping": "x: {: 1}\n",
    "a byte order mark inside the text": "a: 1\nb\ufeff: 2\n",
    "a character PyYAML refuses": "a: \x07\n",
}


@needs_libyaml
@pytest.mark.parametrize("text", PARTING.values(), ids=PARTING)
def test_where_libyaml_parts_the_reference_parser_reads(text: str) -> None:
    assert reading(text, libyaml=True) == reading(text, libyaml=False)


@needs_libyaml
def test_libyaml_alone_does_part_there() -> None:
    # The cases above are real: PyYAML's own loaders, C and pure Python, answer differently.
    empty = yaml.compose(PARTING["an empty value in a flow mapping"], Loader=yaml.CSafeLoader)
    reference = yaml.compose(PARTING["an empty value in a flow mapping"], Loader=yaml.SafeLoader)
    assert empty.value[0][1].value[0][1].start_mark.column \
        != reference.value[0][1].value[0][1].start_mark.column
    assert yaml.load(PARTING["a question mark inside a flow key"], Loader=yaml.CSafeLoader) \
        == {"rules": {"serv?ice": "pass"}}
    with pytest.raises(yaml.YAMLError):
        yaml.load(PARTING["a question mark inside a flow key"], Loader=yaml.SafeLoader)
    # ... and the reader with libyaml notices, rather than answering.
    assert yaml_reader._C_LOADER is not None
    for text in (PARTING["an empty value in a flow mapping"],
                 PARTING["a question mark inside a flow key"]):
        with pytest.raises(yaml_reader._Unvouched):
            yaml_reader._load_with(yaml_reader._C_LOADER, text)


EDITS = list(":  \t-'\"{}[]#\n&*!|>a1?,%@`\\中~.") + [
    "\r\n", "\ufeff", "\x85", "\u2028", "  ", "\n  ", "- ", ": ", "? ", "...\n", "---\n"]


def edited(rng: random.Random, text: str) -> str:
    """``text`` with one to three characters inserted, deleted or replaced: the slips of a
    hand editing a pack."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(text))
        roll = rng.random()
        if roll < 0.4:
            text = text[:at] + rng.choice(EDITS) + text[at:]
        elif roll < 0.7:
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + rng.choice(EDITS) + text[at + 1:]
    return text


@needs_libyaml
@pytest.mark.parametrize("seed", range(4))
def test_both_parsers_agree_on_edited_files(seed: int) -> None:
    rng = random.Random(seed)
    texts = [path.read_text(encoding="utf-8") for path in FILES]
    outcomes = set()
    for _ in range(60):
        text = edited(rng, rng.choice(texts))
        ours, reference = reading(text, libyaml=True), reading(text, libyaml=False)
        assert ours == reference, text
        outcomes.add(reference[0])
    assert outcomes == {"document", "error"}  # the edits reach both kinds of answer


def test_without_libyaml_the_pure_python_parser_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yaml_reader, "_C_LOADER", None)
    doc = yaml_reader.load("# a comment\nid: demo\nrules: [{id: a}]\n")
    assert doc.data == {"id": "demo", "rules": [{"id": "a"}]}
    assert doc.positions[("id",)] == (2, 5)
    assert doc.keys[("rules", 0, "id")] == (3, 10)
    with pytest.raises(yaml_reader.YamlSyntaxError) as caught:
        yaml_reader.load("a: [1\n")
    assert caught.value.position == (2, 1)
