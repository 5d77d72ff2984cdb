"""The one definition of three-valued logic and of the hit policies (rulepack.model.logic).

The compiled fast path inlines the text :meth:`Junction.source` writes instead of calling
:meth:`Junction.combine`: here the two are proved equal on every tuple of statuses. The hit
policies are pinned by the cases that tell them apart.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import settings

from rulepack.model.logic import (
    ALL,
    ANY,
    HIT_POLICIES,
    NEGATE,
    PACK_OUTCOME,
    Hits,
    Junction,
    Status,
    group_decision,
    pack_outcome,
)

STATUSES: tuple[Status, ...] = ("pass", "fail", "unknown", "skipped")


def _every_tuple(longest: int = 4) -> list[tuple[Status, ...]]:
    return [t for n in range(longest + 1) for t in itertools.product(STATUSES, repeat=n)]


@pytest.mark.parametrize("junction", [ALL, ANY])
def test_the_inlined_text_is_the_function(junction: Junction) -> None:
    code = compile(junction.source("_members"), "<test>", "eval")
    for members in _every_tuple():
        assert eval(code, {"__builtins__": {}}, {"_members": members}) == \
            junction.combine(members), members  # noqa: S307 - text this module wrote


def test_kleene_tables() -> None:
    assert [ALL.combine(t) for t in (("pass", "unknown"), ("fail", "unknown"), ("pass",), ())] \
        == ["unknown", "fail", "pass", "pass"]
    assert [ANY.combine(t) for t in (("fail", "unknown"), ("pass", "unknown"), ("fail",), ())] \
        == ["unknown", "pass", "fail", "fail"]
    assert NEGATE == {"pass": "fail", "fail": "pass", "unknown": "unknown",
                      "skipped": "skipped"}
    # A skipped rule leaves the outcome to the others.
    assert pack_outcome(["skipped", "pass"]) == "pass"
    assert pack_outcome(["skipped", "unknown", "pass"]) == "unknown"
    assert pack_outcome(["pass", "fail", "unknown"]) == "fail"
    assert PACK_OUTCOME is ALL


def test_combine_reads_no_further_than_the_deciding_member() -> None:
    seen: list[Status] = []

    def members() -> object:
        for status in ("unknown", "fail", "pass"):
            seen.append(status)
            yield status

    assert ALL.combine(members()) == "fail"  # type: ignore[arg-type]
    assert seen == ["unknown", "fail"]


def test_a_group_is_decided_by_the_members_with_its_status() -> None:
    parts: list[tuple[Status, tuple[str, ...]]] = [("pass", ("a",)), ("fail", ("b",)),
                                                    ("unknown", ("c",)), ("fail", ("d",))]
    assert group_decision(True, parts) == ("fail", ("b", "d"))
    assert group_decision(False, parts) == ("pass", ("a",))
    assert ANY.decision([("fail", ("x",)), ("unknown", ("y",))]) == ("unknown", ("y",))
    assert ALL.decision([("pass", ("x",)), ("pass", ("y",))]) == ("pass", ("x", "y"))


@pytest.mark.parametrize(("policy", "priorities", "statuses", "hits"), [
    ("first", [0, 0, 0], ["fail", "pass", "pass"], Hits((1,), False)),
    ("first", [0, 0], ["fail", "unknown"], Hits((), True)),
    ("first", [0, 0], ["fail", "fail"], Hits((), False)),
    ("unique", [0, 0, 0], ["pass", "fail", "pass"], Hits((), True, (0, 2))),
    ("unique", [0, 0], ["pass", "unknown"], Hits((), True)),
    ("unique", [0, 0], ["fail", "pass"], Hits((1,), False)),
    ("priority", [1, 2, 2], ["pass", "pass", "pass"], Hits((1,), False)),
    ("priority", [1, 2], ["pass", "unknown"], Hits((), True)),
    ("priority", [2, 1], ["pass", "unknown"], Hits((0,), False)),
    ("priority", [0, 0], ["fail", "fail"], Hits((), False)),
    ("collect", [0, 0, 0], ["pass", "fail", "pass"], Hits((0, 2), False)),
    ("collect", [0, 0], ["pass", "unknown"], Hits((0,), True)),
])
def test_hit_policies(policy: str, priorities: list[int], statuses: list[Status],
                      hits: Hits) -> None:
    assert HIT_POLICIES[policy](priorities, statuses) == hits  # type: ignore[index]


@pytest.mark.parametrize("engine", ["compiled", "sandbox"])
def test_a_tables_details_are_each_verdicts_own(engine: str) -> None:
    """What a table's hit policy makes of its rows' statuses is remembered per plan, but each
    verdict gets details of its own: changing one verdict's rows or matched ids changes no
    other verdict's."""
    import rulepack

    library = rulepack.load(engine=engine)
    document = {"account": {"platform": "kuaishou", "ban": {"category": "content",
                                                             "type": "infringement"}}}

    def details() -> dict[str, object]:
        verdict = library.evaluate("kuaishou.appeal.evidence", document,
                                   as_of="2026-11-21T12:00:00+08:00", validate=False)
        found: dict[str, object] = verdict.reasons[0].details
        return found

    first = details()
    assert first["matched"] == ["copyright_dispute"]
    assert first["rows"] == {"copyright_dispute": "pass", "content_misjudgement": "fail",
                             "behavior_self_proof": "fail"}
    first["matched"].append("changed")  # type: ignore[attr-defined]
    first["rows"]["copyright_dispute"] = "changed"  # type: ignore[index]
    again = details()
    assert again["matched"] == ["copyright_dispute"]
    assert again["rows"]["copyright_dispute"] == "pass"  # type: ignore[index]


@pytest.mark.parametrize("engine", ["compiled", "sandbox"])
def test_a_collect_tables_lists_are_each_verdicts_own(engine: str) -> None:
    """A decided collect table's lists are made anew for every verdict, as its own: compiled
    code takes a decided table from what it made of the same statuses before
    (Plan.table_shortcut), and must not hand two verdicts one list."""
    import rulepack

    library = rulepack.load(engine=engine)
    document = {"organization": {"complaints": [], "violations": [
        {"on": "2026-11-02", "points": 12}]}}

    def actions() -> list[str]:
        verdict = library.evaluate("kuaishou.signing.risk_warning", document,
                                   as_of="2026-11-21T12:00:00+08:00", validate=False)
        found: list[str] = verdict.result["actions"]
        return found

    first = actions()
    assert first == ["terminate_agreement", "publish_violation_record"]
    first.append("changed")
    assert actions() == ["terminate_agreement", "publish_violation_record"]


@pytest.mark.parametrize("engine", ["compiled", "sandbox"])
def test_a_tables_list_outputs_are_each_verdicts_own(engine: str) -> None:
    """A row's list written in the pack (kuaishou.appeal.evidence's materials required) is
    the pack's; each verdict gets a copy of its own, so changing one verdict's result changes
    neither the pack nor another verdict."""
    import rulepack

    library = rulepack.load(engine=engine)
    document = {"account": {"platform": "kuaishou", "ban": {"category": "content",
                                                             "type": "infringement"},
                            "appeal": {"evidence": []}}}
    wanted = ["original_project_files", "copyright_certificate", "first_publication_proof"]

    def required() -> list[str]:
        verdict = library.evaluate("kuaishou.appeal.evidence", document,
                                   as_of="2026-11-21T12:00:00+08:00", validate=False)
        assert verdict.result["missing"] == wanted
        found: list[str] = verdict.result["required"]
        return found

    first = required()
    assert first == wanted
    first.append("changed")
    assert required() == wanted
    assert required() is not required()


# -- the suite's Hypothesis profile -------------------------------------------------------------


def test_every_property_test_is_repeatable() -> None:
    """tests/conftest.py's profile is in force, and no test sets it back to random."""
    assert (settings.default.derandomize, settings.default.database,
            settings.default.deadline) == (True, None, None)
    here = Path(__file__)
    for path in here.parent.rglob("*.py"):
        if path.name == "conftest.py" or path == here:
            continue
        text = path.read_text(encoding="utf-8")
        for word in ("derandomize=False", "load_profile(", "database=D"):
            assert word not in text, f"{path.name}: {word}"

