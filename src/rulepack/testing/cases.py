"""The YAML test cases kept beside packs: running them, comparing, and measuring rule coverage.

A case is a fact document and what its verdict must say. A case that expects nothing cannot fail,
so it is itself an error (RP401). Coverage is counted from what evaluation actually did, never
from the expectations: a check rule must be seen passing and failing, a table must see every row
match, a rule with ``when`` must also be seen skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator

from rulepack.core import yaml_reader
from rulepack.core.errors import EvaluationError, FactsError, Problem, RulepackError, did_you_mean
from rulepack.facts.schema import parse_instant
from rulepack.library import Library, bundled, display_path, models_of
from rulepack.model.pack import CheckRule, OutputRule, Pack, ScoreRule, TableRule
from rulepack.verdict.data import Verdict, to_jsonable


@dataclass
class CaseResult:
    file: str
    line: int
    pack: str
    name: str
    differences: list[str] = field(default_factory=list)
    # The version the case ran against; None when it could not be evaluated at all.
    version: str | None = None

    @property
    def passed(self) -> bool:
        return not self.differences


@dataclass
class TestReport:
    cases: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (pack id, version) -> rule id -> sides seen ("pass", "fail", "skipped", "row:ID"):
    # each version is a policy of its own, so no version's cases cover another's rules.
    seen: dict[tuple[str, str], dict[str, set[str]]] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    # Every version judged, with the sides its rules need and the ones seen: the coverage
    # table of `rulepack test`.
    coverage: list[VersionCoverage] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for c in self.cases if c.passed)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if not c.passed)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.problems and not self.gaps


@dataclass(frozen=True)
class VersionCoverage:
    """The coverage of one pack version: how many of the sides its rules must be seen on
    were seen, and how many cases ran against it."""

    pack: str
    version: str
    file: str
    cases: int
    rules: int
    sides: int
    seen: int

    @property
    def complete(self) -> bool:
        return self.cases > 0 and self.seen == self.sides


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = json.loads((bundled("schemas") / "tests.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def run_tests(library: Library, files: Iterable[Path], *, every_pack: bool = True) -> TestReport:
    """Run every case of ``files`` against ``library`` and measure coverage.

    Coverage is judged per pack version: every version of every pack of the library (a
    version no case ran against is a gap), or with ``every_pack=False`` every version of the
    packs the files test.
    """
    report = TestReport()
    tested: set[str] = set()
    for path in files:
        tested.update(_run_file(library, path, report))
    ran: dict[tuple[str, str], int] = {}
    for case in report.cases:
        if case.version is not None:
            ran[case.pack, case.version] = ran.get((case.pack, case.version), 0) + 1
    for pack_id in library.ids if every_pack else sorted(tested):
        for pack in models_of(library).versions(pack_id):
            key = (pack.id, pack.version)
            gaps, coverage = _coverage(pack, report.seen.get(key, {}), ran.get(key, 0))
            report.gaps.extend(gaps)
            report.coverage.append(coverage)
    return report


def _run_file(library: Library, path: Path, report: TestReport) -> set[str]:
    shown = display_path(path)
    try:
        doc = yaml_reader.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append(Problem(file=shown, code="RP403", message=f"cannot read: {exc}"))
        return set()
    except yaml_reader.YamlSyntaxError as exc:
        line, column = exc.position
        report.problems.append(Problem(file=shown, line=line, column=column, code="RP100",
                                       message=f"the file is not valid YAML: {exc}"))
        return set()
    if doc.duplicates:
        report.problems.extend(dup.problem(shown, "RP101") for dup in doc.duplicates)
        return set()
    # A case with a problem is reported and left out; the file's other cases still run.
    broken: set[int] = set()
    for error in _validator().iter_errors(doc.data):
        where = tuple(error.absolute_path)
        line, column = doc.position(where)
        report.problems.append(Problem(file=shown, line=line, column=column, code="RP403",
                                       message=error.message, hint=_hint(error)))
        if len(where) >= 2 and where[0] == "cases" and isinstance(where[1], int):
            broken.add(where[1])
        else:
            return set()
    pack_id = doc.data["pack"]
    if pack_id not in library.ids:
        line, column = doc.position(("pack",))
        report.problems.append(Problem(
            file=shown, line=line, column=column, code="RP402",
            message=f"no pack with id `{pack_id}`", value=pack_id,
            hint=did_you_mean(pack_id, library.ids) or "`rulepack list` shows the pack ids"))
        return set()
    for index, case in enumerate(doc.data["cases"]):
        if index in broken:
            continue
        line, column = doc.position(("cases", index))
        if not case.get("expect"):
            report.problems.append(Problem(
                file=shown, line=line, column=column, code="RP401", pack=pack_id,
                message=f"case `{case['name']}` expects nothing, so it cannot fail",
                hint="add expect: {outcome: ...} and the rules or result fields it shows"))
            continue
        report.cases.append(_run_case(library, pack_id, case, shown, line, report))
    return {pack_id}


def _hint(error: jsonschema.ValidationError) -> str | None:
    """A did-you-mean for a value outside an enum (`fial`), else nothing."""
    if error.validator == "enum" and isinstance(error.instance, str):
        expected: Any = error.validator_value  # the stubs allow "unset"; a validator sets it
        return did_you_mean(error.instance, [str(v) for v in expected])
    return None


def _run_case(library: Library, pack_id: str, case: Mapping[str, Any], file: str, line: int,
              report: TestReport) -> CaseResult:
    result = CaseResult(file=file, line=line, pack=pack_id, name=case["name"])
    try:
        verdict = library.evaluate(pack_id, case["facts"], as_of=case.get("as_of"),
                                   version=case.get("version"))
    except (FactsError, EvaluationError) as exc:
        result.differences.extend(
            f"cannot evaluate: {p.code}: {p.message}"
            + (f" (value: {p.value})" if p.value and p.value not in p.message else "")
            for p in exc.problems)
        return result
    except RulepackError as exc:  # pragma: no cover - every subclass is handled above
        result.differences.append(str(exc))
        return result
    result.version = verdict.version
    _record(report, verdict)
    result.differences.extend(_compare(case["expect"], verdict))
    return result


def _record(report: TestReport, verdict: Verdict) -> None:
    seen = report.seen.setdefault((verdict.pack, verdict.version), {})
    for reason in verdict.reasons:
        sides = seen.setdefault(reason.rule, set())
        sides.add(reason.status)
        for row in reason.details.get("matched", ()):
            sides.add(f"row:{row}")


def _compare(expect: Mapping[str, Any], verdict: Verdict) -> list[str]:
    out: list[str] = []
    if "outcome" in expect and expect["outcome"] != verdict.outcome:
        out.append(f"outcome: expected {expect['outcome']}, got {verdict.outcome}")
    statuses = {r.rule: r.status for r in verdict.reasons}
    for rule, status in (expect.get("rules") or {}).items():
        if rule not in statuses:
            out.append(f"rule `{rule}`: no such rule in {verdict.pack} {verdict.version}")
        elif statuses[rule] != status:
            out.append(f"rule `{rule}`: expected {status}, got {statuses[rule]}")
    actual = to_jsonable(verdict.result)
    for name, value in (expect.get("result") or {}).items():
        if name not in actual:
            out.append(f"result.{name}: not a result field of {verdict.pack}")
        elif not _same(actual[name], value):
            out.append(f"result.{name}: expected {json.dumps(value, ensure_ascii=False)}, "
                       f"got {json.dumps(actual[name], ensure_ascii=False)}")
    if "missing" in expect and sorted(expect["missing"]) != sorted(verdict.missing):
        out.append(f"missing: expected {sorted(expect['missing'])}, got {sorted(verdict.missing)}")
    return out


def _same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str) and isinstance(actual, str) and actual != expected:
        # Instants compare as instants: 2026-05-20T10:00:00+08:00 == 2026-05-20T02:00:00Z.
        try:
            return "T" in actual and parse_instant(actual) == parse_instant(expected)
        except ValueError:
            return False
    if (isinstance(expected, float) or isinstance(actual, float)) \
            and isinstance(expected, (int, float)) and isinstance(actual, (int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        return abs(actual - expected) <= 1e-9 * max(1.0, abs(expected))
    return bool(actual == expected and type(actual) is type(expected)) or (
        isinstance(actual, (int, float)) and isinstance(expected, (int, float))
        and not isinstance(actual, bool) and not isinstance(expected, bool) and actual == expected
    )


def required_sides(rule: CheckRule | OutputRule | TableRule | ScoreRule) -> list[str]:
    """The sides a rule must be seen on for full coverage: every outcome it can come to, and
    skipped too when it has a ``when``."""
    sides = list(rule.outcomes())
    if rule.when is not None:
        sides.append("skipped")
    return sides


def _coverage(pack: Pack, seen: Mapping[str, set[str]], cases: int) \
        -> tuple[list[str], VersionCoverage]:
    """The gaps of one pack version, and its line of the coverage table."""
    needed = {rule.id: required_sides(rule) for rule in pack.rules}
    lacking = {rule_id: [s for s in sides if s not in seen.get(rule_id, set())]
               for rule_id, sides in needed.items()}
    total = sum(len(sides) for sides in needed.values())
    coverage = VersionCoverage(
        pack=pack.id, version=pack.version, file=pack.file, cases=cases, rules=len(needed),
        sides=total, seen=total - sum(len(sides) for sides in lacking.values()))
    if not cases:
        return [f"{pack.file}: pack `{pack.id}` {pack.version} has no test cases (a case runs "
                f"against the version in force at its as_of, or the one it pins with "
                f"version:)"], coverage
    out = [f"{pack.file}: `{pack.id}` {pack.version} rule `{rule_id}` never seen "
           + ", ".join(s.replace("row:", "matching row ") for s in sides)
           for rule_id, sides in lacking.items() if sides]
    return out, coverage
