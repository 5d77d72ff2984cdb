"""Breaking fact documents on purpose: the edits differential tests apply to valid documents."""

from __future__ import annotations

import copy
from typing import Any


def _positions(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key) of a document, depth first."""
    out: list[tuple[Any, Any]] = []
    items = document.items() if isinstance(document, dict) else \
        enumerate(document) if isinstance(document, list) else ()
    for key, value in items:
        out.append((document, key))
        out.extend(_positions(value))
    return out


def edited(document: dict[str, Any], edits: list[tuple[int, Any]], *,
           top_level: bool) -> dict[str, Any]:
    """``document`` with a few values replaced (``"delete"``: a key removed, a list item
    nulled), each edit at the position its index picks. The top-level ``as_of`` is never
    edited; the other top-level keys (the subjects) only with ``top_level``."""
    out = copy.deepcopy(document)
    for index, value in edits:
        positions = [(container, key) for container, key in _positions(out)
                     if container is not out or (top_level and key != "as_of")]
        if not positions:
            break
        container, key = positions[index % len(positions)]
        if value == "delete" and isinstance(container, dict):
            del container[key]
        else:
            # A copy: the same drawn object put in twice, then edited, could contain itself.
            container[key] = None if value == "delete" else copy.deepcopy(value)
    return out
