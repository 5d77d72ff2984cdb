#!/usr/bin/env python3
"""Record the golden corpus: what the current code says about a fixed set of fact documents.

    PYTHONPATH=<pristine checkout>/src python <pristine checkout>/tests/golden/make_corpus.py \
        --out tests/golden/corpus.jsonl.gz --commit <its commit id>

(see tests/golden/README.md) writes ``tests/golden/corpus.jsonl.gz``: gzip-compressed JSON
Lines, one record per line. ``tests/test_golden.py`` evaluates every record's document again
and compares the bytes.

Only rulepack's public API is used (``rulepack.load``, ``rulepack.read_facts``, ``Library``
and ``Verdict`` methods, ``rulepack.testing``), never a ``rulepack._private`` module: the
corpus must outlive a reorganisation of the package's modules.

Records
-------
The first line is a header ``{"kind": "header", ...}`` (format version, commit, counts).
Every other line is one verdict:

``kind: "example"``
    One verdict of ``library.evaluate_all(doc, as_of=None)`` for an example document of
    ``examples/*.yaml`` (read with ``rulepack.read_facts``), as ``rulepack eval FILE`` makes
    them: all applicable packs, no pack filter. ``source`` names the file, ``position`` the
    verdict's place in the list. The examples carry their own ``as_of``; ``as_of`` is null.
``kind: "generated"``
    ``library.evaluate(pack, doc, as_of=as_of)`` for a generated document. ``as_of`` is always
    given, so nothing depends on the clock; a document carrying its own ``as_of`` is judged at
    that one (the library's rule), a document without one at the argument.

Every verdict record has ``pack``, ``judged_at`` (the verdict's as_of: the instant it was
judged at, the document's or the argument), ``origin`` (example, case, drawn, drawn_complete,
mutated), ``doc``, ``as_of``, ``outcome`` (for statistics only) and
``out``: ``{"json_zh", "json_en", "explain_zh", "explain_en"}`` = ``verdict.to_json("zh")``,
``verdict.to_json("en")``, ``verdict.explain("zh")``, ``verdict.explain("en")``, computed in
that order from one verdict. A record whose evaluation raised a ``rulepack.RulepackError``
has ``raises: {"class", "problems": [Problem.to_dict()...]}`` instead of ``out``. A record
whose JSON is not strict JSON (NaN or Infinity written) has ``known_defect: "nan"``.

Generation (deterministic; the documents are stored, so the test never regenerates them)
---------------------------------------------------------------------------------------
For each bundled pack id, in ``library.ids`` order, until ``PER_PACK`` distinct
(document, as_of) pairs:

0. the fact documents of the pack's own test cases (``rules/**/*.test.yaml`` beside the pack,
   read with ``rulepack.read_facts``; each case's ``as_of`` put in its document), hand-written
   at the boundaries and reaching every outcome the pack can give;
1. ``rulepack.testing.facts_for(pack)`` and ``facts_for(pack, complete=True)``, drawn by a
   Hypothesis ``@given`` run with ``derandomize=True``, ``database=None``, a fixed ``@seed``
   and only the generate phase, collecting every example;
2. documents made by a ``random.Random`` (seeded from ``SEED`` and the pack id) that mutates
   the documents of 0 and 1 and the example documents: keys dropped (facts missing, so ``unknown``),
   values set to null, numbers moved to the pack's params and one step either side, to 0 and
   to extremes, booleans flipped, lists emptied, cut or grown, dates and instants moved by a
   day or an hour, enum-like strings swapped for ones seen at the same path, the document's
   own ``as_of`` dropped (judged at the argument). Documents the fact schema refuses
   (``library.check_facts``) are dropped.

Every document is round-tripped through JSON before it is evaluated, so the record's output
is exactly what its stored document gives.
"""

from __future__ import annotations

import argparse
import collections
import copy
import datetime as dt
import gzip
import json
import random
import re
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings

import rulepack
from rulepack import testing

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_OUT = HERE / "corpus.jsonl.gz"
FORMAT = 1
SEED = 20261121
PER_PACK = 150
# How many documents are drawn from each Hypothesis strategy before mutation fills the rest.
DRAWN_PARTIAL = 60
DRAWN_COMPLETE = 30
# The as_of arguments: inside every bundled pack's window; a date alone (midnight +08:00); an
# instant in UTC whose day in China is the next day (2026-07-01), across a month and quarter end.
AS_OF_CHOICES = ("2026-06-15T12:00:00+08:00", "2026-03-31", "2026-06-30T16:30:00Z")
LANGS = ("zh", "en")
OUTPUTS = ("json_zh", "json_en", "explain_zh", "explain_en")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


# -- evaluating and recording -------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


def strict_json(text: str) -> bool:
    """Whether ``text`` is JSON without NaN or Infinity."""
    try:
        json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        return False
    return True


def outputs(verdict: rulepack.Verdict) -> dict[str, str]:
    """The four recorded outputs of one verdict, in this order (the test uses the same)."""
    return {
        "json_zh": verdict.to_json("zh"),
        "json_en": verdict.to_json("en"),
        "explain_zh": verdict.explain("zh"),
        "explain_en": verdict.explain("en"),
    }


def verdict_record(base: dict[str, Any], verdict: rulepack.Verdict) -> dict[str, Any]:
    out = outputs(verdict)
    record = {**base, "pack": verdict.pack, "judged_at": verdict.as_of.isoformat(),
              "outcome": verdict.outcome, "out": out}
    if not (strict_json(out["json_zh"]) and strict_json(out["json_en"])):
        record["known_defect"] = "nan"
    return record


def error_record(base: dict[str, Any], pack: str, exc: rulepack.RulepackError) -> dict[str, Any]:
    return {**base, "pack": pack, "outcome": "raises",
            "raises": {"class": type(exc).__name__,
                       "problems": [p.to_dict() for p in exc.problems]}}


def roundtrip(doc: Any) -> Any:
    return json.loads(json.dumps(doc, ensure_ascii=False))


# -- documents ----------------------------------------------------------------------------------


def drawn(strategy: Any, count: int, seed_value: int) -> list[dict[str, Any]]:
    """``count`` examples of ``strategy``, the same on every run (same Hypothesis version)."""
    found: list[dict[str, Any]] = []

    @settings(derandomize=True, database=None, max_examples=count, phases=[Phase.generate],
              deadline=None, suppress_health_check=list(HealthCheck), print_blob=False)
    @seed(seed_value)
    @given(strategy)
    def collect(doc: dict[str, Any]) -> None:
        found.append(copy.deepcopy(doc))

    collect()
    return found


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """Every (path, value) under ``value``, the root left out; a path is keys and indexes."""
    out: list[tuple[tuple[Any, ...], Any]] = []
    items = value.items() if isinstance(value, dict) else \
        enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        path = (*prefix, key)
        out.append((path, child))
        out.extend(_paths(child, path))
    return out


def _shape(path: tuple[Any, ...]) -> str:
    """``account.violations[].points`` for ("account", "violations", 2, "points")."""
    text = ""
    for part in path:
        text += "[]" if isinstance(part, int) else ("." if text else "") + part
    return text


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def _numbers_of(pack: rulepack.Pack) -> list[float]:
    """The pack's numeric params (thresholds), and 0."""
    numbers: list[float] = [0]
    for value in (pack.params or {}).values():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers.append(value)
    return numbers


def _step(value: float) -> float:
    if isinstance(value, int):
        return 1
    text = repr(value)
    if "e" in text or "." not in text:
        return 1
    return 10.0 ** -len(text.split(".")[1])


class Mutator:
    """Seeded edits of fact documents: missing facts, nulls, boundary values, moved dates."""

    def __init__(self, rng: random.Random, pack: rulepack.Pack, pool: list[dict[str, Any]]):
        self.rng = rng
        self.numbers = _numbers_of(pack)
        # Strings seen at each path shape (enum values, platforms, regions) to swap between.
        self.strings: dict[str, list[str]] = collections.defaultdict(list)
        for doc in pool:
            for path, value in _paths(doc):
                if isinstance(value, str) and not _DATE.match(value) \
                        and not _INSTANT.match(value):
                    seen = self.strings[_shape(path)]
                    if value not in seen:
                        seen.append(value)

    def number(self, old: float) -> float:
        rng = self.rng
        choice = rng.random()
        if choice < 0.6:
            anchor = rng.choice(self.numbers)
            value = anchor + rng.choice((-1, 0, 0, 1)) * _step(anchor)
            if isinstance(old, int) and not float(value).is_integer():
                return old
            value = int(value) if isinstance(old, int) else float(value)
        elif choice < 0.75:
            value = old + rng.choice((-1, 1)) * _step(old)
        elif choice < 0.9:
            value = rng.choice((0, 1, -1))
        else:  # extremes: a huge count, a huge amount, the smallest float step
            value = rng.choice((10**12, 2**63, 10**20, 1e300, 1.7e308, 5e-324, 0.999999999))
        if isinstance(old, float) and isinstance(value, int):
            value = float(value)
        if isinstance(old, int) and isinstance(value, float):
            value = int(value) if value.is_integer() else old
        return value

    def moment(self, old: str) -> str:
        rng = self.rng
        if _DATE.match(old):
            day = dt.date.fromisoformat(old)
            return (day + dt.timedelta(days=rng.choice((-1, 1, -7, 7, -30, 30, -365, 365)))) \
                .isoformat()
        instant = dt.datetime.fromisoformat(old.replace("z", "Z"))
        moved = instant + dt.timedelta(hours=rng.choice((-1, 1, -24, 24, -48, 48)),
                                       minutes=rng.choice((0, 0, 1, -1)))
        return moved.isoformat()

    def mutate(self, doc: dict[str, Any]) -> dict[str, Any]:  # noqa: C901 - one table of edits
        doc = copy.deepcopy(doc)
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2, 3))):
            paths = _paths(doc)
            if not paths:
                break
            path, value = rng.choice(paths)
            parent = _parent(doc, path)
            key = path[-1]
            op = rng.random()
            if path == ("as_of",):
                if op < 0.7:
                    del doc["as_of"]  # judged at the as_of argument
                else:
                    doc["as_of"] = self.moment(value)
            elif op < 0.3:  # a missing fact (or list item)
                del parent[key]
            elif op < 0.4:
                parent[key] = None
            elif isinstance(value, bool):
                parent[key] = not value
            elif isinstance(value, (int, float)):
                parent[key] = self.number(value)
            elif isinstance(value, str) and (_DATE.match(value) or _INSTANT.match(value)):
                parent[key] = self.moment(value)
            elif isinstance(value, str):
                seen = self.strings.get(_shape(path)) or [value]
                parent[key] = rng.choice(seen + ["", "x"])
            elif isinstance(value, list):
                if not value or rng.random() < 0.3:
                    parent[key] = []
                elif rng.random() < 0.5:
                    parent[key] = value[: rng.randrange(len(value))]
                else:
                    parent[key] = value + [copy.deepcopy(rng.choice(value))
                                           for _ in range(rng.choice((1, 2, 5)))]
            elif isinstance(value, dict):
                if value and rng.random() < 0.6:
                    del value[rng.choice(sorted(value))]
                else:
                    parent[key] = {}
        return doc


# -- the corpus ---------------------------------------------------------------------------------


def example_records(library: rulepack.Library) -> tuple[list[dict[str, Any]], list[Any]]:
    records: list[dict[str, Any]] = []
    docs: list[Any] = []
    for path in sorted((REPO / "examples").glob("*.yaml")):
        source = path.relative_to(REPO).as_posix()
        doc = rulepack.read_facts(path)
        # What rulepack eval does: check the document, then every applicable pack.
        library.check_facts(doc, file=source)
        direct = [outputs(v) for v in library.evaluate_all(doc)]
        doc = roundtrip(doc)
        verdicts = library.evaluate_all(doc)
        if [outputs(v) for v in verdicts] != direct:
            raise SystemExit(f"{source}: its JSON round trip evaluates differently")
        docs.append(doc)
        for position, verdict in enumerate(verdicts):
            base = {"kind": "example", "origin": "example", "source": source, "position": position,
                    "count": len(verdicts), "doc": doc, "as_of": None}
            records.append(verdict_record(base, verdict))
    return records, docs


def case_documents(pack: rulepack.Pack) -> list[dict[str, Any]]:
    """The fact documents of the test cases beside ``pack``'s file, each with its as_of."""
    docs: list[dict[str, Any]] = []
    for path in sorted(Path(pack.file).resolve().parent.glob("*.test.yaml")):
        cases = rulepack.read_facts(path)
        if not isinstance(cases, dict) or cases.get("pack") != pack.id:
            continue
        for case in cases.get("cases") or ():
            facts = case.get("facts")
            if isinstance(facts, dict):
                as_of = case.get("as_of")
                docs.append({**facts, **({"as_of": as_of} if as_of is not None else {})})
    return docs


def pack_documents(library: rulepack.Library, pack_id: str,
                   examples: list[Any]) -> list[tuple[dict[str, Any], str, str]]:
    """(document, as_of argument, origin) for one pack, distinct, in a fixed order."""
    pack_seed = SEED ^ zlib.crc32(pack_id.encode())
    rng = random.Random(pack_seed)
    subject = library.versions(pack_id)[-1].subject
    chosen: list[tuple[dict[str, Any], str, str]] = []
    seen: set[str] = set()

    def offer(doc: Any, origin: str) -> None:
        if len(chosen) >= PER_PACK or not isinstance(doc, dict):
            return
        doc = roundtrip(doc)
        try:
            library.check_facts(doc)
        except rulepack.FactsError:
            return
        as_of = rng.choice(AS_OF_CHOICES)
        key = json.dumps(doc, sort_keys=True, ensure_ascii=False)
        # One as_of argument per document: a document with its own as_of ignores it.
        if key not in seen:
            seen.add(key)
            chosen.append((doc, as_of, origin))

    cases = case_documents(library.versions(pack_id)[-1])
    for doc in cases:
        offer(doc, "case")
    partial = drawn(testing.facts_for(pack_id, library), DRAWN_PARTIAL, pack_seed)
    complete = drawn(testing.facts_for(pack_id, library, complete=True), DRAWN_COMPLETE,
                     pack_seed + 1)
    for doc in partial:
        offer(doc, "drawn")
    for doc in complete:
        offer(doc, "drawn_complete")
    pool = [doc for doc, _, _ in chosen] + [doc for doc in examples if subject in doc]
    mutator = Mutator(rng, library.versions(pack_id)[-1], pool)
    tries = 0
    while len(chosen) < PER_PACK and tries < 100 * PER_PACK:
        tries += 1
        offer(mutator.mutate(rng.choice(pool)), "mutated")
    return chosen


def generated_records(library: rulepack.Library, examples: list[Any]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for pack_id in library.ids:
        for doc, as_of, origin in pack_documents(library, pack_id, examples):
            base = {"kind": "generated", "origin": origin, "doc": doc, "as_of": as_of}
            try:
                verdict = library.evaluate(pack_id, doc, as_of=as_of)
            except rulepack.RulepackError as exc:
                records.append(error_record(base, pack_id, exc))
                continue
            records.append(verdict_record(base, verdict))
    return records


def rerecorded(library: rulepack.Library, corpus: Path) -> list[dict[str, Any]]:
    """The records of ``corpus`` with their outputs made again by this code: the same documents,
    packs and as_of, in the same order (for a change meant to alter outputs, where drawing the
    documents again would also change what is recorded)."""
    with gzip.open(corpus, "rt", encoding="utf-8") as lines:
        _, *old = (json.loads(line) for line in lines)
    records: list[dict[str, Any]] = []
    current: list[rulepack.Verdict] = []
    for record in old:
        keep = {k: v for k, v in record.items()
                if k not in ("pack", "judged_at", "outcome", "out", "raises", "known_defect")}
        if record["kind"] == "example":
            # One evaluate_all per document, as the test makes it: the position picks the verdict.
            if record["position"] == 0:
                current = library.evaluate_all(record["doc"])
            found = current[record["position"]]
            if len(current) != record["count"] or found.pack != record["pack"]:
                raise SystemExit(f"{record['source']}: the packs applying changed")
            records.append(verdict_record(keep, found))
            continue
        try:
            verdict = library.evaluate(record["pack"], record["doc"], as_of=record["as_of"])
        except rulepack.RulepackError as exc:
            records.append(error_record(keep, record["pack"], exc))
            continue
        records.append(verdict_record(keep, verdict))
    return records


def commit() -> str:
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--commit", default=None,
                        help="the commit the code is at (default: git rev-parse HEAD here)")
    parser.add_argument("--documents", type=Path, default=None,
                        help="record again the documents of this corpus instead of drawing them")
    args = parser.parse_args(argv)
    print(f"rulepack from {rulepack.__file__}", file=sys.stderr)
    library = rulepack.load()
    if args.documents is not None:
        records = rerecorded(library, args.documents)
        examples = [r for r in records if r["kind"] == "example"]
    else:
        examples, example_docs = example_records(library)
        records = examples + generated_records(library, example_docs)
    header = {"kind": "header", "format": FORMAT, "commit": args.commit or commit(),
              "rulepack_version": rulepack.__version__, "seed": SEED, "per_pack": PER_PACK,
              "records": len(records), "outputs": list(OUTPUTS)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 and no file name: the same records give the same bytes.
    with open(args.out, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
        for record in (header, *records):
            gz.write(json.dumps(record, ensure_ascii=False, separators=(",", ":"))
                     .encode("utf-8") + b"\n")
    stats: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    origins: collections.Counter[str] = collections.Counter()
    for record in records:
        stats[record["pack"]][record["outcome"]] += 1
        origins[record["origin"]] += 1
    defects = sum(1 for r in records if r.get("known_defect"))
    print(f"{len(records)} records ({len(examples)} from examples), {defects} known_defect, "
          f"{args.out.stat().st_size:,} bytes -> {args.out}", file=sys.stderr)
    for pack_id in sorted(stats):
        print(f"  {pack_id:40} {dict(sorted(stats[pack_id].items()))}", file=sys.stderr)
    print(f"  origins: {dict(sorted(origins.items()))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
