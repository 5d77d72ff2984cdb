"""bench/peers.py answers: every engine that is installed agrees with the hand-written Python
on a few hundred documents that take every branch; and a quick run writes its table.

Peers not installed (the `bench` extra) are skipped; rulepack and the floor always run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import rulepack

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

# bench/ is put on sys.path just above: these imports must come after it.
import peer_engines  # noqa: E402
import peer_workload  # noqa: E402
import peers  # noqa: E402

DOCS = 200


@pytest.fixture(scope="module")
def docs() -> list[peer_workload.Doc]:
    return peer_workload.documents(DOCS)


@pytest.fixture(scope="module")
def expected(docs: list[peer_workload.Doc]) -> list[peer_workload.Answer]:
    return [peer_workload.python_rules(doc) for doc in docs]


def test_the_documents_take_every_branch(docs: list[peer_workload.Doc]) -> None:
    assert peer_workload.missing_branches(docs) == []


def test_the_documents_are_valid_fact_documents(docs: list[peer_workload.Doc]) -> None:
    library = rulepack.load(peer_engines.PACKS)
    for doc in docs:
        library.check_facts(doc)


def test_the_documents_are_a_fixed_stream() -> None:
    assert peer_workload.documents(50) == peer_workload.documents(DOCS)[:50]


@pytest.mark.parametrize("peer", peer_engines.PEERS, ids=lambda peer: peer.package)
def test_every_installed_engine_gives_the_hand_written_answers(
        peer: peer_engines.Peer, docs: list[peer_workload.Doc],
        expected: list[peer_workload.Answer]) -> None:
    pytest.importorskip(peer.module)
    engines = peer.setup()  # raises, rather than becoming a row, so a broken setup fails here
    assert [engine.name for engine in engines] == list(peer.rows)
    for engine in engines:
        peers.check_answers(engine, docs, expected)


def test_a_wrong_engine_is_caught(docs: list[peer_workload.Doc],
                                  expected: list[peer_workload.Answer]) -> None:
    def never_opens(doc: peer_workload.Doc) -> peer_workload.Answer:
        return peer_workload.python_entry(doc["account"]), False

    wrong = peer_engines.Engine("never opens", False, "", never_opens, lambda out: out)
    with pytest.raises(peers.AnswerMismatch, match="never opens disagrees"):
        peers.check_answers(wrong, docs, expected)


def test_a_quick_run_prints_and_writes_the_table(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "peers.json"
    assert peers.main(["--quick", "--docs", "60", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    written = json.loads(out.read_text(encoding="utf-8"))
    rows = {row["engine"]: row for row in written["results"]}
    assert rows["hand-written Python"]["ratio_to_hand_written"] == 1
    assert rows["rulepack: verdict (reasons as data)"]["explains"] is True
    for name, row in rows.items():
        assert f"| {name} |" in printed
        assert (row["docs_per_s"] is None) == ("unavailable" in row)
    assert written["docs"] == 60 and written["rounds"] == 1
    assert {"date", "command", "python", "cores", "packages"} <= written.keys()


def test_the_json_cost_rows_write_what_the_verdict_holds(
        docs: list[peer_workload.Doc], capsys: pytest.CaptureFixture[str]) -> None:
    import json_cost

    rows = dict(json_cost.rows(docs))
    for doc in docs:
        verdict, values = rows["verdict + its reasons' values written by json"](doc)
        held = verdict.to_dict("en")
        assert [json.loads(text) for text in values] == [r["values"] for r in held["reasons"]]
        assert json.loads(rows["verdict written whole by to_json('en')"](doc)) == held
    # Every writer of the second table writes the same data (orjson: other spacing, bytes).
    held = rows["verdict as data"](docs[0]).to_dict("en")
    for _, write in json_cost.writers():
        assert json.loads(write(held)) == held
    assert json_cost.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "| verdict written whole by to_json('en') |" in out
    assert "| json.dumps(d, ensure_ascii=False): the bytes to_json writes |" in out


def test_startup_times_every_command_beside_the_floor(tmp_path: Path) -> None:
    import subprocess

    out = tmp_path / "startup.json"
    done = subprocess.run([sys.executable, str(BENCH / "startup.py"), "--rounds", "1",
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [row["command"] for row in report["rows"]] == [
        "python -c pass", "rulepack check rules", "rulepack list",
        "rulepack eval examples/douyin-creator-xingtu.yaml", "rulepack test rules"]
    assert all(row["failures"] == [] and len(row["times_s"]) == 1 for row in report["rows"])
    assert [row["targeted"] for row in report["rows"]] == [False, True, True, True, False]
    assert "| `rulepack list` |" in done.stdout
