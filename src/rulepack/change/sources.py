"""Packs read as text from a folder, a file or a git revision, with their raw YAML data kept
beside the compiled pack: a diff compares what the analyst wrote; an impact run evaluates the
compiled packs, perhaps with some params overridden.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from rulepack.core import yaml_reader
from rulepack.core.errors import PackError, Problem, did_you_mean
from rulepack.core.yaml_writer import yaml_dump
from rulepack.lang.expressions import DEFAULT_LIMITS, Limits
from rulepack.library import (
    TEST_SUFFIXES,
    Engine,
    Library,
    bundled,
    display_path,
    fact_schema,
    pack_files,
    pack_schema,
)
from rulepack.loading.loader import load_pack_text
from rulepack.model.pack import Pack


@dataclass(frozen=True)
class SourcePack:
    """One pack file: its compiled pack and the data its YAML holds."""

    pack: Pack
    data: Mapping[str, Any]
    file: str


@dataclass(frozen=True)
class PackSet:
    """The packs of one side of a comparison, and a name for that side (a path, or REF:path)."""

    label: str
    packs: tuple[SourcePack, ...]

    def library(self, *, limits: Limits = DEFAULT_LIMITS,
                engine: Engine = "compiled") -> Library:
        return Library([p.pack for p in self.packs], limits=limits, engine=engine)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.pack.id for p in self.packs))


class OverrideError(ValueError):
    """A ``--set PACK.params.NAME=VALUE`` that names no pack or param, or is malformed."""


def _compile(texts: Iterable[tuple[str, str]], label: str, limits: Limits) -> PackSet:
    """Compile (display name, text) pairs; every problem of every file in one PackError."""
    schema, facts = pack_schema(), fact_schema().fields
    problems: list[Problem] = []
    packs: list[SourcePack] = []
    for display, text in texts:
        try:
            pack = load_pack_text(text, display=display, pack_schema=schema, facts=facts,
                                  limits=limits)
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        packs.append(SourcePack(pack, yaml_reader.load(text).data, display))
    if problems:
        raise PackError(problems)
    return PackSet(label, tuple(packs))


def from_path(path: str | Path | None = None, *, limits: Limits = DEFAULT_LIMITS) -> PackSet:
    """The packs of a folder or pack file (default: the bundled packs)."""
    root = Path(path) if path is not None else bundled("rules")
    if not root.exists():
        raise PackError([Problem(file=str(root), code="RP110", message="no such file or folder")])
    texts = []
    for file in pack_files(root):
        try:
            texts.append((display_path(file), file.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise PackError([Problem(file=display_path(file), code="RP110",
                                     message=f"cannot read the file: {exc}")]) from None
    return _compile(texts, display_path(root), limits)


def from_git(path: str | Path, ref: str, *, limits: Limits = DEFAULT_LIMITS) -> PackSet:
    """The packs under ``path`` as they are at git revision ``ref``, read with ``git`` without
    touching the work tree."""
    root = Path(path).resolve()
    where = root if root.is_dir() else root.parent
    top = Path(_git(where, "rev-parse", "--show-toplevel").strip())
    relative = PurePosixPath(root.relative_to(top).as_posix())
    listed = _git(top, "ls-tree", "-r", "-z", "--name-only", ref, "--", str(relative))
    names = [n for n in listed.split("\0") if n and n.lower().endswith((".yaml", ".yml"))
             and not n.lower().endswith(TEST_SUFFIXES)]
    if not names:
        raise PackError([Problem(file=f"{ref}:{relative}", code="RP110",
                                 message="the revision holds no pack files there")])
    texts = [(f"{ref}:{name}", _git(top, "show", f"{ref}:{name}")) for name in sorted(names)]
    return _compile(texts, f"{ref}:{relative}", limits)


def _git(where: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True,
                              check=False)
    except OSError as exc:
        raise PackError([Problem(code="RP110", message=f"cannot run git: {exc}")]) from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise PackError([Problem(file=str(where), code="RP110",
                                 message=f"git {args[0]} failed: "
                                 f"{detail[-1] if detail else done.returncode}")])
    return done.stdout.decode("utf-8")


# -- overrides --------------------------------------------------------------------------------


def parse_override(text: str) -> tuple[str, str, Any]:
    """``PACK.params.NAME=VALUE`` as (pack id, param, value); VALUE is read as YAML reads it
    in a pack (``80000`` an int, ``0.02`` a float, ``[a, b]`` a list)."""
    target, sep, raw = text.partition("=")
    pack_id, marker, name = target.rpartition(".params.")
    if not sep or not marker or not pack_id or not name:
        raise OverrideError(f"`{text}` is not PACK.params.NAME=VALUE "
                            "(e.g. xingtu.entry.params.douyin_min_fans=80000)")
    try:
        value = yaml_reader.load(raw).data
    except yaml_reader.YamlSyntaxError as exc:
        raise OverrideError(f"the value of `{target}` is not YAML: {exc}") from None
    return pack_id, name, value


def check_param(packs: PackSet, pack_id: str, name: str) -> None:
    """Raise :class:`OverrideError` unless some version of ``pack_id`` declares param
    ``name``."""
    ids = packs.ids
    if pack_id not in ids:
        hint = did_you_mean(pack_id, ids)
        raise OverrideError(f"no pack with id `{pack_id}`" + (f" ({hint})" if hint else ""))
    declared = {n for p in packs.packs if p.pack.id == pack_id for n in p.pack.params}
    if name not in declared:
        hint = did_you_mean(name, declared) or "params: " + ", ".join(sorted(declared))
        raise OverrideError(f"pack `{pack_id}` has no param `{name}` ({hint})")


def with_params(packs: PackSet, overrides: Sequence[tuple[str, str, Any]], *,
                label: str | None = None, limits: Limits = DEFAULT_LIMITS) -> PackSet:
    """``packs`` with each (pack id, param, value) set in every version of the pack that
    declares the param; the pack is compiled again, since params are inlined as constants."""
    wanted: dict[str, dict[str, Any]] = {}
    for pack_id, name, value in overrides:
        check_param(packs, pack_id, name)
        wanted.setdefault(pack_id, {})[name] = value
    texts: list[tuple[str, str]] = []
    for source in packs.packs:
        changes = {k: v for k, v in wanted.get(source.pack.id, {}).items()
                   if k in source.pack.params}
        if changes:
            data = {**source.data, "params": {**source.data["params"], **changes}}
            texts.append((f"{source.file} (with --set)", yaml_dump(data)))
    compiled = {(p.pack.id, p.pack.version): p
                for p in _compile(texts, packs.label, limits).packs}
    merged = tuple(compiled.get((p.pack.id, p.pack.version), p) for p in packs.packs)
    return PackSet(label or f"{packs.label} with " + ", ".join(
        f"{pack}.params.{name}={value!r}" for pack, name, value in overrides), merged)
