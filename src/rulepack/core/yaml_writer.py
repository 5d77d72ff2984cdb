"""YAML written for people: test cases and values in the ``NAME.test.yaml`` style."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from rulepack.core import yaml_reader

_FLOW_WIDTH = 72


def _inline(values: Iterable[Any]) -> bool:
    """Whether a mapping or list with these values reads best on one line, ``{on: ..., x: 1}``:
    scalars only, short, and no `:` (which flow style would have to quote)."""
    values = list(values)
    scalars = all(v is None or isinstance(v, (str, int, float, bool)) for v in values)
    colons = any(isinstance(v, str) and ":" in v for v in values)
    return scalars and not colons and sum(len(str(v)) + 4 for v in values) <= _FLOW_WIDTH


def _dumper() -> Any:
    # A string is quoted exactly when the packs' own YAML reader would read it as something
    # else, so dates stay unquoted and `on:` stays a plain key, as in hand-written cases.
    def increase_indent(self: Any, flow: bool = False, indentless: bool = False) -> Any:
        return yaml.SafeDumper.increase_indent(self, flow, False)

    def ignore_aliases(self: Any, data: Any) -> bool:
        return True  # a test case spells every value out; no &anchors

    def represent_dict(self: Any, data: dict[Any, Any]) -> Any:
        return self.represent_mapping("tag:yaml.org,2002:map", data,
                                      flow_style=_inline([*data, *data.values()]))

    def represent_list(self: Any, data: list[Any]) -> Any:
        return self.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=_inline(data))

    dumper: Any = type("CaseDumper", (yaml.SafeDumper,), {
        "increase_indent": increase_indent, "ignore_aliases": ignore_aliases,
        "yaml_implicit_resolvers": yaml_reader._Resolver.yaml_implicit_resolvers})
    dumper.add_representer(dict, represent_dict)
    dumper.add_representer(list, represent_list)
    return dumper


_DUMPER = _dumper()


def yaml_dump(data: Any) -> str:
    """``data`` as YAML in the style of the test case files (lists of scalars inline)."""
    return str(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=100))


def yaml_scalar(value: Any) -> str:
    """One value as it reads in YAML: 12, 0.15, null, true, douyin, [a, b]."""
    text = yaml_dump(value).strip()
    return text[:-4].rstrip() if text.endswith("\n...") else text.removesuffix("...").strip()
