"""Citations checked against their sources: every quote occurs in the document it cites, and a
number a quote states is one its rule applies.

A rule cites the sentence of the policy it encodes (``source: {seed, quote}``); packs and table
rows may cite too. Given the folder of source documents, :func:`citation_problems` reports

- ``RP607`` a citation whose file is not among the sources;
- ``RP608`` a quote that does not occur, after :func:`normalise`, in the text of its file;
- ``RP609`` (a warning, see :data:`WARNINGS`) a rule whose quote states an amount (``10万``,
  ``12分``, ``1.5%-3%``) that no param or literal of the rule equals: the citation and the
  threshold applied have drifted apart, as when a fan threshold is edited to 80,000 under the
  sentence 「粉丝最少需要10万以上」.

Quotes are compared after one explicit normalisation, the same for quote and source:
Unicode NFKC (full-width letters, digits and ``，：；？！（）`` become their ASCII forms), then
the CJK punctuation NFKC keeps (``。、“”‘’「」『』【】``) mapped to ASCII look-alikes, then every
whitespace character removed (sources are web pages whose line breaks fall anywhere). Nothing
else is forgiven: a changed word, digit or unit is a different quote.

The checks read the pack files as YAML with positions (not the compiled model, which keeps no
position for a citation), so every problem points at the quote's own line and column.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import Problem, did_you_mean

# Codes that report a likely mistake without making `rulepack check` fail.
WARNINGS = frozenset({"RP609"})

_PUNCTUATION = str.maketrans({
    "。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'",
    "「": '"', "」": '"', "『": '"', "』": '"', "【": "[", "】": "]",
    "〜": "~", "～": "~", "－": "-", "—": "-", "–": "-",
})
_SPACE = re.compile(r"\s+")

# A number as policies state a threshold: digits (thousands commas allowed) with an optional
# decimal part and a unit that makes it an amount: a magnitude (万 = 10^4, 亿 = 10^8), a percent
# sign, or 分 (points; not 分钟, minutes). Bare numbers (9小时, 3年, 第1张) are too often counts,
# durations or statistics to warn on. A range states its unit once, at its end: 1000-5000万 is
# 1000万 to 5000万, 1.5%-3% is 1.5% to 3%.
_AMOUNT = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_NUMBER = re.compile(rf"(?<![\d.,]){_AMOUNT}(?:\s*(%)?\s*[-~至到]\s*{_AMOUNT})?"
                     r"\s*(万|亿|%|分(?!钟))")
_MAGNITUDE = {"万": 10_000, "亿": 100_000_000}

# Expression-bearing keys of the pack format, whose literals count as values a rule uses.
_EXPRESSION_KEYS = frozenset({"require", "when", "pass_if", "all", "any", "not", "expr",
                              "points", "start", "floor", "ceiling", "set", "then"})
_PARAM = re.compile(r"\bparams\.([A-Za-z_][A-Za-z0-9_]*)")


def normalise(text: str) -> str:
    """``text`` as quotes and sources are compared (see the module docstring)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).translate(_PUNCTUATION))


@dataclass(frozen=True)
class Citation:
    """One ``source`` block of a pack file: where it stands, what it cites, and the values
    its rule uses (none for the pack's own sources)."""

    seed: str
    quote: str
    at: tuple[int, int]
    rule: str | None
    values: frozenset[float] | None


def load_sources(folder: Path) -> dict[str, str]:
    """The text of every file directly in ``folder``, by file name, normalised."""
    return {path.name: normalise(path.read_text(encoding="utf-8"))
            for path in sorted(folder.iterdir()) if path.is_file()}


def citation_problems(file: Path, display: str, sources: Mapping[str, str]) -> list[Problem]:
    """Every citation problem of one pack file against ``sources`` (from :func:`load_sources`).

    A file that does not read as YAML has no citations to check: loading it reports why.
    """
    try:
        doc = yaml_reader.load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml_reader.YamlSyntaxError):
        return []
    if not isinstance(doc.data, dict):
        return []
    pack = doc.data.get("id") if isinstance(doc.data.get("id"), str) else None
    problems: list[Problem] = []
    for citation in citations(doc):
        problems.extend(_problems(citation, display, pack, sources))
    return sorted(problems)


def citations(doc: yaml_reader.Positioned) -> Iterator[Citation]:
    """The citations of one positioned pack document, in file order."""
    data = doc.data
    params = data.get("params") if isinstance(data.get("params"), dict) else {}
    for index, source in enumerate(_list(data.get("sources"))):
        yield from _citation(doc, source, ("sources", index), None, None)
    for index, rule in enumerate(_list(data.get("rules"))):
        if not isinstance(rule, dict):
            continue
        rule_id = rule.get("id") if isinstance(rule.get("id"), str) else None
        values = _values_of(rule, params)
        yield from _citation(doc, rule.get("source"), ("rules", index, "source"), rule_id,
                             values)
        for row_index, row in enumerate(_list(rule.get("rows"))):
            if isinstance(row, dict) and "source" in row:
                path = ("rules", index, "rows", row_index, "source")
                yield from _citation(doc, row["source"], path, rule_id, values)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _citation(doc: yaml_reader.Positioned, source: Any, path: yaml_reader.Path,
              rule: str | None, values: frozenset[float] | None) -> Iterator[Citation]:
    if not isinstance(source, dict):
        return
    seed, quote = source.get("seed"), source.get("quote")
    if isinstance(seed, str) and isinstance(quote, str):
        yield Citation(seed, quote, doc.position((*path, "quote")), rule, values)


def _problems(citation: Citation, file: str, pack: str | None,
              sources: Mapping[str, str]) -> Iterator[Problem]:
    line, column = citation.at
    text = sources.get(citation.seed)
    if text is None:
        yield Problem(file=file, line=line, column=column, code="RP607", pack=pack,
                      rule=citation.rule, value=citation.seed,
                      message=f"the cited source `{citation.seed}` is not among the sources",
                      hint=_closest(citation.seed, sources))
        return
    if normalise(citation.quote) not in text:
        yield Problem(file=file, line=line, column=column, code="RP608", pack=pack,
                      rule=citation.rule, value=citation.quote,
                      message=f"the quote does not occur in `{citation.seed}`",
                      hint="quote the source's sentence as it stands (spaces and full- or "
                           "half-width punctuation may differ; words and numbers may not)")
        return
    if citation.values is None:
        return
    for shown, number in stated_numbers(citation.quote):
        if not any(_same(number, value) for value in citation.values):
            yield Problem(file=file, line=line, column=column, code="RP609", pack=pack,
                          rule=citation.rule, value=shown,
                          message=f"the quote states {shown} and no param or literal of the "
                                  f"rule equals {_plain(number)}",
                          hint="make the rule apply the number its source states, or cite "
                               "the sentence the rule does apply")


def _closest(name: str, sources: Mapping[str, str]) -> str:
    return did_you_mean(name, sources) or f"the sources are: {', '.join(sorted(sources))}"


def stated_numbers(quote: str) -> list[tuple[str, float]]:
    """The amounts a quote states, as written and as values: ``10万`` → 100000, ``1.5%`` →
    0.015, ``12分`` → 12; both ends of a range (``1000-5000万``)."""
    found: list[tuple[str, float]] = []
    for match in _NUMBER.finditer(unicodedata.normalize("NFKC", quote)):
        whole, fraction, first_unit, end_whole, end_fraction, unit = match.groups()
        ends = [(whole, fraction, first_unit or unit)]
        if end_whole is not None:
            ends.append((end_whole, end_fraction, unit))
        for digits, decimals, its_unit in ends:
            value = float(digits.replace(",", "") + (f".{decimals}" if decimals else ""))
            if its_unit == "%":
                value /= 100
            value *= _MAGNITUDE.get(its_unit, 1)
            found.append((match.group(0).strip(), value))
    return found


def _values_of(rule: Mapping[str, Any], params: Mapping[str, Any]) -> frozenset[float]:
    """Every number a rule uses: the params it names (in expressions or in the messages that
    show them), the numeric literals of its expressions, and the numbers written as data in the
    rule (table outputs)."""
    values: set[float] = set()
    for name in _PARAM.findall(repr(rule)):  # messages that show a param count too
        values.update(_numbers_in(params.get(name)))
    for text in _expressions(rule):
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError:
            continue  # loading the pack reports it
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant):
                values.update(_numbers_in(node.value))
    for value in _literal_outputs(rule):
        values.update(_numbers_in(value))
    return frozenset(values)


def _expressions(node: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("source", "title", "message", "label", "description"):
                continue
            yield from _expressions(value, str(name))
    elif isinstance(node, list):
        for item in node:
            yield from _expressions(item, key)
    elif isinstance(node, str) and key in _EXPRESSION_KEYS:
        yield node


def _literal_outputs(node: Any) -> Iterator[Any]:
    """Numbers written as data in a rule (table outputs, ``set`` values that are not text)."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name not in ("source", "title", "message", "label", "description"):
                yield from _literal_outputs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _literal_outputs(item)
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield node


def _numbers_in(value: Any) -> Iterator[float]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            yield float(value)
    elif isinstance(value, list):
        for item in value:
            yield from _numbers_in(item)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _plain(number: float) -> str:
    return f"{int(number):,}" if number.is_integer() else f"{number:g}"
