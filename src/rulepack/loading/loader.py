"""Loading one pack file, as an ordered list of named stages (the way OPA's compiler keeps its
own): the YAML with a position for every value, the pack schema, its strings (names whole,
no control characters), the model with every expression compiled, then the types of those
expressions.

Each stage reports *every* problem it finds; the problems of a file are raised together,
sorted by location (PackError sorts them). A stage runs only when the earlier ones found
nothing, since it relies on their guarantees, with two exceptions that keep what one run
reports: a duplicate key does not stop the schema stage (the reader kept the first value), and
an expression that does not compile does not stop the types stage from checking the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import PackError, ProblemSink, json_shown, not_utf8
from rulepack.lang.expressions import DEFAULT_LIMITS, FieldInfo, Limits
from rulepack.loading.builder import Builder
from rulepack.loading.pack_schema import NEST_LESS, PackSchema, check_schema
from rulepack.loading.strings import check_strings
from rulepack.model.pack import Pack

__all__ = ["MAX_PACK_BYTES", "MAX_PACK_TEXT", "STAGES", "PackSchema", "load_pack_file",
           "load_pack_text"]

# The largest pack file read: fifty times the largest bundled one.
MAX_PACK_BYTES = 1_000_000
# The most characters of text (keys and string values) a pack may hold once its YAML aliases
# are expanded: an alias repeats a value without repeating its bytes, so a small file can
# name gigabytes (nine thousand aliases of a 99,000-character text), which the pack's digest
# and every check would then spell out.
MAX_PACK_TEXT = MAX_PACK_BYTES


@dataclass
class Loading:
    """One pack file on its way through the stages: what each stage hands to the next."""

    text: str
    sink: ProblemSink
    pack_schema: PackSchema
    facts: Mapping[str, FieldInfo]
    limits: Limits
    doc: yaml_reader.Positioned | None = None
    builder: Builder | None = None
    pack: Pack | None = None


# A stage adds its problems to the sink and says whether the stages after it may run.
Stage = Callable[[Loading], bool]


def _yaml_stage(loading: Loading) -> bool:
    """RP100 not YAML, RP101 a key written twice, RP102 not one mapping, RP110 more text
    than MAX_PACK_TEXT with its aliases expanded."""
    sink = loading.sink
    try:
        doc = yaml_reader.load(loading.text)
    except yaml_reader.YamlSyntaxError as exc:
        sink.add("RP100", f"the file is not valid YAML: {exc}", at=exc.position,
                 hint=_yaml_hint(str(exc)))
        return False
    if _text_size(doc.data) > MAX_PACK_TEXT:
        sink.add("RP110", f"the pack holds more than {MAX_PACK_TEXT:,} characters of text "
                 "once its YAML aliases (*name) are expanded", at=(1, 1),
                 hint="write each value out where it is used, or name it once as a param")
        return False
    sink.extend(dup.problem(sink.file, "RP101") for dup in doc.duplicates)
    data = doc.data
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        sink.pack = data["id"]
    if not isinstance(data, dict):
        sink.add("RP102", "a pack file must hold one mapping (id, version, rules, ...)",
                 at=(1, 1), value="an empty file" if data is None else json_shown(data),
                 hint="start from a bundled pack, or the pack format in the README")
        return False
    loading.doc = doc
    return True  # a duplicate key is reported with the schema's findings


def _schema_stage(loading: Loading) -> bool:
    """RP102-RP105: the shape the pack format asks for."""
    assert loading.doc is not None  # the yaml stage passed
    check_schema(loading.sink, loading.doc, loading.pack_schema)
    return not loading.sink.problems


def _strings_stage(loading: Loading) -> bool:
    """RP102 (RP104 the version): names matched whole, no control characters in texts."""
    assert loading.doc is not None  # the schema stage passed
    check_strings(loading.sink, loading.doc)
    return not loading.sink.problems


def _model_stage(loading: Loading) -> bool:
    """RP106-RP109 and RP2xx: the model built, every expression compiled."""
    assert loading.doc is not None  # the schema stage passed
    loading.builder = Builder(loading.doc, loading.sink, loading.facts, loading.limits)
    loading.pack = loading.builder.pack()
    return True  # the expressions that compiled are type-checked all the same


def _types_stage(loading: Loading) -> bool:
    """RP210s: every compiled expression's kinds against the fact vocabulary."""
    assert loading.builder is not None  # the model stage ran
    loading.builder.type_check()
    return not loading.sink.problems


STAGES: tuple[tuple[str, Stage], ...] = (
    ("yaml", _yaml_stage),
    ("schema", _schema_stage),
    ("strings", _strings_stage),
    ("model", _model_stage),
    ("types", _types_stage),
)


def load_pack_file(
    path: Path,
    *,
    display: str,
    pack_schema: PackSchema,
    facts: Mapping[str, FieldInfo],
    limits: Limits = DEFAULT_LIMITS,
) -> Pack:
    """Read, validate and compile one pack file; raise :class:`PackError` with all problems."""
    sink = ProblemSink(display)
    try:
        with path.open("rb") as stream:
            # Refused before parsing: YAML's own limits would refuse a huge file only after
            # reading it whole (a 6 MB file took a minute and most of a gigabyte).
            data = stream.read(MAX_PACK_BYTES + 1)
        if len(data) > MAX_PACK_BYTES:
            size = path.stat().st_size
            sink.add("RP110", f"the file has {size:,} bytes, more than {MAX_PACK_BYTES:,}",
                     hint="a pack is policy written by people: split it into several packs")
            raise PackError(sink.problems)
        text = data.decode("utf-8")
    except OSError as exc:
        sink.add("RP110", f"cannot read the file: {exc}")
        raise PackError(sink.problems) from None
    except UnicodeDecodeError as exc:
        line, column, message = not_utf8(data, exc)
        sink.add("RP110", message, at=(line, column),
                 hint="save the file as UTF-8 (an editor's Save As or Encoding menu)")
        raise PackError(sink.problems) from None
    return load_pack_text(text, display=display, pack_schema=pack_schema, facts=facts,
                          limits=limits)


def load_pack_text(
    text: str,
    *,
    display: str,
    pack_schema: PackSchema,
    facts: Mapping[str, FieldInfo],
    limits: Limits = DEFAULT_LIMITS,
) -> Pack:
    """Run the stages over one pack's text; raise :class:`PackError` with all problems."""
    loading = Loading(text, ProblemSink(display), pack_schema, facts, limits)
    for _name, stage in STAGES:
        if not stage(loading):
            break
    if loading.sink.problems or loading.pack is None:
        raise PackError(loading.sink.problems)
    return loading.pack


def _text_size(data: Any) -> int:
    """The characters of every key and string value in ``data``, each alias counted where it
    stands; stops counting past MAX_PACK_TEXT. The reader bounds the values walked."""
    size = 0
    stack = [data]
    while stack and size <= MAX_PACK_TEXT:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item)
        elif isinstance(item, dict):
            size += sum(map(len, item))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return size


def _yaml_hint(message: str) -> str:
    """Advice for the commonest ways a hand-edited YAML file goes wrong."""
    if "'\\t'" in message or "\t" in message:
        return "YAML indents with spaces, never tabs"
    if "nests more than" in message or "nested too deeply" in message:
        return NEST_LESS
    if "digits" in message:
        return "write the number as a string, or a smaller one"
    return ("look at the indentation and quotes on this line and the one before: a text holding "
            "`: ` or starting with `{`, `[`, `*` or `&` needs quotes")
