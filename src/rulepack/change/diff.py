"""What differs between two sets of packs, pack by pack and version by version.

The comparison is of what the analyst wrote (each pack file's YAML data), after both sides
have been compiled, so that a diff never describes a pack that does not load. Versions are
paired by their version string; a version only on the new side is compared with the newest
old version before it (what it was copied from, in the README's workflow). Rules, table rows,
deductions and properties are paired by id, so moving one is not a change; expressions,
conditions and outputs that differ are shown side by side, down to the list item.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rulepack.change.sources import PackSet, SourcePack, from_path
from rulepack.core.yaml_writer import yaml_scalar

Kind = Literal["added", "removed", "changed"]
Section = Literal["window", "params", "rules", "rows", "properties", "messages", "citations",
                  "pack"]
SECTIONS: tuple[Section, ...] = ("window", "params", "rules", "rows", "properties", "messages",
                                 "citations", "pack")
# Lists whose items are paired by id, not position.
_KEYED = ("rules", "rows", "deductions", "properties")
_WORDS = ("title", "description", "message", "label")
_CITES = ("source", "sources", "seed", "quote")


@dataclass(frozen=True)
class Change:
    """One difference: where (``params.douyin_min_fans``, ``rules.audience.require.any[0]``),
    what kind, and the value on each side (None on the side where it is absent)."""

    section: Section
    path: str
    kind: Kind
    old: Any = None
    new: Any = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"section": self.section, "path": self.path, "kind": self.kind}
        if self.kind != "added":
            out["old"] = self.old
        if self.kind != "removed":
            out["new"] = self.new
        return out


@dataclass(frozen=True)
class VersionDiff:
    """One version of one pack: added, removed or changed, and what changed in it.

    For an added version, ``base`` is the old version it is compared with (None when the pack
    had none before it) and ``changes`` say how it differs from that one.
    """

    version: str
    status: Kind
    effective_from: str
    effective_until: str | None
    base: str | None = None
    changes: tuple[Change, ...] = ()
    old_file: str | None = None
    new_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "status": self.status,
                "effective_from": self.effective_from, "effective_until": self.effective_until,
                "base": self.base, "old_file": self.old_file, "new_file": self.new_file,
                "changes": [c.to_dict() for c in self.changes]}

    def sections(self) -> dict[str, int]:
        """How many changes each section has."""
        counts: dict[str, int] = {}
        for change in self.changes:
            counts[change.section] = counts.get(change.section, 0) + 1
        return counts


@dataclass(frozen=True)
class PackDiff:
    """Every version of one pack id that differs between the two sides."""

    id: str
    status: Kind  # added: a pack id the old side lacks; removed: one the new side lacks
    versions: tuple[VersionDiff, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status,
                "versions": [v.to_dict() for v in self.versions]}


@dataclass(frozen=True)
class Diff:
    """The difference between two sets of packs; :attr:`changed` is False when there is none."""

    old: str
    new: str
    packs: tuple[PackDiff, ...]
    unchanged: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.packs)

    def pack(self, pack_id: str) -> PackDiff:
        for pack in self.packs:
            if pack.id == pack_id:
                return pack
        raise KeyError(pack_id)

    def to_dict(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "changed": self.changed,
                "packs": [p.to_dict() for p in self.packs], "unchanged": list(self.unchanged)}

    def text(self) -> str:
        """The difference for people: per pack, per version, each change side by side."""
        return render_text(self)


Side = PackSet | str | os.PathLike[str] | None


def diff(old: Side, new: Side) -> Diff:
    """The difference between the packs of ``old`` and ``new``: folders, pack files, or
    :class:`~rulepack.change.sources.PackSet` (``sources.from_git(path, ref)`` for a git
    revision); None for the bundled packs. Raises :class:`rulepack.PackError` if either side
    does not load."""
    before = old if isinstance(old, PackSet) else from_path(_path(old))
    after = new if isinstance(new, PackSet) else from_path(_path(new))
    return compare(before, after)


def _path(side: str | os.PathLike[str] | None) -> Path | None:
    return Path(side) if side is not None else None


def compare(old: PackSet, new: PackSet) -> Diff:
    """The difference between two loaded sets of packs."""
    packs: list[PackDiff] = []
    unchanged: list[str] = []
    for pack_id in sorted(set(old.ids) | set(new.ids)):
        before = _versions(old, pack_id)
        after = _versions(new, pack_id)
        versions = tuple(_version_diffs(before, after))
        if not versions:
            unchanged.append(pack_id)
            continue
        status: Kind = "added" if not before else "removed" if not after else "changed"
        packs.append(PackDiff(pack_id, status, versions))
    return Diff(old.label, new.label, tuple(packs), tuple(unchanged))


def _versions(packs: PackSet, pack_id: str) -> list[SourcePack]:
    return sorted((p for p in packs.packs if p.pack.id == pack_id),
                  key=lambda p: p.pack.version_key)


def _window(source: SourcePack) -> tuple[str, str | None]:
    pack = source.pack
    until = pack.effective_until.isoformat() if pack.effective_until else None
    return pack.effective_from.isoformat(), until


def _version_diffs(before: list[SourcePack], after: list[SourcePack]) -> Iterator[VersionDiff]:
    old_by = {p.pack.version: p for p in before}
    new_by = {p.pack.version: p for p in after}
    for source in after:
        version = source.pack.version
        if version in old_by:
            previous = old_by[version]
            changes = tuple(_changes(previous.data, source.data))
            if changes:
                yield VersionDiff(version, "changed", *_window(source), base=version,
                                  changes=changes, old_file=previous.file,
                                  new_file=source.file)
            continue
        # Compared with the newest old version before it, else the oldest after it.
        earlier = [p for p in before if p.pack.version_key < source.pack.version_key]
        base = earlier[-1] if earlier else (before[0] if before else None)
        changes = tuple(_changes(base.data, source.data)) if base is not None else ()
        yield VersionDiff(version, "added", *_window(source),
                          base=base.pack.version if base else None, changes=changes,
                          old_file=base.file if base else None, new_file=source.file)
    for source in before:
        if source.pack.version not in new_by:
            yield VersionDiff(source.pack.version, "removed", *_window(source),
                              old_file=source.file)


# -- the structural comparison ------------------------------------------------------------------


def _section(parts: Sequence[str]) -> Section:
    head = parts[0]
    if head in ("effective_from", "effective_until"):
        return "window"
    if any(p.split("[")[0] in _CITES for p in parts):
        return "citations"
    if any(p.split("[")[0] in _WORDS for p in parts):
        return "messages"
    if head == "params":
        return "params"
    if head == "properties":
        return "properties"
    if head == "rules":
        return "rows" if "rows" in parts else "rules"
    return "pack"


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Change]:
    # The version string is how the two were paired; a changed one is the pairing itself.
    yield from _mapping(dict(old, version=None), dict(new, version=None), [])


def _mapping(old: Mapping[str, Any], new: Mapping[str, Any], at: list[str]) -> Iterator[Change]:
    for key in [*old, *(k for k in new if k not in old)]:
        yield from _value(old.get(key, _ABSENT), new.get(key, _ABSENT), [*at, str(key)])


_ABSENT: Any = object()


def _value(old: Any, new: Any, at: list[str]) -> Iterator[Change]:
    if old is _ABSENT and new is _ABSENT:
        return
    if old is _ABSENT:
        yield Change(_section(at), _dotted(at), "added", None, new)
    elif new is _ABSENT:
        yield Change(_section(at), _dotted(at), "removed", old, None)
    elif old == new and type(old) is type(new):
        return
    elif isinstance(old, Mapping) and isinstance(new, Mapping):
        yield from _mapping(old, new, at)
    elif isinstance(old, list) and isinstance(new, list) and at[-1] in _KEYED \
            and _ids(old) is not None and _ids(new) is not None:
        yield from _keyed(old, new, at)
    elif isinstance(old, list) and isinstance(new, list) and at[-1] == "sources":
        yield from _unordered(old, new, at)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _value(a, b, [*at[:-1], f"{at[-1]}[{index}]"])
    else:
        yield Change(_section(at), _dotted(at), "changed", old, new)


def _ids(items: list[Any]) -> list[str] | None:
    ids = [item.get("id") for item in items if isinstance(item, Mapping)]
    if len(ids) != len(items) or not all(isinstance(i, str) for i in ids) \
            or len(set(ids)) != len(ids):
        return None
    return [str(i) for i in ids]


def _keyed(old: list[Any], new: list[Any], at: list[str]) -> Iterator[Change]:
    before = {item["id"]: item for item in old}
    after = {item["id"]: item for item in new}
    for key in [*before, *(k for k in after if k not in before)]:
        yield from _value(before.get(key, _ABSENT), after.get(key, _ABSENT), [*at, key])


def _unordered(old: list[Any], new: list[Any], at: list[str]) -> Iterator[Change]:
    for item in old:
        if item not in new:
            yield Change(_section(at), _dotted(at), "removed", item, None)
    for item in new:
        if item not in old:
            yield Change(_section(at), _dotted(at), "added", None, item)


def _dotted(parts: Sequence[str]) -> str:
    return ".".join(parts)


# -- text ---------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return yaml_scalar(value).replace("\n", "\n        ")


def render_text(result: Diff) -> str:
    """``rulepack diff``'s text: one block per changed pack, a line per change."""
    lines = [f"--- {result.old}", f"+++ {result.new}"]
    if not result.changed:
        lines.append(f"no change ({len(result.unchanged)} pack(s) compared)")
        return "\n".join(lines) + "\n"
    for pack in result.packs:
        lines.append("")
        lines.append(f"{pack.id}" + ("" if pack.status == "changed" else f" ({pack.status})"))
        for version in pack.versions:
            lines.extend(_version_lines(version))
    counts = {kind: sum(1 for p in result.packs for v in p.versions if v.status == kind)
              for kind in ("added", "removed", "changed")}
    lines.append("")
    lines.append(f"{len(result.packs)} pack(s) differ, {len(result.unchanged)} unchanged; "
                 f"versions: {counts['added']} added, {counts['removed']} removed, "
                 f"{counts['changed']} changed")
    return "\n".join(lines) + "\n"


def _version_lines(version: VersionDiff) -> list[str]:
    window = f"{version.effective_from}..{version.effective_until or ''}"
    if version.status == "removed":
        return [f"  - {version.version} removed (was in force {window}; {version.old_file})"]
    if version.status == "added":
        base = f", compared with {version.base}" if version.base else ""
        head = f"  + {version.version} added, in force {window} ({version.new_file}{base})"
    else:
        head = f"  ~ {version.version} changed, in force {window} ({version.new_file})"
    lines = [head]
    for section in SECTIONS:
        changes = [c for c in version.changes if c.section == section]
        if not changes:
            continue
        lines.append(f"    {section}:")
        for change in changes:
            lines.extend(_change_lines(change))
    return lines


def _change_lines(change: Change) -> list[str]:
    if change.kind == "added":
        return [f"      + {change.path}: {_shown(change.new)}"]
    if change.kind == "removed":
        return [f"      - {change.path}: {_shown(change.old)}"]
    old, new = _shown(change.old), _shown(change.new)
    if len(old) + len(new) <= 60 and "\n" not in old + new:
        return [f"      ~ {change.path}: {old} → {new}"]
    return [f"      ~ {change.path}:", f"        - {old}", f"        + {new}"]
