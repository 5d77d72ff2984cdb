"""The schema stage: a pack file's shape checked against ``schemas/pack.schema.json``, every
finding worded as a problem at the key or value it is about."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rulepack.core import yaml_reader
from rulepack.core.errors import ProblemSink, did_you_mean, not_of_type
from rulepack.facts.precheck import JSON_TYPES, compile_precheck
from rulepack.facts.schema import format_checker

if TYPE_CHECKING:
    import jsonschema
    from jsonschema import Draft202012Validator


class PackSchema:
    """The compiled pack format, built once per library.

    A compiled yes/no check (facts.precheck) passes a valid pack without jsonschema, which is
    imported, and its validator built, only to word the problems of a pack that check did not
    pass.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self._precheck = compile_precheck(schema, JSON_TYPES)

    @cached_property
    def validator(self) -> Draft202012Validator:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(self.schema, format_checker=format_checker())

    def errors(self, data: Any) -> Iterator[jsonschema.ValidationError]:
        """Every way ``data`` breaks the pack format, as jsonschema finds them."""
        try:
            valid = self._precheck(data)
        except Exception:  # a surprise only means "ask jsonschema"
            valid = False
        return iter(()) if valid else self.validator.iter_errors(data)


NEST_LESS = "nest conditions less deeply: name parts as rules or result fields"


def check_schema(sink: ProblemSink, doc: yaml_reader.Positioned, schema: PackSchema) -> None:
    """Add a problem to ``sink`` for every way the document breaks the pack format."""
    try:
        for error in schema.errors(doc.data):
            _schema_problem(sink, doc, _deepest(error))
    except RecursionError:
        # The reader keeps documents within MAX_DEPTH; a caller deep in its own stack can
        # still leave too little room for the schema's recursion.
        sink.add("RP102", "the pack nests too deeply to be checked", at=(1, 1),
                 hint=NEST_LESS)


def _deepest(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For anyOf / if-then errors, the sub-error that says most about what is wrong."""
    import jsonschema.exceptions

    while error.context:
        best = jsonschema.exceptions.best_match(error.context)
        if best is None or len(best.absolute_path) < len(error.absolute_path):
            break
        error = best
    return error


def _schema_problem(sink: ProblemSink, doc: yaml_reader.Positioned, error: Any) -> None:
    path = tuple(error.absolute_path)
    rule = _rule_id_at(doc.data, path)
    at = doc.position(path)
    validator = error.validator
    if validator == "additionalProperties":
        allowed = [k for k in error.schema.get("properties", {})]
        for key in [k for k in error.instance if k not in allowed]:
            advice = did_you_mean(key, allowed) or f"allowed here: {', '.join(allowed)}"
            if not key.isascii() or " " in key:
                # Text cut off at a comma inside `{...}` turns its tail into a key.
                advice = ("this looks like the rest of a text: inside `{...}` a `, ` starts a new "
                        "key, so quote the whole text")
            sink.add("RP103", f"unknown key `{key}`", at=doc.key_position(path + (key,)),
                     rule=rule, value=key, hint=advice)
        return
    if validator == "required":
        sink.add("RP102", error.message, at=at, rule=rule,
                 hint="see the pack format reference in the README")
        return
    if path == ("version",) and validator in ("pattern", "type"):
        sink.add("RP104", f"`{error.instance}` is not a semantic version", at=at, rule=rule,
                 value=error.instance, hint="write MAJOR.MINOR.PATCH, e.g. 1.0.0")
        return
    if (validator == "format" and error.validator_value == "date") or (
            path in (("effective_from",), ("effective_until",)) and validator == "type"):
        sink.add("RP105", f"`{error.instance}` is not a calendar date", at=at, rule=rule,
                 value=error.instance, hint="write YYYY-MM-DD, e.g. 2026-11-21")
        return
    hint: str | None = None
    if validator == "enum":
        hint = did_you_mean(str(error.instance), [str(v) for v in error.validator_value]) or \
            f"one of: {', '.join(map(str, error.validator_value))}"
    elif validator == "pattern":
        hint = "use lowercase letters, digits and _ (ids of packs are dotted)"
    message = error.message
    if validator == "type":
        message, expected = not_of_type(error.instance, error.validator_value)
        hint = f"expected {expected} here"
    sink.add("RP102", message, at=at, rule=rule, value=error.instance
             if not isinstance(error.instance, (dict, list)) else None, hint=hint)


def _rule_id_at(data: Any, path: tuple[Any, ...]) -> str | None:
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        rules = data.get("rules") if isinstance(data, dict) else None
        if isinstance(rules, list) and path[1] < len(rules) and isinstance(rules[path[1]], dict):
            rule_id = rules[path[1]].get("id")
            return rule_id if isinstance(rule_id, str) else None
    return None


