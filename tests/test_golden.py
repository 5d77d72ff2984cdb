"""The golden corpus: today's code must give, byte for byte, what the recorded code gave.

``tests/golden/corpus.jsonl.gz`` holds fact documents with the verdicts the code gave them at
the commit named in its header (see ``tests/golden/README.md``): ``to_json`` and ``explain``
in Chinese and English. Every document is evaluated again here, through the public API only
(``rulepack.load``, ``Library.evaluate``, ``Library.evaluate_all``, ``Verdict.to_json``,
``Verdict.explain``), and every output compared. All mismatches are collected and reported
together, each with its record, pack, output and a short diff.

``RULEPACK_GOLDEN_CORPUS=path`` points the test at another corpus file.
"""

from __future__ import annotations

import collections
import difflib
import functools
import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from golden.make_corpus import outputs  # the outputs, in the order the corpus recorded them

import rulepack

CORPUS = Path(os.environ.get("RULEPACK_GOLDEN_CORPUS")
              or Path(__file__).resolve().parent / "golden" / "corpus.jsonl.gz")
OUTPUTS = ("json_zh", "json_en", "explain_zh", "explain_en")
DIFF_LINES = 40
SHOWN_MISMATCHES = 25


@functools.lru_cache(maxsize=1)
def corpus() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the records, in file order (record i is on line i + 2)."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        header, *records = (json.loads(line) for line in lines)
    assert header.get("kind") == "header" and header.get("format") == 1, header
    assert len(records) == header["records"], "the corpus is cut short"
    return header, records


@functools.lru_cache(maxsize=1)
def library() -> rulepack.Library:
    return rulepack.load()



def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def strict_json(text: str) -> Any:
    """``text`` read as JSON; NaN and Infinity (which json.loads would take) refused."""
    return json.loads(text, parse_constant=_reject_constant)


def _readable(text: str, output: str) -> list[str]:
    """Lines to diff: a JSON output pretty-printed (it is one long line), else as it is."""
    if output.startswith("json"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False, indent=1).splitlines()
        except ValueError:
            return text.replace(", ", ",\n").splitlines()
    return text.splitlines()


def diff(expected: str, actual: str, output: str) -> str:
    lines = list(difflib.unified_diff(_readable(expected, output), _readable(actual, output),
                                      "recorded", "now", lineterm="", n=2))
    if not lines:  # the same when pretty-printed: spacing, escapes or key order in the bytes
        at = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
                  min(len(expected), len(actual)))
        return (f"same JSON, other bytes; first difference at character {at}:\n"
                f"  recorded: {expected[max(0, at - 60):at + 60]!r}\n"
                f"  now:      {actual[max(0, at - 60):at + 60]!r}")
    more = len(lines) - DIFF_LINES
    return "\n".join(lines[:DIFF_LINES] + ([f"... ({more} more diff lines)"] if more > 0 else []))


class Mismatches:
    def __init__(self) -> None:
        self.found: list[tuple[int, str, str, str]] = []

    def add(self, index: int, pack: str, output: str, detail: str) -> None:
        self.found.append((index, pack, output, detail))

    def compare(self, index: int, record: dict[str, Any], got: dict[str, str]) -> None:
        for output in OUTPUTS:
            expected, actual = record["out"][output], got[output]
            if expected != actual:
                self.add(index, record["pack"], output, diff(expected, actual, output))

    def report(self, total: int) -> str:
        outputs_hit = len(self.found)
        records_hit = len({index for index, *_ in self.found})
        by_pack = collections.Counter(pack for _, pack, _, _ in self.found)
        by_output = collections.Counter(output for _, _, output, _ in self.found)
        head = (f"{records_hit} of {total} golden records differ ({outputs_hit} output(s)); "
                f"corpus {CORPUS}\n  by pack: "
                + ", ".join(f"{p} {n}" for p, n in sorted(by_pack.items()))
                + "\n  by output: " + ", ".join(f"{o} {n}" for o, n in sorted(by_output.items())))
        shown = [f"--- record {index} (line {index + 2}), pack {pack}, output {output}:\n{detail}"
                 for index, pack, output, detail in self.found[:SHOWN_MISMATCHES]]
        if outputs_hit > SHOWN_MISMATCHES:
            shown.append(f"... and {outputs_hit - SHOWN_MISMATCHES} more mismatching output(s): "
                         + ", ".join(f"{i}:{p}:{o}" for i, p, o, _ in
                                     self.found[SHOWN_MISMATCHES:SHOWN_MISMATCHES + 20])
                         + (", ..." if outputs_hit > SHOWN_MISMATCHES + 20 else ""))
        return "\n".join([head, *shown])


def _error_words(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def _check_raise(mismatches: Mismatches, index: int, record: dict[str, Any],
                 call: Callable[[], rulepack.Verdict]) -> None:
    """A record whose evaluation raised a RulepackError: the same class and problems now."""
    expected = record["raises"]
    try:
        verdict = call()
    except rulepack.RulepackError as exc:
        got = {"class": type(exc).__name__, "problems": [p.to_dict() for p in exc.problems]}
        if got != expected:
            mismatches.add(index, record["pack"], "raises", diff(
                json.dumps(expected, ensure_ascii=False), json.dumps(got, ensure_ascii=False),
                "json"))
        return
    mismatches.add(index, record["pack"], "raises",
                   f"recorded {expected['class']} {[p['code'] for p in expected['problems']]}, "
                   f"now a verdict: outcome {verdict.outcome}")


def test_golden_corpus() -> None:
    _, records = corpus()
    lib = library()
    mismatches = Mismatches()
    # Example documents: one evaluate_all per document, as `rulepack eval FILE` does; the
    # same packs in the same order, and each verdict's outputs.
    examples: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    checked = 0
    for index, record in enumerate(records):
        if record["kind"] == "example":
            examples.setdefault(record["source"], []).append((index, record))
            continue
        assert record["kind"] == "generated", record["kind"]
        if record.get("known_defect"):
            continue  # test_known_defect_records_are_strict_json
        checked += 1
        pack, doc, as_of = record["pack"], record["doc"], record["as_of"]
        if "raises" in record:
            _check_raise(mismatches, index, record,
                         functools.partial(lib.evaluate, pack, doc, as_of=as_of))
            continue
        try:
            got = outputs(lib.evaluate(pack, doc, as_of=as_of))
        except Exception as exc:
            mismatches.add(index, pack, "evaluate", f"raised {_error_words(exc)}")
            continue
        mismatches.compare(index, record, got)
    for source, entries in examples.items():
        first_index, first = entries[0]
        try:
            verdicts = lib.evaluate_all(first["doc"], as_of=first["as_of"])
        except Exception as exc:
            for index, record in entries:
                mismatches.add(index, record["pack"], "evaluate_all",
                               f"{source}: raised {_error_words(exc)}")
            continue
        recorded = [record["pack"] for _, record in entries]
        now = [verdict.pack for verdict in verdicts]
        if now != recorded:
            mismatches.add(first_index, "(every pack)", "evaluate_all",
                           f"{source}: the packs that apply were {recorded}, now {now}")
        by_pack = {verdict.pack: verdict for verdict in verdicts}
        for index, record in entries:
            checked += 1
            if record.get("known_defect"):
                continue
            verdict = by_pack.get(record["pack"])
            if verdict is None:
                continue  # reported above
            try:
                got = outputs(verdict)
            except Exception as exc:
                mismatches.add(index, record["pack"], "render", f"raised {_error_words(exc)}")
                continue
            mismatches.compare(index, record, got)
    assert checked > 0
    if mismatches.found:
        pytest.fail(mismatches.report(len(records)), pytrace=False)


def _known_defects() -> list[Any]:
    try:
        _, records = corpus()
    except FileNotFoundError:
        return [pytest.param(None, id="no-corpus")]
    found = [pytest.param(index, id=f"record{index}-{record['pack']}")
             for index, record in enumerate(records) if record.get("known_defect")]
    return found or [pytest.param(None, id="none-recorded")]


@pytest.mark.parametrize("index", _known_defects())
def test_known_defect_records_are_strict_json(index: int | None) -> None:
    """Records marked ``known_defect: "nan"`` recorded NaN or Infinity in their JSON: their
    bytes will change when that is fixed, so they are only checked to be strict JSON now."""
    if index is None:
        return
    _, records = corpus()
    record = records[index]
    assert record["known_defect"] == "nan", record["known_defect"]
    if record["kind"] == "example":
        verdicts = library().evaluate_all(record["doc"], as_of=record["as_of"])
        verdict = next(v for v in verdicts if v.pack == record["pack"])
    else:
        verdict = library().evaluate(record["pack"], record["doc"], as_of=record["as_of"])
    got = outputs(verdict)
    try:
        for output in ("json_zh", "json_en"):
            strict_json(got[output])
    except ValueError as exc:
        pytest.skip(f"record {index} ({record['pack']}): known NaN defect, fixed by the "
                    f"redesign ({exc})")
