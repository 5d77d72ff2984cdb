"""Verdicts over Arrow record batches: the engine-neutral core under Spark, Polars, Dask, Ray.

Every data engine that runs Python on columnar data hands it over as Arrow record batches
(Spark's ``mapInArrow``, Ray Data's and Polars' ``map_batches``, Dask partitions through
``to_arrow``). This module owns the one step they share: a batch of fact documents in, a batch
of verdict rows out, each document judged by :class:`rulepack.batch.documents.Judge` exactly as
``rulepack eval --batch`` judges a line. It owns the row layout (:func:`verdict_fields`) and
nothing about any engine: no session, no files, no processes.

The documents are a column of JSON text (string or binary, one document per cell) or a struct
column shaped like the fact schema. Arrow has one null for both "absent" and "null", so in a
struct column a null field is read as absent, the reading that never asserts what the data did
not say; a document whose nulls mean something ("not accepted yet") comes as JSON text. Dates
and timestamps in a struct are read as their ISO 8601 text, and the objects a reason echoes
have the struct's order of fields.

Each input row gives, after the key columns it carries along:

- with ``packs``: one row per pack asked for, a verdict or that pack's error;
- without: one row per pack that applies, or one row with ``pack`` null and ``outcome``
  ``"not_applicable"`` when none does, or one error row with ``pack`` null;

so no row is ever lost, and a bad document is an error row (``error``: code, message, value,
with the codes and words of ``eval --batch``), never a failed job. ``result`` and ``reasons``
are JSON text (``reasons`` only when a language is asked for: writing them is most of the
cost of a verdict). ``pyarrow`` is an optional dependency: ``pip install 'rulepack[arrow]'``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from rulepack.batch.documents import Failure, Judge, RawDocument
from rulepack.library import Library, load
from rulepack.model.pack import Lang
from rulepack.verdict.data import Verdict, to_jsonable

try:
    import pyarrow as pa
except ImportError as exc:  # the extra is optional: say which one brings it
    raise ImportError("rulepack.batch.arrow needs pyarrow: pip install 'rulepack[arrow]'") \
        from exc

# Output rows are made this many input rows at a time: an input batch of 10,000 documents over
# twenty packs would otherwise be one output batch of hundreds of megabytes of reasons.
CHUNK_ROWS = 1024

VERDICT_COLUMNS = ("pack", "version", "digest", "as_of", "outcome", "applicable", "result",
                   "reasons", "missing", "error")
NOT_APPLICABLE = "not_applicable"

_encode = json.JSONEncoder(ensure_ascii=False).encode
_decode_at = json.JSONDecoder().raw_decode
_RESULT_KEY = '"result": '
_REASONS_KEY = ', "reasons": '
_MISSING_KEY = ', "missing": '

# pack, version, digest, as_of, outcome, applicable, result, reasons, missing: one verdict row.
_Row = tuple[str, str, str, str, str, bool, str, str | None, list[str]]


def verdict_fields() -> list[pa.Field]:
    """The columns every verdict row has after the key columns, in order."""
    return [
        pa.field("pack", pa.string()),
        pa.field("version", pa.string()),
        pa.field("digest", pa.string()),
        pa.field("as_of", pa.string()),
        pa.field("outcome", pa.string()),
        pa.field("applicable", pa.bool_()),
        pa.field("result", pa.string()),
        pa.field("reasons", pa.string()),
        pa.field("missing", pa.list_(pa.string())),
        pa.field("error", pa.struct([pa.field("code", pa.string()),
                                     pa.field("message", pa.string()),
                                     pa.field("value", pa.string())])),
    ]


def verdict_schema(keys: Sequence[pa.Field] = ()) -> pa.Schema:
    """The schema of the output: the key columns as given, then :func:`verdict_fields`."""
    clash = sorted({f.name for f in keys} & set(VERDICT_COLUMNS))
    if clash:
        raise ValueError(f"key columns {clash} would clash with the verdict columns; "
                         "rename them first")
    return pa.schema([*keys, *verdict_fields()])


class BatchJudge:
    """Judges record batches with one library; made once, used for every batch.

    The instant, language and packs are fixed here, once per run, so that every batch (and
    every worker given the same arguments) judges alike.
    """

    def __init__(self, library: Library, *, as_of: dt.datetime | dt.date | str,
                 packs: Sequence[str] | None = None, lang: Lang | None = None,
                 facts_column: str = "facts", keys: Sequence[str] = (),
                 chunk_rows: int = CHUNK_ROWS, overrides: bool = False) -> None:
        if lang not in (None, "zh", "en"):
            raise ValueError(f"lang must be 'zh', 'en' or None, not {lang!r}")
        if chunk_rows < 1:
            raise ValueError("chunk_rows must be 1 or more")
        for pack in packs or ():
            library.versions(pack)  # an unknown pack fails the call, not every row
        instant = Library.resolve_as_of({}, as_of)
        self._lang = lang
        self._judge: Judge[_Row] = Judge(library, as_of=instant, packs=tuple(packs or ()),
                                         render=self._row, overrides=overrides)
        self._facts_column = facts_column
        self._keys = tuple(keys)
        self._chunk_rows = chunk_rows
        verdict_schema([pa.field(k, pa.null()) for k in self._keys])  # the names may not clash
        self._as_of_text: tuple[dt.datetime | None, str] = (None, "")

    def evaluate(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        """The verdict rows of ``batch``, a batch per :data:`CHUNK_ROWS` input rows."""
        documents = _documents(batch, self._facts_column)
        missing = [k for k in self._keys if k not in batch.schema.names]
        if missing:
            raise KeyError(f"no key column {missing} in the batch; it has {batch.schema.names}")
        keys = batch.select(list(self._keys))
        schema = verdict_schema(list(keys.schema))
        for start in range(0, max(len(documents), 1), self._chunk_rows):
            part = documents[start:start + self._chunk_rows]
            yield self._rows(part, keys.slice(start, len(part)), schema)

    def _rows(self, documents: Sequence[RawDocument | None], keys: pa.RecordBatch,
              schema: pa.Schema) -> pa.RecordBatch:
        taken: list[int] = []
        rows: list[_Row | None] = []
        errors: list[dict[str, Any] | None] = []
        packs: list[str | None] = []
        judge = self._judge.judge
        for index, document in enumerate(documents):
            judged = judge(document)
            if not judged.records:  # no pack asked for, and none applies
                taken.append(index)
                rows.append(None)
                packs.append(None)
                errors.append(None)
            for record in judged.records:
                taken.append(index)
                if isinstance(record, Failure):
                    rows.append(None)
                    packs.append(record.pack)
                    error = record.error
                    errors.append({"code": error["code"], "message": error["message"],
                                   "value": error["value"]})
                else:
                    rows.append(record)
                    packs.append(record[0])
                    errors.append(None)
        return _batch(schema, keys.take(pa.array(taken, pa.int64())), rows, packs, errors)

    def _row(self, verdict: Verdict) -> _Row:
        as_of = verdict.as_of
        if self._as_of_text[0] is not as_of:  # the verdicts of a batch share a few instants
            self._as_of_text = (as_of, as_of.isoformat())
        lang = self._lang
        if lang is None:
            result, reasons = _encode(to_jsonable(verdict.result)), None
        else:
            result, reasons = _split(verdict.to_json(lang))
        return (verdict.pack, verdict.version, verdict.digest, self._as_of_text[1],
                verdict.outcome, verdict.applicable, result, reasons, list(verdict.missing))


def _split(text: str) -> tuple[str, str]:
    """The ``result`` and ``reasons`` of a verdict's JSON text, as the text of each.

    The verdict's JSON is written in one fixed order (pack, version, digest, as_of, outcome,
    result, reasons, missing, then ``applicable`` when false): the first ``"result": `` is its
    key (the strings before it hold no unescaped quote), the result object is read to find its
    end, and the last ``, "missing": `` is the key after the reasons. Slicing costs nothing next
    to writing the reasons again from objects.
    """
    start = text.index(_RESULT_KEY) + len(_RESULT_KEY)
    end = _decode_at(text, start)[1]
    if not text.startswith(_REASONS_KEY, end):
        raise ValueError("a verdict's JSON has reasons right after its result")
    return text[start:end], text[end + len(_REASONS_KEY):text.rindex(_MISSING_KEY)]


def _batch(schema: pa.Schema, keys: pa.RecordBatch, rows: Sequence[_Row | None],
           packs: list[str | None], errors: list[dict[str, Any] | None]) -> pa.RecordBatch:
    def column(index: int) -> list[Any]:
        return [None if row is None else row[index] for row in rows]

    outcomes = column(4)
    for at, (row, error) in enumerate(zip(rows, errors, strict=True)):
        if row is None and error is None:
            outcomes[at] = NOT_APPLICABLE
    values = [packs, column(1), column(2), column(3), outcomes, column(5), column(6),
              column(7), column(8), errors]
    fields = verdict_fields()
    arrays = [*keys.columns,
              *(pa.array(v, type=f.type) for v, f in zip(values, fields, strict=True))]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _documents(batch: pa.RecordBatch, name: str) -> list[RawDocument | None]:
    """The documents of the facts column: the raw text of each, or its struct as a mapping."""
    if name not in batch.schema.names:
        raise KeyError(f"no facts column `{name}` in the batch; it has {batch.schema.names}")
    column = batch.column(name)
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.dictionary_decode()
        kind = column.type
    if (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind)
            or pa.types.is_large_binary(kind) or _is_view(kind)):
        texts: list[RawDocument | None] = column.to_pylist()
        return texts
    if pa.types.is_struct(kind):
        return [None if doc is None else _plain(doc) for doc in column.to_pylist()]
    raise TypeError(f"the facts column `{name}` must hold JSON text or a struct shaped like "
                    f"the fact schema, not {kind}")


def _is_view(kind: pa.DataType) -> bool:
    # string_view and binary_view are recent (pyarrow 16); older versions have neither.
    checks = (getattr(pa.types, "is_string_view", None), getattr(pa.types, "is_binary_view", None))
    return any(check is not None and check(kind) for check in checks)


def _plain(value: Any) -> Any:
    """A struct cell as a fact document: null fields left out, dates as ISO 8601 text."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def evaluate_batches(
    batches: Iterable[pa.RecordBatch],
    *,
    as_of: dt.datetime | dt.date | str,
    library: Library | None = None,
    rules: str | os.PathLike[str] | None = None,
    packs: Sequence[str] | None = None,
    lang: Lang | None = None,
    facts_column: str = "facts",
    keys: Sequence[str] = (),
    overrides: bool = False,
) -> Iterator[pa.RecordBatch]:
    """Verdict batches for ``batches`` of fact documents, in input order.

    ``library`` is a loaded :class:`Library`; else ``rules`` is a pack file or folder to load
    (default: the bundled packs). ``as_of`` is the instant for documents without their own:
    required, so that every worker of a distributed job judges at the same instant; with
    ``overrides``, every document is judged at ``as_of``, its own ``as_of`` checked and then
    replaced, as ``eval --batch --as-of`` judges. ``packs``
    chooses the packs (default: every pack that applies to each document). ``lang`` asks for
    the reasons in that language. ``keys`` are input columns carried into every output row.
    An unknown pack or an ``as_of`` that is not an instant raises here, before any batch.
    """
    judge = BatchJudge(_library(library, rules), as_of=as_of, packs=packs, lang=lang,
                       facts_column=facts_column, keys=keys, overrides=overrides)
    return (out for batch in batches for out in judge.evaluate(batch))


def evaluate_table(table: pa.Table, **options: Any) -> pa.Table:
    """:func:`evaluate_batches` over a whole table, as one table: for ``map_batches`` of
    Polars and Ray Data, whose functions take and give a table."""
    keys = options.get("keys", ())
    schema = verdict_schema([table.schema.field(k) for k in keys])
    batches = evaluate_batches(table.to_batches(), **options)
    return pa.Table.from_batches(list(batches), schema=schema)


def _library(library: Library | None, rules: str | os.PathLike[str] | None) -> Library:
    if library is not None and rules is not None:
        raise ValueError("give the library or the rules to load, not both")
    return library if library is not None else load(rules)
