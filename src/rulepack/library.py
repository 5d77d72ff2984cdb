"""A library of compiled packs: loading a folder, choosing versions, evaluating facts."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from rulepack.core.errors import EvaluationError, FactsError, PackError, Problem, did_you_mean
from rulepack.facts.schema import CHINA_TZ, FactSchema, china_day, parse_instant
from rulepack.lang.expressions import DEFAULT_LIMITS, FieldInfo, Limits
from rulepack.loading.loader import PackSchema, load_pack_file
from rulepack.model.description import PackInfo, describe
from rulepack.model.pack import Pack, Where

# The engine (and simpleeval under it) is imported on a pack's first evaluation, the property
# checks on the first load of a pack that declares properties: `rulepack list` and `check`
# start without them.
if TYPE_CHECKING:
    from rulepack.engine.interpreter import Plan
    from rulepack.verdict.data import Verdict

SUBJECTS = ("account", "organization", "task")
Engine = Literal["compiled", "sandbox"]
TEST_SUFFIXES = (".test.yaml", ".test.yml", ".tests.yaml", ".tests.yml")
_DAY = dt.timedelta(days=1)


def bundled(name: str) -> Path:
    """The bundled ``rules`` or ``schemas`` folder, installed or in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / name, here.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the bundled `{name}` folder is missing from this installation")


@lru_cache(maxsize=1)
def fact_schema() -> FactSchema:
    """The fact schema, compiled once per process."""
    path = bundled("schemas") / "facts.schema.json"
    return FactSchema(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def pack_schema() -> PackSchema:
    path = bundled("schemas") / "pack.schema.json"
    return PackSchema(json.loads(path.read_text(encoding="utf-8")))


def display_path(path: Path) -> str:
    """A path as the user will recognise it: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


# A YAML file met while walking a folder is a pack when one of the pack format's own keys
# starts a line: fact documents (examples/) and data files (tests/conformance/) have none, and
# a pack with a misspelt key still has the others, so it is reported rather than skipped.
_PACK_KEY = re.compile(r"^(?:id|version|effective_from|rules)[ \t]*:", re.MULTILINE)


def walk(root: Path) -> Iterator[Path]:
    """Every file under ``root``, never inside a hidden folder (``.git``, ``.venv``) or a
    virtual environment (a folder holding ``pyvenv.cfg``), in a stable order."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(
            name for name in subfolders if not name.startswith(".")
            and not os.path.exists(os.path.join(folder, name, "pyvenv.cfg")))
        for name in sorted(names):
            yield Path(folder, name)


def _is_test_file(path: Path) -> bool:
    return path.name.lower().endswith(TEST_SUFFIXES)


def _looks_like_pack(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return True  # the loader reports why it cannot be read
    return _PACK_KEY.search(text) is not None


def pack_files(root: Path) -> list[Path]:
    """The pack files under ``root`` (or ``root`` itself, whatever it holds).

    Walking a folder, a pack file is a ``.yaml`` or ``.yml`` file (any case) that is not a
    test case file and has a top-level ``id``, ``version``, ``effective_from`` or ``rules``
    key; hidden folders and virtual environments are not entered (:func:`walk`).
    """
    if root.is_file():
        return [root]
    # Any case of the suffix: an editor that saves `entry.YAML` must not hide the pack.
    return sorted(
        p for p in walk(root)
        if p.suffix.lower() in (".yaml", ".yml") and not _is_test_file(p)
        and _looks_like_pack(p)
    )


def test_files(root: Path) -> list[Path]:
    """The test case files under ``root`` (outside hidden folders and virtual environments);
    for a test file, itself; for a pack file, the test files beside it that bear its name
    (``entry.yaml``: ``entry.test.yaml``)."""
    if root.is_file():
        if _is_test_file(root):
            return [root]
        stem = root.name[:-len(root.suffix)] if root.suffix else root.name
        return sorted(p for p in root.parent.iterdir() if p.is_file() and _is_test_file(p)
                      and p.name[:p.name.lower().rindex(".test")] == stem)
    return sorted(p for p in walk(root) if _is_test_file(p))


class Library:
    """Compiled packs, every version of each, ready to evaluate fact documents.

    Build one with :func:`rulepack.load`; it is immutable and safe to share between threads.

    ``engine`` chooses how expressions run: ``"compiled"`` (the default) turns each checked
    expression tree into Python code once, with the sandbox's guards; ``"sandbox"`` walks every
    tree with simpleeval on every call. Both give the same verdicts; the sandbox is the
    reference the compiled code is tested against.

    What it hands out about its packs are descriptions (:class:`rulepack.PackInfo`) and the
    fact vocabulary (:attr:`facts`), never the compiled model; rulepack's own steps reach the
    model through :func:`models_of`.
    """

    def __init__(self, packs: Sequence[Pack], *, limits: Limits = DEFAULT_LIMITS,
                 engine: Engine = "compiled") -> None:
        if engine not in ("compiled", "sandbox"):
            raise ValueError(f"engine must be 'compiled' or 'sandbox', not {engine!r}")
        self._packs = tuple(sorted(packs, key=lambda p: (p.id, p.version_key)))
        self._by_id: dict[str, tuple[Pack, ...]] = {}
        for pack in self._packs:
            self._by_id[pack.id] = self._by_id.get(pack.id, ()) + (pack,)
        # Described once, here: the descriptions are what the public API hands out.
        self._infos = tuple(describe(pack) for pack in self._packs)
        self._info_of = {id(pack): info for pack, info in zip(self._packs, self._infos,
                                                                 strict=True)}
        self._schema = fact_schema()
        self._facts: Mapping[str, FieldInfo] = MappingProxyType(self._schema.fields)
        self._limits = limits
        self._engine = engine
        # Plans are made on a pack's first evaluation, and versions chosen once per day; a
        # race between threads only does the same work twice.
        self._plans: dict[int, Plan] = {}
        self._chosen: dict[tuple[str, dt.date], Pack] = {}
        self._plans_on: dict[tuple[str, dt.date], Plan] = {}
        # What evaluate_all evaluates, by the shape of a document (see _applying).
        self._subjects = tuple(dict.fromkeys(pack.subject for pack in self._packs))
        self._applying_by: dict[tuple[Any, ...], tuple[Plan, ...]] = {}

    def _plan(self, pack: Pack) -> Plan:
        plan = self._plans.get(id(pack))
        if plan is None:
            # Made once, under a lock: threads evaluating a pack for the first time at once
            # wait for one plan rather than each compiling its own.
            with _PLANNING:
                plan = self._plans.get(id(pack))
                if plan is None:
                    plan = self._new_plan(pack)
                    self._plans[id(pack)] = plan
        return plan

    def _new_plan(self, pack: Pack) -> Plan:
        from rulepack.engine.interpreter import Plan

        plan = Plan(pack, self._schema, self._limits)
        if self._engine == "compiled":
            from rulepack.engine import codegen

            codegen.compile_plan(plan)
        return plan

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def packs(self) -> tuple[PackInfo, ...]:
        """Every pack version, described, sorted by id then version."""
        return self._infos

    @property
    def ids(self) -> tuple[str, ...]:
        """The distinct pack ids."""
        return tuple(self._by_id)

    @property
    def facts(self) -> Mapping[str, FieldInfo]:
        """The fact vocabulary, read-only: what the fact schema says about each fact path
        (``account.fans``, ``account.violations[].on``), as :class:`rulepack.FactInfo`."""
        return self._facts

    def versions(self, pack_id: str) -> tuple[PackInfo, ...]:
        """Every version of one pack, described, oldest first."""
        return tuple(self._info_of[id(pack)] for pack in self._versions(pack_id))

    def select(self, pack_id: str, *, as_of: dt.datetime | None = None,
               version: str | None = None) -> PackInfo:
        """The version the caller pinned, else the one in force at ``as_of`` (default now),
        described."""
        return self._info_of[id(self._select(pack_id, as_of=as_of, version=version))]

    def _versions(self, pack_id: str) -> tuple[Pack, ...]:
        try:
            return self._by_id[pack_id]
        except KeyError:
            raise _unknown_pack(pack_id, self.ids) from None

    def _select(self, pack_id: str, *, as_of: dt.datetime | None = None,
                version: str | None = None) -> Pack:
        versions = self._versions(pack_id)
        if version is not None:
            for pack in versions:
                if pack.version == version:
                    return pack
            raise EvaluationError([Problem(
                code="RP503", message=f"pack `{pack_id}` has no version `{version}`",
                pack=pack_id, value=version,
                hint="versions: " + ", ".join(p.version for p in versions),
            )])
        # Effective dates are calendar days in China, the policies' own time zone.
        return self._in_force(pack_id, china_day(as_of or dt.datetime.now(CHINA_TZ)))

    def _in_force(self, pack_id: str, day: dt.date) -> Pack:
        chosen = self._chosen.get((pack_id, day))
        if chosen is not None:
            return chosen
        versions = self._versions(pack_id)
        in_force = [p for p in versions if p.in_force(day)]
        if not in_force:
            windows = ", ".join(
                f"{p.version}: {p.effective_from}..{p.effective_until or ''}" for p in versions)
            raise EvaluationError([Problem(
                code="RP502", message=f"no version of `{pack_id}` is in force on {day}",
                pack=pack_id, value=str(day), hint=f"versions in force: {windows}",
            )])
        if len(self._chosen) < 4096:  # bounded: batch inputs usually share a few days
            self._chosen[(pack_id, day)] = in_force[-1]
        return in_force[-1]

    def check_facts(self, facts: Any, *, file: str = "") -> None:
        """Raise :class:`FactsError` naming every JSON path where ``facts`` breaks the schema."""
        self._schema.check(facts, file)

    def evaluate(
        self,
        pack_id: str,
        facts: Mapping[str, Any],
        *,
        as_of: dt.datetime | dt.date | str | None = None,
        version: str | None = None,
        validate: bool = True,
    ) -> Verdict:
        """Evaluate one pack on one fact document.

        ``as_of`` is taken from the document, else from the caller, else now. The version is
        the one pinned by ``version``, else the one in force on the as_of date. Raises
        :class:`FactsError` for a document that breaks the fact schema and
        :class:`EvaluationError` for an unknown pack or version.
        """
        if validate:
            self.check_facts(facts)
        instant, day = _instant_and_day(facts, as_of)
        if version is not None:
            verdict = self._plan(self._select(pack_id, version=version)).evaluate(
                facts, instant, day)
            verdict.pinned = True  # the caller chose the version, not the date
            return verdict
        plan = self._plans_on.get((pack_id, day))
        if plan is None:
            plan = self._plan(self._in_force(pack_id, day))
            if len(self._plans_on) < 4096:  # bounded like _chosen
                self._plans_on[(pack_id, day)] = plan
        return plan.evaluate(facts, instant, day)

    def evaluator(
        self,
        pack_id: str,
        *,
        as_of: dt.datetime | dt.date | str | None = None,
        version: str | None = None,
        validate: bool = True,
    ) -> Callable[[Mapping[str, Any]], Verdict]:
        """:meth:`evaluate` made ready for many documents: ``library.evaluator(id, as_of=t)``
        is a function ``facts -> Verdict`` giving what ``library.evaluate(id, facts, as_of=t)``
        gives.

        With ``as_of`` given, the instant is read and the version chosen once, here; a
        document that carries its own ``as_of`` still gets the version in force on its day.
        Raises :class:`EvaluationError` here for an unknown pack or version, and
        :class:`FactsError` for an ``as_of`` that is not an instant.
        """
        pinned = self._select(pack_id, version=version) if version is not None else None
        self._versions(pack_id)  # an unknown pack is an error now, not at the first call
        # The plan, instant and day shared by documents without their own as_of.
        ready: tuple[Plan, dt.datetime, dt.date] | None = None
        if as_of is not None:
            instant, day = _instant_and_day({}, as_of)
            try:
                pack = pinned or self._in_force(pack_id, day)
            except EvaluationError:
                pass  # no version in force that day: every call says so, as evaluate would
            else:
                ready = (self._plan(pack), instant, day)
        check = self._schema.check
        evaluate = self.evaluate

        def evaluator(facts: Mapping[str, Any]) -> Verdict:
            if ready is not None and type(facts) is dict and facts.get("as_of") is None:
                if validate:
                    check(facts)
                return ready[0].evaluate(facts, ready[1], ready[2])
            # Anything else (no fixed instant, a document's own as_of, no version in force):
            # the general path, which also words any error.
            return evaluate(pack_id, facts, as_of=as_of, version=version, validate=validate)

        def pinned_evaluator(facts: Mapping[str, Any]) -> Verdict:
            verdict = evaluator(facts)
            verdict.pinned = True  # the general path marks it too; the ready one does not
            return verdict

        if pinned is not None:
            return pinned_evaluator

        return evaluator

    def evaluate_all(
        self,
        facts: Mapping[str, Any],
        *,
        as_of: dt.datetime | dt.date | str | None = None,
        validate: bool = True,
    ) -> list[Verdict]:
        """Evaluate every pack that applies to ``facts``.

        A pack applies when its subject (account, organization, task) is present, a version is
        in force at as_of, the account's platform (when known) is one of the pack's
        ``platforms``, and the pack's own ``when`` does not rule it out.
        """
        if validate:
            self.check_facts(facts)
        instant, day = _instant_and_day(facts, as_of)
        verdicts: list[Verdict] = []
        for plan in self._applying(facts, day):
            verdict = plan.evaluate(facts, instant, day)
            if verdict.applicable:
                verdicts.append(verdict)
        return verdicts

    def _applying(self, facts: Mapping[str, Any], day: dt.date) -> tuple[Plan, ...]:
        """The plans of the packs :meth:`evaluate_all` evaluates on ``facts``, in pack order:
        a version in force on ``day``, its subject present, the subject's platform (when
        known) one it covers. Kept by what decides them (the day, and each subject's presence
        and platform), since a batch's documents share a few of those."""
        shape: list[Any] = [day]
        for name in self._subjects:
            subject = facts.get(name)
            platform = _platform_of(subject)
            if not (platform is None or type(platform) is str):
                return self._choose(facts, day)  # a platform no key can hold: not kept
            shape += (subject is not None, platform)
        key = tuple(shape)
        plans = self._applying_by.get(key)
        if plans is None:
            plans = self._choose(facts, day)
            if len(self._applying_by) >= 4096:  # bounded: documents share a few shapes
                self._applying_by.clear()
            self._applying_by[key] = plans
        return plans

    def _choose(self, facts: Mapping[str, Any], day: dt.date) -> tuple[Plan, ...]:
        chosen: list[Plan] = []
        for pack_id in self.ids:
            versions = self._by_id[pack_id]
            subject = facts.get(versions[0].subject)
            if subject is None:
                continue
            try:
                pack = self._in_force(pack_id, day)
            except EvaluationError:
                continue
            platform = _platform_of(subject)
            if pack.platforms and platform is not None and platform not in pack.platforms:
                continue  # another platform's policy; an unknown platform still gets it
            chosen.append(self._plan(pack))
        return tuple(chosen)

    def not_in_force(
        self,
        facts: Mapping[str, Any],
        *,
        as_of: dt.datetime | dt.date | str | None = None,
    ) -> list[Problem]:
        """What :meth:`evaluate_all` leaves out for want of a version: an RP502 problem for
        each pack that would be considered for ``facts`` (its subject present, the account's
        platform one of its own) but has no version in force on the as_of day. A pack whose
        last version before that day retires the policy (``retired_from``) is not missing."""
        _, day = _instant_and_day(facts, as_of)
        out: list[Problem] = []
        for pack_id in self.ids:
            versions = self._by_id[pack_id]
            subject = facts.get(versions[0].subject)
            if subject is None:
                continue
            platform = _platform_of(subject)
            if platform is not None and all(p.platforms and platform not in p.platforms
                                            for p in versions):
                continue
            ended = [p for p in versions if p.effective_until is not None
                     and p.effective_until < day]
            if ended and retires(max(ended, key=lambda p: p.effective_from)):
                continue  # withdrawn on purpose; a version in force would not be "ended"
            try:
                self._in_force(pack_id, day)
            except EvaluationError as exc:
                out.extend(exc.problems)
        return out

    @staticmethod
    def resolve_as_of(facts: Mapping[str, Any],
                      as_of: dt.datetime | dt.date | str | None) -> dt.datetime:
        """The document's as_of, else the caller's, else now (China time)."""
        chosen = facts.get("as_of") if isinstance(facts, Mapping) else None
        if chosen is None:
            chosen = as_of
        if chosen is None:
            return dt.datetime.now(CHINA_TZ)
        try:
            if isinstance(chosen, str):
                return _parse_text_instant(chosen)[0]
            instant = parse_instant(chosen)
            china_day(instant)  # judged by its day in China, which it must have
            return instant
        except (ValueError, TypeError) as exc:
            raise FactsError([Problem(
                code="RP303", message=f"as_of is not an ISO 8601 instant or date: {exc}",
                value=str(chosen), hint="e.g. 2026-11-21T09:30:00+08:00 or 2026-11-21",
            )]) from None


class Models:
    """The compiled side of a :class:`Library`, for rulepack's own steps (testing, change,
    cli, spark, batch): the pack models behind its descriptions and the fact schema behind
    :attr:`Library.facts`. Internal: not exported by :mod:`rulepack`, and free to change with
    the model. Reach it with :func:`models_of`."""

    __slots__ = ("_library",)

    def __init__(self, library: Library) -> None:
        self._library = library

    @property
    def packs(self) -> tuple[Pack, ...]:
        """Every pack version's model, in :attr:`Library.packs` order."""
        return self._library._packs

    @property
    def schema(self) -> FactSchema:
        return self._library._schema

    def versions(self, pack_id: str) -> tuple[Pack, ...]:
        """Every version of one pack, oldest first, as :meth:`Library.versions`."""
        return self._library._versions(pack_id)

    def select(self, pack_id: str, *, as_of: dt.datetime | None = None,
               version: str | None = None) -> Pack:
        """The version :meth:`Library.select` chooses."""
        return self._library._select(pack_id, as_of=as_of, version=version)

    def of(self, pack: PackInfo) -> Pack:
        """The model a description of this library was made from (by id and version)."""
        return self.select(pack.id, version=pack.version)

    def sandboxed(self, pack: Pack) -> tuple[str, ...]:
        """The text of every expression of ``pack`` that runs in the sandbox rather than as
        compiled code (all of them for a library loaded with ``engine="sandbox"``)."""
        plan = self._library._plan(pack)
        if self._library.engine == "sandbox":
            from rulepack.engine.interpreter import atoms_of, expressions_of

            every = [*(atom.expr for atom in atoms_of(pack)), *expressions_of(pack)]
            return tuple(dict.fromkeys(expr.text for expr in every))
        return tuple(dict.fromkeys(expr.text for expr in plan.sandboxed.values()))


def models_of(library: Library) -> Models:
    """The compiled models and fact schema behind ``library``: rulepack's internal accessor,
    the one way its own steps reach what the public API keeps private."""
    return Models(library)


def _platform_of(subject: Any) -> Any:
    """The platform a subject says it is on (None when it says none, or is not a mapping):
    what decides which packs' ``platforms`` it falls under."""
    return subject.get("platform") if isinstance(subject, Mapping) else None


# Held while a library makes the plan of a pack (Library._plan).
_PLANNING = threading.RLock()


def _instant_and_day(facts: Mapping[str, Any],
                     as_of: dt.datetime | dt.date | str | None) -> tuple[dt.datetime, dt.date]:
    """:meth:`Library.resolve_as_of`, with the instant's calendar day in China: a plain
    function, and the commonest cases first, because every evaluation asks."""
    if type(facts) is dict:
        chosen = facts.get("as_of")
        if chosen is None:
            chosen = as_of
        if type(chosen) is dt.datetime and chosen.tzinfo is not None:
            try:
                return chosen, china_day(chosen)
            except ValueError:
                pass  # resolve_as_of words the error
        if type(chosen) is str:
            try:
                return _parse_text_instant(chosen)
            except (ValueError, TypeError):
                pass  # resolve_as_of words the error
    instant = Library.resolve_as_of(facts, as_of)
    return instant, china_day(instant)


@lru_cache(maxsize=1024)
def _parse_text_instant(text: str) -> tuple[dt.datetime, dt.date]:
    # Documents of one batch share a handful of as_of strings; datetimes are immutable. The
    # day in China comes along: converting time zones costs more than evaluating a rule.
    instant = parse_instant(text)
    return instant, china_day(instant)


def _unknown_pack(pack_id: str, ids: Iterable[str]) -> EvaluationError:
    return EvaluationError([Problem(
        code="RP501", message=f"no pack with id `{pack_id}`", value=pack_id,
        hint=did_you_mean(pack_id, ids) or "`rulepack list` shows the pack ids",
    )])


def load(path: str | os.PathLike[str] | None = None, *, limits: Limits = DEFAULT_LIMITS,
         engine: Engine = "compiled") -> Library:
    """Load and compile every pack under ``path`` (default: the bundled packs).

    Raises :class:`PackError` listing every problem of every file, sorted by location.
    """
    root = Path(path) if path is not None else bundled("rules")
    try:
        found = root.exists()
    except OSError as exc:  # a name too long for the system, say
        raise PackError([Problem(file=str(root)[:200], code="RP110",
                                 message=f"cannot look at the path: {exc.strerror or exc}")]) \
            from None
    if not found:
        raise PackError([Problem(file=str(root), code="RP110",
                                 message="no such file or folder")])
    if root.is_file() and root.name.lower().endswith(TEST_SUFFIXES):
        raise PackError([Problem(file=display_path(root), code="RP110",
                                 message="this is a file of test cases, not a pack",
                                 hint=f"run `rulepack test {display_path(root)}`, or name the "
                                 "pack file or its folder")])
    files = pack_files(root)
    if not files:
        raise PackError([Problem(file=display_path(root), code="RP110",
                                 message="the folder holds no pack files",
                                 hint="packs are YAML files ending in .yaml or .yml")])
    schema = fact_schema()
    problems: list[Problem] = []
    packs: list[Pack] = []
    for file in files:
        try:
            packs.append(load_pack_file(file, display=display_path(file),
                                        pack_schema=pack_schema(), facts=schema.fields,
                                        limits=limits))
        except PackError as exc:
            problems.extend(exc.problems)
    problems.extend(_cross_file_problems(packs))
    # A property that names nothing is a load error like any other.
    if any(pack.properties for pack in packs):
        from rulepack.analysis.properties import property_problems

        for pack in packs:
            problems.extend(property_problems(pack, schema))
    if problems:
        raise PackError(problems)
    return Library(packs, limits=limits, engine=engine)


def retires(pack: Pack | PackInfo) -> bool:
    """Whether this version withdraws its policy at its end (``retired_from``): no version
    need follow it, so the days after it are neither a gap nor a missing version."""
    return pack.retired_from is not None


def _cross_file_problems(packs: Sequence[Pack]) -> list[Problem]:
    """Duplicate versions and overlapping effective windows among versions of one pack."""
    out: list[Problem] = []
    by_id: dict[str, list[Pack]] = {}
    for pack in packs:
        by_id.setdefault(pack.id, []).append(pack)
    for pack_id, versions in by_id.items():
        versions.sort(key=lambda p: (p.effective_from, p.version_key))
        seen: dict[str, Pack] = {}
        for pack in versions:
            if pack.version in seen:
                where = pack.positions.get("version", Where(1, 1))
                out.append(Problem(
                    file=pack.file, line=where.line, column=where.column, code="RP107",
                    pack=pack_id,
                    message=f"version {pack.version} of `{pack_id}` is also declared in "
                    f"{seen[pack.version].file}", value=pack.version,
                    hint="bump the version of the newer file"))
            seen[pack.version] = pack
        for earlier, later in itertools.pairwise(versions):
            if earlier.version == later.version:
                continue  # one version declared twice: RP107 above
            if earlier.effective_until is not None and not retires(earlier) \
                    and earlier.effective_until + _DAY < later.effective_from:
                where = later.positions.get("effective_from", Where(1, 1))
                first = earlier.effective_until + _DAY
                last = later.effective_from - _DAY
                out.append(Problem(
                    file=later.file, line=where.line, column=where.column, code="RP112",
                    pack=pack_id,
                    message=f"no version of `{pack_id}` is in force from {first} to {last}, "
                    f"between {earlier.version} ({earlier.file}) and {later.version}",
                    value=str(later.effective_from),
                    hint=f"start {later.version} on {first}, or end {earlier.version} with "
                    f"`retired_from: {first}` if the policy was withdrawn in between"))
                continue
            if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
                where = later.positions.get("effective_from", Where(1, 1))
                out.append(Problem(
                    file=later.file, line=where.line, column=where.column, code="RP108",
                    pack=pack_id,
                    message=f"versions {earlier.version} ({earlier.file}) and {later.version} "
                    f"are both in force on {later.effective_from}",
                    value=str(later.effective_from),
                    hint=f"set effective_until of {earlier.version} to the day before "
                    f"{later.effective_from}"))
    return out
