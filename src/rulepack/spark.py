"""Verdicts on Apache Spark: a DataFrame of fact documents in, a DataFrame of verdict rows out.

:func:`evaluate` is the whole of it. It owns what is particular to Spark: reading the packs on
the driver and shipping their texts to the executors, compiling them once per Python worker,
and declaring the output schema; the rows themselves are those of
:mod:`rulepack.batch.arrow`, which judges each document as ``rulepack eval --batch`` does.

The work runs through ``DataFrame.mapInArrow``: whole Arrow batches reach Python, no row is
turned into a Python object by Spark, and no extra jar is needed. A :class:`Library` is not
sent over the wire (it holds compiled code); the packs' YAML texts are, inside the function
Spark pickles, and each worker process compiles them once. The driver compiles them too,
first: a pack with problems fails the call at once, on the driver, with every problem listed.

``pip install 'rulepack[spark]'`` brings pyspark, pyarrow and the pandas that pyspark's Arrow
functions require.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from rulepack.batch.arrow import BatchJudge, verdict_fields
from rulepack.library import Library, bundled, load, pack_files
from rulepack.model.pack import Lang

try:
    import pyarrow as pa
    from pyspark.sql import DataFrame
    from pyspark.sql import types as T
except ImportError as exc:  # the extra is optional: say which one brings it
    raise ImportError("rulepack.spark needs pyspark and pyarrow: pip install 'rulepack[spark]'") \
        from exc

# The packs as the driver read them: a file name (relative, "/"-separated) to its YAML text.
PackTexts = Mapping[str, str]


def evaluate(
    df: DataFrame,
    *,
    as_of: dt.datetime | dt.date | str,
    packs: Sequence[str] | None = None,
    rules: str | os.PathLike[str] | PackTexts | None = None,
    lang: Lang | None = None,
    facts_column: str = "facts",
    keys: Sequence[str] = (),
    overrides: bool = False,
) -> DataFrame:
    """A DataFrame of verdict rows for the fact documents of ``df``.

    ``facts_column`` holds each document as JSON text (string or binary) or as a struct shaped
    like the fact schema. ``keys`` are columns of ``df`` carried into every output row (an
    account id, a partition date). ``as_of`` is the instant for documents without their own:
    required, because each executor's own "now" would differ; with ``overrides``, every
    document is judged at ``as_of``, as ``eval --batch --as-of`` judges. ``rules`` are a pack
    file or folder on the driver, or the texts of the packs by file name (default: the bundled
    packs); they are read here and shipped to the executors, which need no access to them.

    Every input row gives one row per pack of ``packs``, or, without ``packs``, one per pack
    that applies (or one ``not_applicable`` row); a bad document gives error rows, never a
    failed job. The columns are the keys, then those of
    :func:`rulepack.batch.arrow.verdict_fields`; ``digest`` names the pack version that ran,
    and every executor checks that it compiled what the driver compiled.
    """
    texts = pack_texts(rules)
    library = compiled(texts)  # a pack with problems fails here, on the driver
    for pack in packs or ():
        library.versions(pack)  # an unknown pack too
    instant = Library.resolve_as_of({}, as_of)
    schema = output_schema(df, keys)
    if facts_column not in df.columns:
        raise KeyError(f"no facts column `{facts_column}`; the DataFrame has {df.columns}")
    job = _Job(texts=dict(texts), fingerprint=fingerprint(texts),
               digests=_digests(library), as_of=instant.isoformat(),
               packs=tuple(packs) if packs else None, lang=lang,
               facts_column=facts_column, keys=tuple(keys), overrides=overrides)
    columns = list(dict.fromkeys([*keys, facts_column]))
    return df.select(*columns).mapInArrow(job, schema)


def output_schema(df: DataFrame, keys: Sequence[str] = ()) -> T.StructType:
    """The schema of :func:`evaluate`'s output for ``df``: its key columns, then the verdict's."""
    missing = [k for k in keys if k not in df.columns]
    if missing:
        raise KeyError(f"no key column {missing}; the DataFrame has {df.columns}")
    fields = [df.schema[k] for k in keys]
    clash = sorted({f.name for f in fields} & {f.name for f in verdict_fields()})
    if clash:
        raise ValueError(f"key columns {clash} would clash with the verdict columns; "
                         "rename them first")
    return T.StructType([*fields, *(_spark_field(f) for f in verdict_fields())])


def _spark_field(field: pa.Field) -> T.StructField:
    return T.StructField(field.name, _spark_type(field.type), nullable=True)


def _spark_type(kind: pa.DataType) -> T.DataType:
    if pa.types.is_string(kind):
        return T.StringType()
    if pa.types.is_boolean(kind):
        return T.BooleanType()
    if pa.types.is_list(kind):
        return T.ArrayType(_spark_type(kind.value_type), containsNull=True)
    if pa.types.is_struct(kind):
        return T.StructType([_spark_field(kind.field(i)) for i in range(kind.num_fields)])
    raise TypeError(f"no Spark type for the verdict column type {kind}")  # a new column's


# -- the packs, on the driver and on each worker ----------------------------------------------


def pack_texts(rules: str | os.PathLike[str] | PackTexts | None = None) -> dict[str, str]:
    """The YAML texts of the packs by file name: read from ``rules`` (a pack file or folder,
    default the bundled packs), or ``rules`` itself when it is texts already."""
    if isinstance(rules, Mapping):
        texts = dict(rules)
        for name in texts:
            _checked_name(name)
        return texts
    root = Path(rules) if rules is not None else bundled("rules")
    if root.is_file():
        return {root.name: root.read_text(encoding="utf-8")}
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
            for path in pack_files(root)}


def fingerprint(texts: PackTexts) -> str:
    """One digest of the texts and their names: the key of a worker's compiled packs."""
    digest = hashlib.sha256()
    for name in sorted(texts):
        for part in (name, texts[name]):
            data = part.encode("utf-8")
            digest.update(len(data).to_bytes(8, "big") + data)
    return "sha256:" + digest.hexdigest()


def compiled(texts: PackTexts) -> Library:
    """The library of the texts, loaded as ``rulepack.load`` loads a folder of these files.

    The texts are written to a private folder and loaded from there, so that a pack shipped
    to a worker goes through exactly the loading (and cross-file checks) the CLI's does.
    """
    with tempfile.TemporaryDirectory(prefix="rulepack-packs-") as folder:
        for name, text in texts.items():
            path = Path(folder, *_checked_name(name).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return load(folder)


def _checked_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise ValueError(f"a pack's file name must be a relative path inside the rules, "
                         f"not `{name}`")
    return path


def _digests(library: Library) -> tuple[tuple[str, str, str], ...]:
    return tuple((p.id, p.version, p.digest) for p in library.packs)


# Each Python worker's compiled packs, by fingerprint of their texts. Spark reuses a Python
# worker process for task after task (spark.python.worker.reuse, on by default), and calls
# the job's function afresh for each partition: without this memo, every partition of every
# stage would compile every pack again. It is keyed by the texts themselves, so a job shipping
# other packs gets its own entry; it lives here, in the one module whose functions run on
# executors, and holds a few libraries at most.
_WORKER_LIBRARIES: dict[str, Library] = {}
_WORKER_LIMIT = 4


def _worker_library(texts: PackTexts, key: str,
                    digests: tuple[tuple[str, str, str], ...]) -> Library:
    library = _WORKER_LIBRARIES.get(key)
    if library is None:
        library = compiled(texts)
        made = _digests(library)
        if made != digests:
            # The same texts compiled to other packs: the executors run another rulepack.
            differ = sorted({f"{i} {v}" for i, v, _ in set(made) ^ set(digests)})
            raise RuntimeError(f"the packs compiled on this executor differ from the driver's "
                               f"({', '.join(differ)}): install the driver's rulepack version "
                               "on the executors")
        if len(_WORKER_LIBRARIES) >= _WORKER_LIMIT:
            _WORKER_LIBRARIES.clear()
        _WORKER_LIBRARIES[key] = library
    return library


@dataclass(frozen=True)
class _Job:
    """The function ``mapInArrow`` runs on each partition: plain data, pickled with the job."""

    texts: dict[str, str]
    fingerprint: str
    digests: tuple[tuple[str, str, str], ...]
    as_of: str
    packs: tuple[str, ...] | None
    lang: Lang | None
    facts_column: str
    keys: tuple[str, ...]
    overrides: bool = False

    def __call__(self, batches: Iterator[Any]) -> Iterator[Any]:
        library = _worker_library(self.texts, self.fingerprint, self.digests)
        judge = BatchJudge(library, as_of=self.as_of, packs=self.packs, lang=self.lang,
                           facts_column=self.facts_column, keys=self.keys,
                           overrides=self.overrides)
        for batch in batches:
            yield from judge.evaluate(batch)
