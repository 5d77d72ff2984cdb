"""The fact-document schema (schemas/facts.schema.json) and the example fact documents.

Stand-alone on purpose: only pytest, PyYAML and jsonschema, never rulepack itself, so the schema
and the examples stay checkable while the engine changes.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_PATH = ROOT / "schemas" / "facts.schema.json"
EXAMPLES = ROOT / "examples"
EXAMPLE_NAMES = [
    "douyin-creator-xingtu.yaml",
    "xigua-creator-task.yaml",
    "kuaishou-musician-banned.yaml",
    "mcn-signing.yaml",
    "government-account.yaml",
]


# --- loading -----------------------------------------------------------------------------------


class FactLoader(yaml.SafeLoader):
    """Safe YAML with YAML 1.2 core booleans and no implicit timestamps.

    Only true/false (true, True, TRUE, false, False, FALSE) are booleans, so ``on``, ``yes``,
    ``no`` and ``off`` stay strings (``violations[].on`` is a key), and ``2026-03-14`` or
    ``2026-03-14T22:15:00+08:00`` stay strings for the schema's formats to judge.
    """


_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
FactLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
FactLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_facts(text: str) -> Any:
    return yaml.load(text, Loader=FactLoader)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker()
    if "date-time" not in checker.checkers:
        # jsonschema checks date-time only when rfc3339-validator is installed; fall back to a
        # strict stdlib check so a missing optional package cannot make the tests pass vacuously.
        rfc3339 = re.compile(
            r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$", re.ASCII
        )

        @checker.checks("date-time", raises=ValueError)
        def _is_date_time(instance: object) -> bool:
            if not isinstance(instance, str):
                return True
            if not rfc3339.match(instance):
                return False
            datetime.datetime.fromisoformat(instance.upper())  # 3.11 reads a trailing Z
            return True

    return checker


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=_format_checker())


# --- the loader itself ---------------------------------------------------------------------------


def test_loader_keeps_on_yes_no_and_timestamps_as_strings() -> None:
    doc = load_facts(
        "on: 2026-03-14\n"
        "at: 2026-03-14T22:15:00+08:00\n"
        "a: yes\nb: no\nc: off\n"
        "d: true\ne: False\nf: TRUE\n"
        "g: 12\nh: 0.5\ni: null\nj: ~\n"
    )
    assert doc == {
        "on": "2026-03-14",
        "at": "2026-03-14T22:15:00+08:00",
        "a": "yes",
        "b": "no",
        "c": "off",
        "d": True,
        "e": False,
        "f": True,
        "g": 12,
        "h": 0.5,
        "i": None,
        "j": None,
    }
    # The stock SafeLoader is untouched.
    assert yaml.safe_load("on: yes") == {True: True}


# --- the schema is a schema ----------------------------------------------------------------------


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://rulepack.dev/schemas/facts.schema.json"
    assert schema["title"] and schema["description"]


def test_top_level_vocabulary(schema: dict[str, Any]) -> None:
    assert set(schema["properties"]) == {"as_of", "account", "organization", "task"}


def test_date_time_format_is_checked() -> None:
    checker = _format_checker()
    assert checker.conforms("2026-03-14T22:15:00+08:00", "date-time")
    assert not checker.conforms("2026-03-14 22:15", "date-time")
    assert not checker.conforms("2026-03-14T22:15:00", "date-time")  # no offset
    assert checker.conforms("2026-03-14", "date")
    assert not checker.conforms("2026-02-30", "date")


# --- walking the schema --------------------------------------------------------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/$defs/"), f"only local $defs refs are expected, got {ref}"
        target = schema["$defs"][ref.removeprefix("#/$defs/")]
        node = {**{k: v for k, v in node.items() if k != "$ref"}, **target}
    return node


def _subschemas(node: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Nested schemas and the path suffix they add: array items add ``[]``."""
    for key in ("items", "additionalProperties", "not", "if", "then", "else"):
        if isinstance(node.get(key), dict):
            yield ("[]" if key == "items" else ""), node[key]
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            yield "", sub
    for sub in node.get("prefixItems", []):
        yield "[]", sub


def walk_properties(
    schema: dict[str, Any], node: dict[str, Any], path: str = ""
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Yield (dotted path, property schema as written, property schema with $refs resolved).

    Follows $refs into $defs and descends into array items, whose fields get ``[]`` paths.
    """
    node = _resolve(schema, node)
    for name, prop in node.get("properties", {}).items():
        child = f"{path}.{name}" if path else name
        resolved = _resolve(schema, prop)
        yield child, prop, resolved
        yield from walk_properties(schema, resolved, child)
    for suffix, sub in _subschemas(node):
        yield from walk_properties(schema, sub, path + suffix)


def walk_objects(schema: dict[str, Any], node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object schema, anywhere, $defs included."""
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield node
        for value in node.values():
            if isinstance(value, (dict, list)):
                yield from walk_objects(schema, value)
    elif isinstance(node, list):
        for value in node:
            yield from walk_objects(schema, value)


def test_every_property_has_a_zh_and_en_label(schema: dict[str, Any]) -> None:
    seen = 0
    for path, prop, _ in walk_properties(schema, schema):
        seen += 1
        label = prop.get("x-label")
        assert isinstance(label, dict), f"{path} has no x-label"
        assert set(label) == {"zh", "en"}, f"{path}: x-label must have exactly zh and en"
        for lang in ("zh", "en"):
            assert isinstance(label[lang], str) and label[lang].strip(), f"{path}: empty {lang}"
    assert seen > 90


def test_every_object_is_closed_and_nothing_is_required(schema: dict[str, Any]) -> None:
    objects = list(walk_objects(schema, schema))
    assert len(objects) >= 20
    for node in objects:
        assert node.get("additionalProperties") is False, sorted(node.get("properties", {}))
        assert "required" not in node


def test_every_enum_value_has_labels(schema: dict[str, Any]) -> None:
    for name, definition in schema["$defs"].items():
        if "enum" not in definition:
            continue
        labels = definition["x-enum-labels"]
        assert set(labels) == {str(v) for v in definition["enum"]}, name
        for value, label in labels.items():
            assert label["zh"].strip() and label["en"].strip(), (name, value)


# The public vocabulary, from the policy catalogue's "Fact documents" section.
EXPECTED_LEAVES = {
    "as_of": "string",  # an instant, or a date meaning midnight +08:00 (anyOf formats)
    "account.platform": "enum",
    "account.fans": "count",
    "account.registered": "boolean",
    "account.profile_complete": "boolean",
    "account.real_name_verified": "boolean",
    "account.mcn_signed": "boolean",
    "account.original_permission": "boolean",
    "account.content_healthy": "boolean",
    "account.region": "string",
    "account.overseas": "boolean",
    "account.like_play_ratio": "fraction",
    "account.content_risk_score": "number",
    "account.accounts_on_device": "count",
    "account.recent_video_plays": "array",
    "account.phone.country_code": "string",
    "account.phone.receives_sms": "boolean",
    "account.phone.changed_since_verification": "boolean",
    "account.app.version": "string",
    "account.app.latest_version": "string",
    "account.identity.real_name": "string",
    "account.identity.id_number": "string",
    "account.identity.id_expires_on": "date",
    "account.identity.id_photo_front": "enum",
    "account.identity.id_photo_back": "enum",
    "account.identity.face_verified": "boolean",
    "account.identity.own_identity": "boolean",
    "account.verification.submitted_on": "date",
    "account.verification.status": "enum",
    "account.violations[].on": "date",
    "account.violations[].category": "enum",
    "account.violations[].type": "enum",
    "account.violations[].points": "count",
    "account.violations[].major": "boolean",
    "account.ban.level": "enum",
    "account.ban.category": "enum",
    "account.ban.type": "enum",
    "account.ban.started_at": "instant",
    "account.appeal.channels": "array",
    "account.appeal.evidence": "array",
    "account.appeal.evidence_timestamped": "boolean",
    "account.appeal.submitted_at": "instant",
    "account.appeal.last_response_at": "instant|null",
    "account.credit.rules_exam_passed": "boolean",
    "account.credit.valid_reports": "count",
    "account.credit.guarantor.real_name_verified": "boolean",
    "account.credit.guarantor.violations_past_year": "count",
    "account.xingtu.quote_set": "boolean",
    "account.xingtu.contact_phone": "boolean",
    "account.xingtu.contact_email": "boolean",
    "account.xingtu.accepting_orders": "boolean",
    "organization.type": "enum",
    "organization.documents": "array",
    "organization.admin_penalties[].on": "date",
    "organization.admin_penalties[].major": "boolean",
    "organization.fans": "count",
    "organization.interaction_rate": "fraction",
    "organization.managed_gmv_monthly": "number",
    "organization.violation_rate_6m": "fraction",
    "organization.annual_framework_cny": "number",
    "organization.live_commerce": "boolean",
    "organization.data_service": "boolean",
    "organization.gov.weekly_posts": "number",
    "organization.gov.service_content_share": "fraction",
    "organization.gov.policy_video_completion": "fraction",
    "organization.tech.erp_orders_per_second": "number",
    "organization.tech.stream_latency_s": "number",
    "organization.tech.adaptive_resolution": "boolean",
    "organization.tech.data_sync_interval_min": "number",
    "organization.tech.api_availability": "fraction",
    "organization.renewal.quarter_fans_growth": "number",  # growth can be negative or > 100 %
    "organization.renewal.annual_spend_met": "boolean",
    "organization.renewal.major_violation": "boolean",
    "organization.renewal.strategic_gmv_met": "boolean",
    "organization.complaints[].on": "date",
    "organization.complaints[].valid": "boolean",
    "organization.violations[].on": "date",
    "organization.violations[].points": "count",
    "task.published_at": "instant",
    "task.accepted_at": "instant|null",
    "task.script_skipped": "boolean",
    "task.script_approved": "boolean",
    "task.video_published_at": "instant|null",
    "task.linked_to_task": "boolean",
    "task.customer_accepted_at": "instant|null",
    "task.retention_days_agreed": "count|null",
    "task.video_removed_at": "instant|null",
}


def _kind(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "enum"
    typ, fmt = prop.get("type"), prop.get("format")
    if typ == "string" and fmt == "date":
        return "date"
    if typ == "string" and fmt == "date-time":
        return "instant"
    if typ == ["string", "null"] and fmt == "date-time":
        return "instant|null"
    if typ == "integer" and prop.get("minimum") == 0:
        return "count"
    if typ == ["integer", "null"] and prop.get("minimum") == 0:
        return "count|null"
    if typ == "number" and prop.get("minimum") == 0 and prop.get("maximum") == 1:
        return "fraction"
    return str(typ)


def test_leaf_fact_paths_and_types(schema: dict[str, Any]) -> None:
    def is_leaf(prop: dict[str, Any]) -> bool:
        if prop.get("type") == "array":
            prop = _resolve(schema, prop["items"])
        return prop.get("type") != "object"

    leaves = {
        path: _kind(resolved)
        for path, _, resolved in walk_properties(schema, schema)
        if is_leaf(resolved)
    }
    assert leaves == EXPECTED_LEAVES


def test_enums_match_the_catalogue(schema: dict[str, Any]) -> None:
    d = schema["$defs"]
    assert d["platform"]["enum"] == ["kuaishou", "douyin", "xigua", "huoshan", "toutiao"]
    assert d["idPhotoState"]["enum"] == ["clear", "unclear", "missing"]
    assert d["verificationStatus"]["enum"] == ["none", "pending", "approved", "rejected"]
    assert d["category"]["enum"] == ["content", "behavior", "environment"]
    assert d["violationType"]["enum"] == [
        "vulgar", "dangerous", "infringement",
        "fake_traffic", "false_transaction", "harassment", "private_order",
        "abnormal_login", "device_fingerprint",
    ]  # fmt: skip
    assert d["banLevel"]["enum"] == [1, 2, 3]
    assert d["appealChannel"]["enum"] == ["app", "email", "phone", "weibo"]
    assert d["material"]["enum"] == [
        "original_project_files", "copyright_certificate", "first_publication_proof",
        "context_clips", "scene_explanation", "no_violation_statement",
        "device_ip_records", "login_history_screenshots", "transaction_records",
    ]  # fmt: skip
    assert d["document"]["enum"] == [
        "business_license", "legal_person_id", "industry_license", "industry_qualification",
        "content_team", "equipment_list", "supervisor_authorization", "opinion_response_plan",
        "high_tech_certificate", "iso_certificate", "association_recommendation", "awards",
        "hit_cases", "ip_reserve",
    ]  # fmt: skip
    assert d["organizationType"]["enum"] == ["brand", "mcn", "government"]
    risk = schema["properties"]["account"]["properties"]["content_risk_score"]
    assert (risk["minimum"], risk["maximum"]) == (0, 100)


# --- the examples ---------------------------------------------------------------------------------


def test_the_examples_directory_holds_the_five_examples() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == sorted(EXAMPLE_NAMES)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_is_a_valid_fact_document(name: str, validator: Draft202012Validator) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text.startswith("# "), "an example starts with a comment saying who this is"
    doc = load_facts(text)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    as_of = doc["as_of"]
    assert as_of.startswith("2026-") and as_of.endswith("+08:00")


def _gb11643_check_digit(first17: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11]


def test_example_details_that_the_packs_rely_on() -> None:
    def load(name: str) -> Any:
        return load_facts((EXAMPLES / name).read_text(encoding="utf-8"))

    douyin = load("douyin-creator-xingtu.yaml")["account"]
    assert (douyin["platform"], douyin["fans"], douyin["mcn_signed"]) == ("douyin", 99999, False)

    xigua = load("xigua-creator-task.yaml")
    assert xigua["account"]["platform"] == "xigua"
    assert len(xigua["account"]["recent_video_plays"]) >= 20
    assert xigua["task"]["customer_accepted_at"] is None
    assert xigua["task"]["video_removed_at"] is None

    musician = load("kuaishou-musician-banned.yaml")["account"]
    id_number = musician["identity"]["id_number"]
    assert re.fullmatch(r"\d{17}[\dX]", id_number)
    assert id_number[17] == _gb11643_check_digit(id_number[:17])
    datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    assert musician["identity"]["real_name"] == "张三"
    assert musician["ban"]["level"] == 2 and musician["region"] == "广东"
    assert musician["fans"] == 320000
    assert all("on" in v for v in musician["violations"])

    mcn = load("mcn-signing.yaml")["organization"]
    assert mcn["type"] == "mcn" and mcn["annual_framework_cny"] == 10000000
    assert type(mcn["annual_framework_cny"]) is int

    gov = load("government-account.yaml")["organization"]
    assert gov["type"] == "government"
    assert {"supervisor_authorization", "opinion_response_plan"} <= set(gov["documents"])


# --- invalid documents are rejected where they are wrong ----------------------------------------


def _errors(validator: Draft202012Validator, doc: Any) -> list[jsonschema.ValidationError]:
    return list(validator.iter_errors(doc))


def _with(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = load_facts((EXAMPLES / "kuaishou-musician-banned.yaml").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "error_path", "keyword"),
    [
        (["account", "fans"], -1, None, "minimum"),
        (["account", "fans"], 1.5, None, "type"),
        (["account", "fans"], "320000", None, "type"),
        (["account", "platform"], "douyn", None, "enum"),
        (["account", "like_play_ratio"], 1.2, None, "maximum"),
        (["account", "content_risk_score"], 101, None, "maximum"),
        (["account", "real_name_verified"], "yes", None, "type"),
        (["account", "recent_video_plays"], [100, -3], ["account", "recent_video_plays", 1],
         "minimum"),
        (["account", "identity", "id_photo_front"], "blurry", None, "enum"),
        (["account", "identity", "id_expires_on"], "2031-02-30", None, "format"),
        (["account", "violations", 0, "on"], "2026/03/14", None, "format"),
        (["account", "violations", 0, "type"], "spam", None, "enum"),
        (["account", "ban", "level"], 4, None, "enum"),
        (["account", "ban", "level"], "2", None, "enum"),
        (["account", "ban", "started_at"], "2026-03-14 22:15", None, "format"),
        (["account", "ban", "started_at"], "2026-03-14T22:15:00", None, "format"),
        (["account", "appeal", "channels"], ["app", "wechat"], ["account", "appeal", "channels", 1],
         "enum"),
        (["account", "appeal", "submitted_at"], None, None, "type"),
        (["as_of"], "2026/03/17", None, "anyOf"),
    ],
)  # fmt: skip
def test_bad_values_are_rejected_at_their_path(
    validator: Draft202012Validator,
    path: list[str | int],
    value: Any,
    error_path: list[str | int] | None,
    keyword: str,
) -> None:
    """One bad value in an otherwise valid example is reported there, and only there."""
    errors = _errors(validator, _with(path, value))
    assert errors, f"{path} = {value!r} was accepted"
    assert {tuple(e.absolute_path) for e in errors} == {tuple(error_path or path)}
    assert keyword in {e.validator for e in errors}


def test_unknown_top_level_key_is_rejected_at_the_root(validator: Draft202012Validator) -> None:
    errors = _errors(validator, {"acount": {"fans": 10}})
    assert [(list(e.absolute_path), e.validator) for e in errors] == [([], "additionalProperties")]
    assert "acount" in errors[0].message


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        ({"account": {"fan": 10}}, ["account"]),
        ({"account": {"phone": {"country": "+86"}}}, ["account", "phone"]),
        ({"account": {"violations": [{"date": "2026-03-14"}]}}, ["account", "violations", 0]),
        ({"organization": {"gov": {"weekly_post": 5}}}, ["organization", "gov"]),
        ({"task": {"accepted": "2026-05-18T21:40:00+08:00"}}, ["task"]),
    ],
)
def test_unknown_nested_keys_are_rejected_where_they_are(
    validator: Draft202012Validator, doc: dict[str, Any], path: list[str | int]
) -> None:
    errors = _errors(validator, doc)
    assert [(list(e.absolute_path), e.validator) for e in errors] == [
        (path, "additionalProperties")
    ]


@pytest.mark.parametrize(
    ("doc", "path", "keyword"),
    [
        ({"organization": {"type": "agency"}}, ["organization", "type"], "enum"),
        ({"organization": {"documents": ["business_licence"]}}, ["organization", "documents", 0],
         "enum"),
        ({"organization": {"violation_rate_6m": 1.5}}, ["organization", "violation_rate_6m"],
         "maximum"),
        ({"organization": {"annual_framework_cny": -1}}, ["organization", "annual_framework_cny"],
         "minimum"),
        ({"organization": {"tech": {"api_availability": 99.9}}},
         ["organization", "tech", "api_availability"], "maximum"),
        ({"organization": {"complaints": [{"on": "2026-09-01", "valid": "yes"}]}},
         ["organization", "complaints", 0, "valid"], "type"),
        ({"organization": {"violations": [{"on": "2026-09-01", "points": -2}]}},
         ["organization", "violations", 0, "points"], "minimum"),
        ({"task": {"retention_days_agreed": 30.5}}, ["task", "retention_days_agreed"], "type"),
        ({"task": {"accepted_at": "2026-05-18"}}, ["task", "accepted_at"], "format"),
        ({"account": {"violations": {"on": "2026-03-14"}}}, ["account", "violations"], "type"),
    ],
)  # fmt: skip
def test_bad_organization_and_task_values(
    validator: Draft202012Validator, doc: dict[str, Any], path: list[str | int], keyword: str
) -> None:
    errors = _errors(validator, doc)
    assert [(list(e.absolute_path), e.validator) for e in errors] == [(path, keyword)]


def test_nulls_where_the_catalogue_allows_them(validator: Draft202012Validator) -> None:
    doc = {
        "task": {
            "accepted_at": None,
            "video_published_at": None,
            "customer_accepted_at": None,
            "retention_days_agreed": None,
            "video_removed_at": None,
        },
        "account": {"appeal": {"last_response_at": None}},
    }
    assert not _errors(validator, doc)
    assert _errors(validator, {"task": {"published_at": None}})


def test_empty_document_is_valid(validator: Draft202012Validator) -> None:
    assert not _errors(validator, {})
    assert not _errors(validator, {"account": {}, "organization": {}, "task": {}})


def test_yaml_1_1_booleans_are_not_booleans(validator: Draft202012Validator) -> None:
    doc = load_facts("account:\n  mcn_signed: no\n  violations:\n    - on: 2026-03-14\n")
    assert doc["account"]["violations"] == [{"on": "2026-03-14"}]
    errors = _errors(validator, doc)
    assert [list(e.absolute_path) for e in errors] == [["account", "mcn_signed"]]
