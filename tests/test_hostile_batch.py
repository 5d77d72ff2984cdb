"""Hostile JSON Lines input: a line of any length is read with a bounded ``readline``, and a
line over the limit becomes one RP701 record per pack without ever being held whole."""

from __future__ import annotations

import io
import json
import pickle
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from rulepack.batch import jsonl
from rulepack.batch.jsonl import CHUNK_BYTES, MAX_LINE_BYTES, LongLine
from rulepack.cli.main import main

GOOD = b'{"account": {"fans": 5}}'
PACKS = ("xingtu.entry", "kuaishou.verification")


def long_json(size: int) -> bytes:
    """A line of exactly ``size`` bytes that would be a valid fact document if it were read."""
    return GOOD[:-1] + b" " * (size - len(GOOD)) + b"}"


def records(path: Path, *extra: str) -> list[dict[str, Any]]:
    out = path.with_suffix(".out.jsonl")
    packs = [arg for pack in PACKS for arg in ("--pack", pack)]
    code = main(["eval", "--batch", *packs, "--as-of", "2026-12-01", "--output", str(out),
                 *extra, str(path)])
    assert code == 2  # some lines failed
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_long_lines_get_one_rp701_record_each_and_the_others_are_judged(tmp_path: Path) -> None:
    five_mb = 5_000_000
    lines = [GOOD, long_json(five_mb), GOOD, long_json(MAX_LINE_BYTES), long_json(five_mb),
             long_json(MAX_LINE_BYTES + 1), GOOD, long_json(five_mb)]
    path = tmp_path / "in.jsonl"
    # The last line has no line break: a file may end without one.
    path.write_bytes(b"\n".join(lines))
    one = records(path)
    assert [(r["line"], r["pack"]) for r in one] == [
        (line, pack) for line in range(1, len(lines) + 1) for pack in PACKS]
    refused = {r["line"]: r["error"] for r in one if "error" in r}
    assert sorted(refused) == [2, 5, 6, 8]
    for line, error in refused.items():
        size = len(lines[line - 1])
        assert error["code"] == "RP701"
        assert error["message"] == (f"the line has {size:,} bytes, more than "
                                    f"{MAX_LINE_BYTES:,}: it was skipped unread")
        assert error["value"] == (GOOD[:-1].decode() + " " * 200)[:197] + "..."
        assert f"{MAX_LINE_BYTES:,} bytes" in error["hint"]
    # A line of exactly the limit is read and judged like any other.
    assert all("outcome" in r for r in one if r["line"] in (1, 3, 4, 7))
    assert records(path, "--jobs", "2") == one


def test_a_long_line_is_never_held_whole(tmp_path: Path) -> None:
    # 20 MB on one line, between two short ones: what reading holds stays near the limit.
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD + b"\n" + long_json(20_000_000) + b"\n" + GOOD + b"\n")
    tracemalloc.start()
    try:
        read = [line for chunk in jsonl.chunks([str(path)]) for line in chunk.lines]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * MAX_LINE_BYTES, peak
    assert read[0] == read[2] == GOOD + b"\n"
    assert isinstance(read[1], LongLine) and read[1].size == 20_000_000 and read[1] == b""


def test_lines_at_the_limit_and_one_byte_over() -> None:
    def lines(data: bytes) -> list[bytes]:
        return [line for chunk in jsonl._file_chunks(io.BytesIO(data), "in", 500)
                for line in chunk.lines]

    at_limit, over = long_json(MAX_LINE_BYTES), long_json(MAX_LINE_BYTES + 1)
    # A byte order mark is not part of the first line, nor its line break; a \r is a byte of
    # the line, as JSON reads it (white space).
    first, second, third, fourth = lines(b"\xef\xbb\xbf" + at_limit + b"\n" + over + b"\n"
                                         + at_limit[1:] + b"\r\n" + b"x" * (MAX_LINE_BYTES + 1))
    assert first == at_limit + b"\n" and not isinstance(first, LongLine)
    assert isinstance(second, LongLine) and second.size == MAX_LINE_BYTES + 1
    assert second.head == over[:len(second.head)] and len(second.head) < 1000
    assert third == at_limit[1:] + b"\r\n" and not isinstance(third, LongLine)
    assert isinstance(fourth, LongLine) and fourth.size == MAX_LINE_BYTES + 1
    (whole,) = lines(b"\xef\xbb\xbf" + over)
    assert isinstance(whole, LongLine) and whole.size == MAX_LINE_BYTES + 1
    (plain,) = lines(at_limit + b"xyz\n")  # no mark: the first line's 3 bytes more count
    assert isinstance(plain, LongLine) and plain.size == MAX_LINE_BYTES + 3


def test_chunks_are_bounded_in_bytes_as_in_lines() -> None:
    line = b"x" * (MAX_LINE_BYTES // 2) + b"\n"
    stream = io.BytesIO(line * 20 + GOOD + b"\n")
    chunks = list(jsonl._file_chunks(stream, "in", 500))
    # A chunk ends with the line that takes it to CHUNK_BYTES: 4 lines of 500 kB, here.
    assert [len(chunk.lines) for chunk in chunks] == [4, 4, 4, 4, 4, 1]
    assert all(sum(map(len, chunk.lines)) < CHUNK_BYTES + len(line) for chunk in chunks)
    assert [chunk.first for chunk in chunks] == [1, 5, 9, 13, 17, 21]


def test_a_long_line_goes_to_a_worker_as_it_is() -> None:
    line = LongLine(5_000_000, b'{"account"')
    back = pickle.loads(pickle.dumps(line))
    assert isinstance(back, LongLine) and (back.size, back.head) == (5_000_000, b'{"account"')


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_without_packs_a_long_line_gets_one_record(tmp_path: Path, jobs: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD + b"\n" + long_json(3_000_000) + b"\n" + GOOD + b"\n")
    assert main(["eval", "--batch", "--jobs", jobs, "--as-of", "2026-12-01", str(path)]) == 2
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    (refused,) = [r for r in out if r["line"] == 2]
    assert refused["pack"] is None and refused["error"]["code"] == "RP701"
    assert {r["line"] for r in out} == {1, 2, 3}
