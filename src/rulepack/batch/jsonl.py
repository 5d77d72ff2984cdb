"""Streaming evaluation of JSON Lines: one record per input line per pack, in input order.

Input is read a chunk of lines at a time and output is written a chunk at a time, so memory
stays flat whatever the size of the input; with several jobs, worker processes render chunks
while at most a few chunks are in flight. A chunk holds at most CHUNK_LINES lines and about
CHUNK_BYTES bytes, and a line is read with a bounded ``readline``: a line of more than
MAX_LINE_BYTES bytes is never held whole, but skipped as it is read (:class:`LongLine`), so
memory stays flat whatever the length of the lines too.

Records, one JSON object per line:

- a verdict: ``Verdict.to_dict(lang)`` plus ``input`` (the file) and ``line`` (1-based);
- an error: ``{"input", "line", "pack", "error": {"code", "message", "value", "hint"}}``.
  RP701: the line is not JSON (a blank line included: it holds no document), or is longer
  than MAX_LINE_BYTES (it is skipped unread; ``value`` is its start). RP702: the line
  is JSON but not a valid fact document; ``value`` is the JSON path of the first problem and
  ``error.problems`` lists every one. RP703: evaluating the line failed on a bug, which
  the message names (the other lines go on). An evaluation problem (no version in force at the
  line's as_of) keeps its own code. With ``--pack`` a bad line gives one error record per pack, so
  N lines always give N records per pack;
- without ``--pack``, a line gets one record per pack that applies to it, one error record
  (``pack`` null) when it is bad, and ``{"input", "line", "pack": null, "outcome":
  "not_applicable"}`` when no pack applies, so that no line goes without a record.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, TypeVar

from rulepack.batch.documents import Failure, Judge
from rulepack.core.errors import FactsError, Problem
from rulepack.core.processes import Stopped, can_fork, stopped_by_signals, worker_pool
from rulepack.library import Library, display_path, load
from rulepack.model.pack import Lang

CHUNK_LINES = 500
# A chunk ends at CHUNK_LINES lines or once its lines pass this many bytes: 500 lines near
# MAX_LINE_BYTES each would otherwise be half a gigabyte per chunk, several chunks in flight.
CHUNK_BYTES = 2_000_000
# The longest input line read, in bytes, its line break not counted: a fact document is the
# facts of one account, organization or task, a few kilobytes. A longer line is RP701.
MAX_LINE_BYTES = 1_000_000
# What is kept of a line over MAX_LINE_BYTES: enough of its start to show as the value.
_HEAD_BYTES = 800
# The rest of such a line is read and dropped this many bytes at a time.
_SKIP_BYTES = 1 << 16
# Chunks in flight per worker: enough to keep every worker busy while the parent writes.
WINDOW_PER_JOB = 3
STDIN = "-"
_BOM = b"\xef\xbb\xbf"
_T = TypeVar("_T")

# One encoder for every record: json.dumps with keyword arguments builds a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


@dataclass(frozen=True)
class BatchOptions:
    """What to evaluate each line with; plain data, so that worker processes can receive it."""

    rules: Path
    packs: tuple[str, ...]
    version: str | None
    # Fixed once per run: lines without an as_of are all judged at the same instant, which
    # also keeps the output of several jobs identical to that of one.
    as_of: dt.datetime
    lang: Lang
    # `--as-of` given: every line is judged at `as_of`, its own as_of checked and then
    # replaced, as `eval --as-of` judges a file.
    overrides: bool = False


class LongLine(bytes):
    """In a chunk's lines, an input line longer than MAX_LINE_BYTES, which was not kept:
    ``size`` is its length in bytes (its line break not counted) and ``head`` its first bytes.

    Its own bytes are empty, so that a reader that does not look for it reads a blank line
    (RP701), never a document; :func:`long_line` words it as ``eval --batch`` does.
    """

    size: int
    head: bytes

    def __new__(cls, size: int, head: bytes) -> LongLine:
        line = super().__new__(cls, b"")
        line.size = size
        line.head = head
        return line

    def __reduce__(self) -> tuple[type[LongLine], tuple[int, bytes]]:
        return LongLine, (self.size, self.head)  # pickled to workers like any line


def long_line(line: LongLine) -> dict[str, Any]:
    """RP701 for a line over MAX_LINE_BYTES, as an error object of ``eval --batch``."""
    start = line.head.decode("utf-8", errors="replace")
    return {"code": "RP701",
            "message": f"the line has {line.size:,} bytes, more than {MAX_LINE_BYTES:,}: it "
                       "was skipped unread",
            "value": start[:197] + "...",
            "hint": f"a JSON Lines file holds one JSON object of at most {MAX_LINE_BYTES:,} "
                    "bytes on each line"}


@dataclass(frozen=True)
class Chunk:
    """Consecutive raw lines of one input; ``first`` is the number of the first line. A line
    over MAX_LINE_BYTES is a :class:`LongLine`."""

    input: str
    first: int
    lines: list[bytes]


@dataclass(frozen=True)
class Rendered:
    """The output records of one chunk, and how many of its lines failed."""

    text: str
    lines: int
    failed: int
    size: int


@dataclass
class Summary:
    lines: int = 0
    failed: int = 0


# -- rendering ------------------------------------------------------------------------------


class Renderer:
    """Turns raw input lines into output records, in order: each line judged as every batch
    front end judges a document (:class:`rulepack.batch.documents.Judge`), written as JSON."""

    def __init__(self, library: Library, options: BatchOptions) -> None:
        lang = options.lang
        self._judge: Judge[str] = Judge(library, as_of=options.as_of,
                                        render=lambda verdict: verdict.to_json(lang),
                                        packs=options.packs, version=options.version,
                                        overrides=options.overrides)

    def render(self, chunk: Chunk) -> Rendered:
        out: list[str] = []
        failed = 0
        size = 0
        for number, raw in enumerate(chunk.lines, start=chunk.first):
            if isinstance(raw, LongLine):
                size += raw.size
                failed += self._long_line(chunk.input, number, raw, out)
                continue
            size += len(raw)
            failed += self._line(chunk.input, number, raw, out)
        # Records are kept without their newline: one join adds them all, no copy per record.
        text = "\n".join(out) + "\n" if out else ""
        return Rendered(text, len(chunk.lines), failed, size)

    def _long_line(self, name: str, number: int, line: LongLine, out: list[str]) -> int:
        """Append the records of a line over MAX_LINE_BYTES: RP701, once per error pack."""
        error = long_line(line)
        out.extend(_encode({"input": name, "line": number, "pack": pack, "error": error})
                   for pack in self._judge.error_packs)
        return 1

    def _line(self, name: str, number: int, raw: bytes, out: list[str]) -> int:
        """Append the records of one line to ``out``; 1 if the line failed, else 0."""
        judged = self._judge.judge(raw)
        if not judged.records:
            out.append(_encode({"input": name, "line": number, "pack": None,
                                "outcome": "not_applicable"}))
        where = f', "input": {_encode(name)}, "line": {_encode(number)}}}'
        for record in judged.records:
            if isinstance(record, Failure):
                out.append(_encode({"input": name, "line": number, "pack": record.pack,
                                    "error": record.error}))
            else:
                # The verdict's to_dict(lang) plus input and line, as json would write that
                # dict: its own JSON with the two keys spliced in before its closing brace.
                out.append(record[:-1] + where)
        return int(judged.failed)


# -- reading --------------------------------------------------------------------------------


def input_name(source: str) -> str:
    return "<stdin>" if source == STDIN else display_path(Path(source))


def unreadable(sources: Sequence[str]) -> list[Problem]:
    """A problem for each input file that cannot be opened, found before any work starts."""
    problems = []
    for source in sources:
        if source == STDIN:
            continue
        try:
            with open(source, "rb"):
                pass
        except OSError as exc:
            problems.append(Problem(file=input_name(source), code="RP302",
                                    message=f"cannot read the file: {exc.strerror or exc}"))
    return problems


def input_size(sources: Sequence[str]) -> int | None:
    """The bytes to read, when every input is a regular file; None for stdin or a pipe."""
    total = 0
    for source in sources:
        if source == STDIN:
            return None
        path = Path(source)
        if not path.is_file():
            return None
        total += path.stat().st_size
    return total


def chunks(sources: Sequence[str], size: int | None = None) -> Iterator[Chunk]:
    """The lines of every input, in order, ``size`` at a time; never the whole file at once."""
    size = size or CHUNK_LINES
    for source in sources:
        name = input_name(source)
        if source == STDIN:
            yield from _file_chunks(sys.stdin.buffer, name, size)
            continue
        try:
            with open(source, "rb") as stream:
                yield from _file_chunks(stream, name, size)
        except OSError as exc:
            raise FactsError([Problem(file=name, code="RP302",
                                      message=f"cannot read the file: {exc}")]) from None


def _file_chunks(stream: BinaryIO, name: str, size: int) -> Iterator[Chunk]:
    first = 1
    lines: list[bytes] = []
    held = 0
    for line in _lines(stream):
        lines.append(line)
        held += len(line)
        if len(lines) >= size or held >= CHUNK_BYTES:
            yield Chunk(name, first, lines)
            first += len(lines)
            lines, held = [], 0
    if lines:
        yield Chunk(name, first, lines)


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """Every line of ``stream`` with its line break, each read with a bounded ``readline``:
    a line over MAX_LINE_BYTES is read on to its end and dropped, and given as a
    :class:`LongLine`."""
    limit = MAX_LINE_BYTES + 1 + len(_BOM)  # the first line may start with a byte order mark
    while line := stream.readline(limit):
        bom = len(_BOM) if limit > MAX_LINE_BYTES + 1 and line.startswith(_BOM) else 0
        limit = MAX_LINE_BYTES + 1
        ended = line.endswith(b"\n")
        size = len(line) - bom - ended
        if size <= MAX_LINE_BYTES:
            yield line[bom:]  # a byte order mark is not part of the first line
            continue
        head = line[bom:bom + _HEAD_BYTES]
        del line
        while not ended and (rest := stream.readline(_SKIP_BYTES)):
            ended = rest.endswith(b"\n")
            size += len(rest) - ended
        yield LongLine(size, head)


# -- running --------------------------------------------------------------------------------


def run(library: Library, options: BatchOptions, sources: Sequence[str], out: TextIO, *,
        jobs: int = 1, progress: Progress | None = None) -> Summary:
    """Evaluate every line of ``sources`` and write the records to ``out`` in input order.

    Raises :class:`Stopped` on SIGTERM or SIGINT, with the lines written so far."""
    summary = Summary()
    try:
        with stopped_by_signals():
            _run(library, options, sources, out, jobs, progress, summary)
    except Stopped as stop:
        stop.lines = summary.lines
        raise
    return summary


def _run(library: Library, options: BatchOptions, sources: Sequence[str], out: TextIO,
         jobs: int, progress: Progress | None, summary: Summary) -> None:
    try:
        for rendered in _rendered(library, options, chunks(sources), jobs):
            # Counted before it is written: a signal landing between the two then cannot
            # leave a written chunk uncounted (and a run stopped mid-way keeps nothing of it).
            summary.lines += rendered.lines
            summary.failed += rendered.failed
            out.write(rendered.text)
            out.flush()  # a reader downstream sees whole chunks as they are done
            if progress is not None:
                progress.advance(rendered.lines, rendered.size)
    finally:
        if progress is not None:
            progress.close()  # also when interrupted: the shell prompt starts on a new line


def _rendered(library: Library, options: BatchOptions, work: Iterator[Chunk],
              jobs: int) -> Iterator[Rendered]:
    if jobs <= 1:
        renderer = Renderer(library, options)
        for chunk in work:
            yield renderer.render(chunk)
        return
    yield from _parallel(library, options, work, jobs)


def _parallel(library: Library, options: BatchOptions, work: Iterator[Chunk],
              jobs: int) -> Iterator[Rendered]:
    # Pool.imap would drain `work` in a feeder thread, reading the whole input into memory;
    # a window of pending results bounds what is read ahead, and taking results from its
    # front keeps the input order.
    window = jobs * WINDOW_PER_JOB
    pending: deque[AsyncResult[Rendered]] = deque()
    with _pool(library, options, jobs) as pool:
        for chunk in work:
            if len(pending) >= window:
                yield pending.popleft().get()
            pending.append(pool.apply_async(_render_in_worker, (chunk,)))
        while pending:
            yield pending.popleft().get()


@contextmanager
def _pool(library: Library, options: BatchOptions, jobs: int) -> Iterator[Pool]:
    # Read by the workers this pool forks, then dropped: what a forked process inherits is
    # the parent's globals, nothing else.
    global _inherited  # noqa: PLW0603
    _inherited = library if can_fork() else None
    try:
        with worker_pool(jobs, _start_worker, (options,)) as pool:
            _inherited = None  # forked already
            yield pool
    finally:
        _inherited = None


# In the parent, the library for workers to inherit while they are forked; in a worker, the
# renderer that serves every chunk sent to it.
_inherited: Library | None = None
_worker: Renderer | None = None


def _start_worker(options: BatchOptions) -> None:
    # One renderer per worker process, built once: the pool's initializer can leave it only
    # in the process's globals for the chunks that follow.
    global _worker  # noqa: PLW0603
    # A forked worker has the parent's library already; any other loads it from the files.
    _worker = Renderer(_inherited or load(options.rules), options)


def _render_in_worker(chunk: Chunk) -> Rendered:
    if _worker is None:
        raise RuntimeError("the batch worker was not started")
    return _worker.render(chunk)


# -- output ---------------------------------------------------------------------------------


class OutputError(Exception):
    """The output file cannot be created."""


@contextmanager
def output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or a file that appears only once it is complete.

    A regular file is written beside its final name and moved into place at the end, so an
    interrupted run never leaves half an output behind; a device or pipe is written directly.
    Raises :class:`OutputError` when the file cannot be created.
    """
    if path is None or path == STDIN:
        yield sys.stdout
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        with _create(path, lambda: open(target, "w", encoding="utf-8", newline="\n")) as stream:
            yield stream
        return
    handle, temporary = _create(path, lambda: tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        with open(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.chmod(temporary, _new_file_mode())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _create(path: str, opener: Callable[[], _T]) -> _T:
    try:
        return opener()
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _new_file_mode() -> int:
    # mkstemp makes the file private; the output should get the mode a plain open() gives.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# -- progress -------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar: lines done, lines per second, and the share of the input read.

    Redrawn at most every ``interval`` seconds, so that drawing costs nothing next to the work.
    """

    WIDTH = 24

    def __init__(self, stream: IO[str], total_bytes: int | None = None, *,
                 interval: float = 0.2, clock: Any = time.monotonic) -> None:
        self._stream = stream
        self._total = total_bytes
        self._interval = interval
        self._clock = clock
        self._start = clock()
        self._drawn = self._start
        self.lines = 0
        self.bytes = 0

    @classmethod
    def for_terminal(cls, stream: IO[str], total_bytes: int | None) -> Progress | None:
        """A progress bar when ``stream`` is a terminal, else None: logs get no bar."""
        isatty = getattr(stream, "isatty", None)
        return cls(stream, total_bytes) if isatty is not None and isatty() else None

    def advance(self, lines: int, size: int) -> None:
        self.lines += lines
        self.bytes += size
        now = self._clock()
        if now - self._drawn >= self._interval:
            self._drawn = now
            self._draw(now)

    def close(self) -> None:
        self._draw(self._clock())
        self._stream.write("\n")
        self._stream.flush()

    def line(self, now: float) -> str:
        """The text of the bar at ``now``."""
        elapsed = max(now - self._start, 1e-9)
        text = f"{self.lines:,} lines  {self.lines / elapsed:,.0f} lines/s  {elapsed:.1f}s"
        if self._total:
            share = min(self.bytes / self._total, 1.0)
            filled = round(share * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            text = f"{bar} {share:4.0%}  {text}"
        return text

    def _draw(self, now: float) -> None:
        # \r returns to the start of the line; \x1b[K clears what a longer line left there.
        self._stream.write(f"\r{self.line(now)}\x1b[K")
        self._stream.flush()
