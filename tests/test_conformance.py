"""Engine conformance cases kept as data in ``tests/conformance/*.yaml``.

Every case of every file is its own test, with the id ``FILE::CASE NAME``. The format is described
in ``tests/conformance/README.md`` and at the top of each file. Only the public API is used:
``rulepack.load``, ``Library.evaluate`` / ``evaluate_all``, ``Verdict``, ``Reason``, ``Check``,
``PackError`` / ``EvaluationError`` / ``FactsError`` and their ``problems``.

A case the engine gets wrong carries ``xfail_reason:`` in the data; it runs as a strict xfail,
so it turns into a failure the day the engine is fixed and the marker is left behind.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import rulepack

HERE = Path(__file__).resolve().parent / "conformance"

# The feature files the suite must have; a missing one is a failure, not a silent skip.
FEATURE_FILES = (
    "logic.yaml", "missing.yaml", "hit_policy_unique.yaml", "hit_policy_first.yaml",
    "hit_policy_priority.yaml", "hit_policy_collect.yaml", "scores.yaml", "outputs.yaml",
    "dates.yaml", "versions.yaml", "messages.yaml", "errors.yaml",
)

CASE_KEYS = {
    "name", "pack", "facts", "as_of", "version", "call", "limits", "expect", "pack_text",
    "pack_files", "expect_problems", "xfail_reason", "note",
}
EXPECT_KEYS = {
    "outcome", "version", "as_of", "rules", "result", "result_absent", "missing", "messages",
    "messages_exclude", "message_equals", "checks", "errors", "matched", "explain", "raises",
    "verdicts",
}
CHECK_KEYS = {
    "expr", "status", "actual", "threshold", "gap", "op", "param", "path", "missing",
    "error_contains", "text",
}
PROBLEM_KEYS = {"code", "line", "column", "hint_contains", "message_contains", "file"}
RAISES_KEYS = {"error", "code", "hint_contains", "message_contains", "value"}
STATUSES = {"pass", "fail", "unknown", "skipped"}
LANGS = ("zh", "en")


# -- reading the data ----------------------------------------------------------------------------


class _DataLoader(yaml.SafeLoader):
    """YAML 1.2 booleans only (``on`` is a key, not True), dates stay strings, no duplicate keys."""


_DataLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))


def _mapping_without_duplicates(loader: _DataLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} in conformance data", key_node.start_mark)
        seen.add(key)
    return dict(loader.construct_pairs(node, deep=True))


_DataLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                            _mapping_without_duplicates)


def _read(path: Path) -> dict[str, Any]:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_DataLoader)
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list) or not data["cases"]:
        raise ValueError(f"{path.name}: a conformance file holds `cases:`, a non-empty list")
    unknown = set(data) - {"packs", "cases"}
    if unknown:
        raise ValueError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
    return data


def _collect() -> list[Any]:
    params: list[Any] = []
    for path in sorted(HERE.glob("*.yaml")):
        data = _read(path)
        names: set[str] = set()
        for case in data["cases"]:
            name = case.get("name") if isinstance(case, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"{path.name}: every case needs a `name`: {case!r:.120}")
            if name in names:
                raise ValueError(f"{path.name}: two cases are named {name!r}")
            names.add(name)
            marks = []
            if case.get("xfail_reason"):
                marks.append(pytest.mark.xfail(strict=True, reason=str(case["xfail_reason"])))
            params.append(pytest.param(path.name, data.get("packs") or [], case,
                                       id=f"{path.name}::{name}", marks=marks))
    return params


CASES = _collect()


def test_every_feature_file_is_present() -> None:
    present = {p.name for p in HERE.glob("*.yaml")}
    lacking = [name for name in FEATURE_FILES if name not in present]
    assert not lacking, f"conformance files missing: {lacking}"


# -- running a case ------------------------------------------------------------------------------


@pytest.mark.parametrize(("file", "packs", "case"), CASES)
def test_conformance(file: str, packs: list[Any], case: dict[str, Any], tmp_path: Path) -> None:
    where = f"{file}::{case['name']}"
    unknown = set(case) - CASE_KEYS
    assert not unknown, f"{where}: unknown case keys {sorted(unknown)}"
    if "pack_text" in case or "pack_files" in case:
        stray = set(case) & {"pack", "facts", "as_of", "version", "call", "expect"}
        assert not stray, f"{where}: a load case (pack_text/pack_files) cannot have {sorted(stray)}"
        _run_load_case(where, case, tmp_path)
    else:
        assert "expect_problems" not in case, \
            f"{where}: expect_problems needs pack_text or pack_files"
        _run_evaluation_case(where, packs, case, tmp_path)


def _limits(case: Mapping[str, Any]) -> rulepack.Limits:
    return rulepack.Limits(**(case.get("limits") or {}))


def _write_packs(packs: list[Any], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index, pack in enumerate(packs):
        if isinstance(pack, str):
            text = pack
            stem = f"pack{index:02d}"
        else:
            assert isinstance(pack, dict), f"pack #{index} is neither a mapping nor a YAML string"
            # Through JSON first: no YAML aliases in the written file, only plain data.
            plain = json.loads(json.dumps(pack, ensure_ascii=False))
            text = yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=1000)
            stem = f"{index:02d}-{pack.get('id', 'pack')}-{pack.get('version', '')}"
        (folder / f"{stem}.yaml").write_text(text, encoding="utf-8")


def _pack_ids(packs: list[Any]) -> list[str]:
    ids: list[str] = []
    for pack in packs:
        data = yaml.load(pack, Loader=_DataLoader) if isinstance(pack, str) else pack
        if isinstance(data, dict) and data.get("id") not in ids:
            ids.append(data.get("id"))
    return ids


# -- load errors ---------------------------------------------------------------------------------


def _run_load_case(where: str, case: Mapping[str, Any], tmp_path: Path) -> None:
    expected = case.get("expect_problems")
    assert isinstance(expected, list) and expected, \
        f"{where}: a load case needs `expect_problems:`, a non-empty list (it cannot pass empty)"
    files: dict[str, str] = dict(case.get("pack_files") or {})
    if "pack_text" in case:
        files["pack.yaml"] = case["pack_text"]
    root = tmp_path / "rules"
    root.mkdir()
    for name, text in files.items():
        assert isinstance(text, str), f"{where}: pack file {name} must be a YAML string"
        (root / name).write_text(text, encoding="utf-8")
    try:
        rulepack.load(root, limits=_limits(case))
    except rulepack.PackError as exc:
        problems = list(exc.problems)
    else:
        pytest.fail(f"{where}: the pack loaded, expected problems "
                    f"{[(p.get('code'), p.get('line'), p.get('column')) for p in expected]}")
    shown = "\n".join(f"  {p.code} at {p.line}:{p.column} in {Path(p.file).name}: {p.message}"
                      f" | hint: {p.hint}" for p in problems)
    unused = list(problems)
    for want in expected:
        bad = set(want) - PROBLEM_KEYS
        assert not bad, f"{where}: unknown problem keys {sorted(bad)}"
        for key in ("code", "line", "column"):
            assert key in want, f"{where}: every expected problem names code, line and column"
        match = next((p for p in unused if p.code == want["code"] and p.line == want["line"]
                      and p.column == want["column"]
                      and ("file" not in want or Path(p.file).name == want["file"])), None)
        assert match is not None, (
            f"{where}: expected {want['code']} at {want['line']}:{want['column']}"
            f"{' in ' + want['file'] if 'file' in want else ''}; the engine reported:\n{shown}")
        unused.remove(match)
        for hint in _as_list(want.get("hint_contains")):
            assert match.hint is not None and hint in match.hint, \
                f"{where}: {match.code} hint {match.hint!r} does not contain {hint!r}"
        for text in _as_list(want.get("message_contains")):
            assert text in match.message, \
                f"{where}: {match.code} message {match.message!r} does not contain {text!r}"
    assert not unused, (f"{where}: the engine reported problems the case does not expect:\n"
                        + "\n".join(f"  {p.code} at {p.line}:{p.column}: {p.message}"
                                    for p in unused))


# -- evaluation ----------------------------------------------------------------------------------


def _run_evaluation_case(where: str, packs: list[Any], case: Mapping[str, Any],
                         tmp_path: Path) -> None:
    expect = case.get("expect")
    assert isinstance(expect, dict) and expect, \
        f"{where}: the case has no `expect:` (a case that expects nothing cannot fail)"
    unknown = set(expect) - EXPECT_KEYS
    assert not unknown, f"{where}: unknown expect keys {sorted(unknown)}"
    assert any(key in ("missing", "result_absent") or value not in (None, {}, [], "")
               for key, value in expect.items()), f"{where}: every expectation is empty"
    assert "facts" in case and isinstance(case["facts"], dict), f"{where}: `facts:` is required"
    assert packs, f"{where}: the file has no `packs:` to evaluate"
    _write_packs(packs, tmp_path / "rules")
    library = rulepack.load(tmp_path / "rules", limits=_limits(case))
    call = case.get("call", "evaluate")
    assert call in ("evaluate", "evaluate_all"), f"{where}: call must be evaluate or evaluate_all"
    ids = _pack_ids(packs)
    pack_id = case.get("pack") or (ids[0] if len(ids) == 1 else None)
    try:
        if call == "evaluate_all":
            outcome: Any = library.evaluate_all(case["facts"], as_of=case.get("as_of"))
        else:
            assert pack_id, f"{where}: the file has several pack ids; name one with `pack:`"
            outcome = library.evaluate(pack_id, case["facts"], as_of=case.get("as_of"),
                                       version=case.get("version"))
    except rulepack.RulepackError as exc:
        if "raises" not in expect:
            pytest.fail(f"{where}: evaluation raised {type(exc).__name__}:\n{exc}")
        _check_raised(where, expect["raises"], exc)
        return
    assert "raises" not in expect, \
        f"{where}: expected {expect['raises']}, but evaluation returned a verdict"
    if call == "evaluate_all":
        _check_all(where, expect, outcome)
    else:
        _check_verdict(where, expect, outcome)


def _check_raised(where: str, want: Mapping[str, Any], exc: rulepack.RulepackError) -> None:
    bad = set(want) - RAISES_KEYS
    assert not bad, f"{where}: unknown raises keys {sorted(bad)}"
    assert want.get("error") and want.get("code"), f"{where}: raises needs `error` and `code`"
    assert type(exc).__name__ == want["error"], \
        f"{where}: expected {want['error']}, got {type(exc).__name__}: {exc}"
    codes = [p.code for p in exc.problems]
    assert want["code"] in codes, f"{where}: expected code {want['code']}, got {codes}: {exc}"
    problem = next(p for p in exc.problems if p.code == want["code"])
    for hint in _as_list(want.get("hint_contains")):
        assert problem.hint and hint in problem.hint, \
            f"{where}: hint {problem.hint!r} does not contain {hint!r}"
    for text in _as_list(want.get("message_contains")):
        assert text in problem.message, \
            f"{where}: message {problem.message!r} does not contain {text!r}"
    if "value" in want:
        assert problem.value == want["value"], \
            f"{where}: problem value {problem.value!r}, expected {want['value']!r}"


def _check_all(where: str, expect: Mapping[str, Any], verdicts: list[rulepack.Verdict]) -> None:
    bad = set(expect) - {"verdicts"}
    assert not bad, f"{where}: with call: evaluate_all only `verdicts` can be expected"
    got = {v.pack: v for v in verdicts}
    want = expect["verdicts"]
    assert sorted(got) == sorted(want), \
        f"{where}: evaluated packs {sorted(got)}, expected {sorted(want)}"
    for pack_id, fields in want.items():
        verdict = got[pack_id]
        for key, value in (fields or {}).items():
            assert key in ("version", "outcome"), f"{where}: verdicts entries take version/outcome"
            actual = getattr(verdict, key)
            assert actual == value, f"{where}: {pack_id} {key} is {actual!r}, expected {value!r}"


# One branch per key a case may expect, side by side: split up, the keys would be harder to
# check against the case format.
def _check_verdict(  # noqa: C901
        where: str, expect: Mapping[str, Any], verdict: rulepack.Verdict) -> None:
    failures: list[str] = []
    reasons = {r.rule: r for r in verdict.reasons}
    summary = ", ".join(f"{r.rule}={r.status}" for r in verdict.reasons)

    def reason(rule: str) -> rulepack.Reason | None:
        if rule not in reasons:
            failures.append(f"no rule `{rule}` in {verdict.pack} {verdict.version}")
            return None
        return reasons[rule]

    if "outcome" in expect and verdict.outcome != expect["outcome"]:
        failures.append(f"outcome is {verdict.outcome}, expected {expect['outcome']} "
                        f"(rules: {summary})")
    if "version" in expect and verdict.version != expect["version"]:
        failures.append(f"version {verdict.version} was evaluated, expected {expect['version']}")
    if "as_of" in expect:
        want_as_of = _instant(expect["as_of"])
        if verdict.as_of != want_as_of or verdict.as_of.utcoffset() != want_as_of.utcoffset():
            failures.append(f"as_of is {verdict.as_of.isoformat()}, expected {expect['as_of']}")
    for rule, status in (expect.get("rules") or {}).items():
        assert status in STATUSES, f"{where}: `{status}` is not a status"
        r = reason(rule)
        if r is not None and r.status != status:
            failures.append(f"rule `{rule}` is {r.status}, expected {status} "
                            f"(why: {r.why('en')})")
    result = verdict.to_dict("en")["result"]
    for name, value in (expect.get("result") or {}).items():
        if name not in result:
            failures.append(f"result.{name} is not in the result {sorted(result)}")
        elif not _same(result[name], value):
            failures.append(f"result.{name} is {result[name]!r}, expected {value!r}")
    for name in expect.get("result_absent") or []:
        if name in result:
            failures.append(f"result.{name} is present ({result[name]!r}), expected absent")
    if "missing" in expect and sorted(verdict.missing) != sorted(expect["missing"]):
        failures.append(f"missing is {sorted(verdict.missing)}, expected "
                        f"{sorted(expect['missing'])}")
    for rule, by_lang in (expect.get("messages") or {}).items():
        r = reason(rule)
        for lang, texts in _by_lang(where, by_lang):
            text = r.message(lang) if r else ""
            assert _as_list(texts), f"{where}: messages of `{rule}` name no text"
            for piece in _as_list(texts):
                if r and piece not in text:
                    failures.append(f"rule `{rule}` {lang} message {text!r} lacks {piece!r}")
    for rule, by_lang in (expect.get("messages_exclude") or {}).items():
        r = reason(rule)
        for lang, texts in _by_lang(where, by_lang):
            text = r.message(lang) if r else ""
            for piece in _as_list(texts):
                if r and piece in text:
                    failures.append(f"rule `{rule}` {lang} message {text!r} has {piece!r}")
    for rule, by_lang in (expect.get("message_equals") or {}).items():
        r = reason(rule)
        for lang, text in _by_lang(where, by_lang):
            if r and r.message(lang) != text:
                failures.append(f"rule `{rule}` {lang} message is {r.message(lang)!r}, "
                                f"expected {text!r}")
    for rule, wanted in (expect.get("checks") or {}).items():
        r = reason(rule)
        if r is not None:
            failures.extend(_compare_checks(rule, r, wanted))
    for rule, texts in (expect.get("errors") or {}).items():
        r = reason(rule)
        if r is None:
            continue
        errors = [e for e in (r.error, *(c.error for c in r.checks)) if e]
        assert _as_list(texts), f"{where}: errors of `{rule}` names no text"
        for piece in _as_list(texts):
            if not any(piece in e for e in errors):
                failures.append(f"rule `{rule}` errors {errors} lack {piece!r}")
    for rule, rows in (expect.get("matched") or {}).items():
        r = reason(rule)
        if r is not None:
            matched = r.to_dict("en").get("details", {}).get("matched")
            if matched != rows:
                failures.append(f"rule `{rule}` matched rows {matched}, expected {rows}")
    for lang, texts in _by_lang(where, expect["explain"]) if "explain" in expect else []:
        text = verdict.explain(lang)
        for piece in _as_list(texts):
            if piece not in text:
                failures.append(f"{lang} explanation lacks {piece!r}:\n{text}")
    assert not failures, f"{where}:\n  " + "\n  ".join(failures) + \
        f"\n  (verdict: outcome={verdict.outcome}, rules: {summary}, " \
        f"result={result}, missing={list(verdict.missing)})"


# One branch per field of an expected check, for the same reason.
def _compare_checks(  # noqa: C901
        rule: str, reason: rulepack.Reason, wanted: list[Any]) -> list[str]:
    out: list[str] = []
    checks = {c.expr: c for c in reversed(reason.checks)}
    assert isinstance(wanted, list) and wanted, f"rule `{rule}`: list the expected checks"
    for want in wanted:
        bad = set(want) - CHECK_KEYS
        assert not bad and "expr" in want, \
            f"rule `{rule}`: a check expectation names `expr` and only {sorted(CHECK_KEYS)}"
        check = checks.get(want["expr"])
        if check is None:
            out.append(f"rule `{rule}` has no deciding check `{want['expr']}`; checks: "
                       f"{[c.expr for c in reason.checks]}")
            continue
        shown = check.to_dict("en")
        for key, value in want.items():
            if key == "expr":
                continue
            if key == "missing":
                if sorted(check.missing) != sorted(value):
                    out.append(f"check `{check.expr}` missing {list(check.missing)}, "
                               f"expected {value}")
            elif key == "error_contains":
                if not check.error or value not in check.error:
                    out.append(f"check `{check.expr}` error {check.error!r} lacks {value!r}")
            elif key == "text":
                for lang, texts in value.items():
                    for piece in _as_list(texts):
                        if piece not in check.text(lang):
                            out.append(f"check `{check.expr}` {lang} text "
                                       f"{check.text(lang)!r} lacks {piece!r}")
            elif key == "status":
                if check.status != value:
                    out.append(f"check `{check.expr}` is {check.status}, expected {value}")
            elif not _same(shown.get(key), value):
                out.append(f"check `{check.expr}` {key} is {shown.get(key)!r}, expected {value!r}")
    return out


# -- comparing values ----------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _by_lang(where: str, by_lang: Mapping[str, Any]) -> list[tuple[str, Any]]:
    assert isinstance(by_lang, dict) and by_lang, f"{where}: give texts by language (zh, en)"
    bad = set(by_lang) - set(LANGS)
    assert not bad, f"{where}: languages are zh and en, not {sorted(bad)}"
    return list(by_lang.items())


_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def _instant(value: Any) -> dt.datetime:
    text = str(value)
    if len(text) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(),
                                   dt.timezone(dt.timedelta(hours=8)))
    return dt.datetime.fromisoformat(text)  # Python 3.11 reads a trailing Z


def _same(actual: Any, expected: Any) -> bool:
    """JSON values equal; numbers by value (1 == 1.0, floats to 1e-9), bools never numbers,
    instants (strings with a time) as points in time."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, str) and isinstance(actual, str) \
            and _INSTANT.match(expected) and _INSTANT.match(actual):
        return _instant(actual) == _instant(expected)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(_same, actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(_same(actual[k], expected[k])
                                                         for k in expected)
    return type(actual) is type(expected) and actual == expected
