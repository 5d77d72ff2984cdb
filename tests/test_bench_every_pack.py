"""bench/every_pack.py: a tiny run has a row for every bundled pack and the rows it promises;
the hand-written Python gives the engine's outcome and result on every document, across every
outcome; and the checks that guard the timing stop a run on a wrong answer. The steps
bench/instructions.py counts run."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import rulepack

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

# bench/ is not a package: its scripts are importable only once the path above is set.
import every_pack  # noqa: E402
import handwritten  # noqa: E402
import instructions  # noqa: E402


@pytest.fixture(scope="module")
def library() -> rulepack.Library:
    return rulepack.load()


@pytest.fixture(scope="module")
def tiny_run() -> dict[str, Any]:
    args = every_pack.parse_args(["--docs", "60", "--rounds", "1"])
    return every_pack.run(args, ["--docs", "60", "--rounds", "1"])


def test_a_tiny_run_has_every_pack_and_every_row(tiny_run: dict[str, Any],
                                                  library: rulepack.Library) -> None:
    assert set(tiny_run["packs"]) == set(library.ids)
    for pack_id, entry in tiny_run["packs"].items():
        for kind in ("evaluate", "evaluator", "json"):
            assert entry[kind]["docs"] > 0, (pack_id, kind)
            assert entry[kind]["cpu_per_s"] > 0 and len(entry[kind]["cpu_rounds_s"]) == 1
        assert ("hand-written" in entry) == (pack_id in handwritten.HANDWRITTEN)
        assert entry["atoms"] >= 1
    assert set(tiny_run["other_rows"]) == {
        "evaluate_all, account documents", "evaluate_all, account documents, validated",
        "evaluate_all, every document", "bench.xingtu: evaluator, both policies",
        "bench.analyst: evaluator, both policies"}
    assert tiny_run["writings_compared_on"] > 0
    # Every expression of both writings and of every bundled pack takes the compiled path (the
    # analyst's comprehension included), as `rulepack check --sandboxed` says.
    assert tiny_run["writings"]["bench.analyst"]["fallback"] == []
    assert tiny_run["writings"]["bench.xingtu"]["fallback"] == []
    assert {pack_id: entry["fallback"] for pack_id, entry in tiny_run["packs"].items()} == {
        pack_id: [] for pack_id in tiny_run["packs"]}


def test_a_pack_gets_the_documents_evaluate_all_would_give_it(library: rulepack.Library) -> None:
    docs = every_pack.documents(300)
    entry = library.select("xingtu.entry", as_of=every_pack.AS_OF)
    given = every_pack.docs_for(entry, docs)
    assert given and all("account" in d for d in given)
    assert {d["account"].get("platform") for d in given} <= {*entry.platforms, None}
    for doc in docs:
        ids = {v.pack for v in library.evaluate_all(doc, as_of=every_pack.AS_OF)}
        for pack_id in ids:
            pack = library.select(pack_id, as_of=every_pack.AS_OF)
            assert doc in every_pack.docs_for(pack, [doc])


@pytest.mark.parametrize("pack_id", sorted(handwritten.HANDWRITTEN))
def test_the_hand_written_python_answers_as_the_engine(library: rulepack.Library,
                                                      pack_id: str) -> None:
    pack = library.select(pack_id, as_of=every_pack.AS_OF)
    docs = every_pack.docs_for(pack, every_pack.documents(2_500, seed=7))
    every_pack.check_handwritten(library, pack_id, docs)
    # The documents reach every outcome the pack has, missing facts included.
    outcomes = Counter(handwritten.HANDWRITTEN[pack_id](doc)[0] for doc in docs)
    expected = {"pass", "unknown"} if pack_id.endswith("business_tier") else \
        {"pass", "fail", "unknown"}
    assert set(outcomes) == expected, outcomes


def test_a_wrong_hand_written_answer_stops_the_run(library: rulepack.Library,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def off_by_one(doc: Any) -> handwritten.Answer:
        outcome, result = handwritten.penalty_points(doc)
        if result["remaining"] is not None:
            result["remaining"] += 1
        return outcome, result

    monkeypatch.setitem(every_pack.HANDWRITTEN, "xingtu.penalty_points", off_by_one)
    docs = every_pack.docs_for(library.select("xingtu.penalty_points", as_of=every_pack.AS_OF),
                               every_pack.documents(100))
    with pytest.raises(every_pack.Mismatch, match="hand-written xingtu.penalty_points"):
        every_pack.check_handwritten(library, "xingtu.penalty_points", docs)


def test_a_verdict_unlike_the_reference_stops_the_run(library: rulepack.Library,
                                                      tmp_path: Path) -> None:
    # A reference whose Douyin threshold is half the bundled one must disagree somewhere.
    text = (BENCH.parent / "rules" / "xingtu" / "entry.yaml").read_text(encoding="utf-8")
    assert "douyin_min_fans: 100000" in text
    (tmp_path / "entry.yaml").write_text(text.replace("douyin_min_fans: 100000",
                                                      "douyin_min_fans: 50000"), encoding="utf-8")
    reference = rulepack.load(tmp_path, engine="sandbox")
    pack = library.select("xingtu.entry", as_of=every_pack.AS_OF)
    docs = every_pack.docs_for(pack, every_pack.documents(300))
    with pytest.raises(every_pack.Mismatch, match="xingtu.entry document"):
        every_pack.check_pack(library, reference, "xingtu.entry", docs)


def test_the_linear_fit_is_exact_on_a_line() -> None:
    fit = every_pack.linear_fit([(1, 5.0), (2, 7.0), (4, 11.0)])
    assert fit == pytest.approx({"intercept_us": 3.0, "us_per_atom": 2.0, "r2": 1.0})


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_the_peak_of_a_running_process_is_read_and_of_a_gone_one_is_zero() -> None:
    assert every_pack._high_water_kb(os.getpid()) > 1_000  # this interpreter: over 1 MB
    assert every_pack._high_water_kb(2**22 + 1) == 0  # above Linux's largest pid


@pytest.mark.parametrize("step", instructions.STEPS)
def test_each_step_counted_by_instructions_runs(step: str) -> None:
    """bench/instructions.py's steps run as they do under callgrind (without it here): the
    set-up alone, and the set-up and the step."""
    for counted in (False, True):
        instructions.work(step, 3, counted)


@pytest.mark.parametrize("pack_id", ["xingtu.entry", "bench.analyst"])
def test_a_pack_counted_by_instructions_runs(pack_id: str) -> None:
    """bench/instructions.py --packs: a pack's prepared evaluator on the documents
    bench/every_pack.py gives it (a bundled pack's subject and platforms; account documents
    for the writings of bench/packs), the warm-up first."""
    _, documents = instructions.pack_documents(pack_id, 3)
    assert len(documents) == instructions.WARM + 3
    assert all("account" in doc for doc in documents)
    for counted in (False, True):
        instructions.work_pack(pack_id, 3, counted)
