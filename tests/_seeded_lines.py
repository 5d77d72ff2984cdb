"""Seeded JSON Lines of fact documents, bad lines among them, for the batch front-end tests.

Each document starts from one of the bundled examples (an account, an organization or a
task, with plausible fields) and is varied: numbers scaled, flags flipped, list items and
fields dropped, the as_of moved or removed. About one line in twelve is bad on purpose: not
JSON (garbage, cut short, a key written twice, blank), JSON that is no fact document, or a
document dated before any pack was in force.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import rulepack

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _templates() -> list[dict[str, Any]]:
    return [rulepack.read_facts(path) for path in sorted(EXAMPLES.glob("*.yaml"))]


def _vary(value: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if depth > 0 and rng.random() < 0.08:
                continue  # a fact the platform did not send
            out[key] = _vary(item, rng, depth + 1)
        return out
    if isinstance(value, list):
        return [_vary(item, rng, depth + 1) for item in value if rng.random() > 0.1]
    if isinstance(value, bool):
        return (not value) if rng.random() < 0.2 else value
    if isinstance(value, int):
        return max(0, round(value * rng.uniform(0.5, 1.6)))
    if isinstance(value, float):
        scaled = value * rng.uniform(0.5, 1.6)
        return min(scaled, 1.0) if value <= 1 else round(scaled, 3)
    return value


_NOT_JSON = [
    "",
    "   ",
    "not json at all",
    '{"account": {"fans": 12}',
    '{"account": {"fans": 1, "fans": 2}}',
    "[1, 2,",
    '{"account": tru}',
]
_INVALID = [
    '{"account": {"fans": -5}}',
    '{"account": {"platform": "douyin", "fanz": 100}}',
    '[1, 2, 3]',
    '"just a string"',
    '{"as_of": "yesterday", "account": {"fans": 3}}',
    '{"organization": {"type": "mcn", "violation_rate_6m": 2}}',
]


def lines(count: int, seed: int) -> list[str]:
    """``count`` JSON Lines (without newlines), the same for the same seed."""
    rng = random.Random(seed)
    templates = _templates()
    out: list[str] = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.04:
            out.append(rng.choice(_NOT_JSON))
            continue
        if roll < 0.08:
            out.append(rng.choice(_INVALID))
            continue
        doc = _vary(copy.deepcopy(rng.choice(templates)), rng)
        if roll < 0.085:
            doc["as_of"] = "1990-01-01"  # before every pack's first version
        elif roll < 0.3:
            doc.pop("as_of", None)  # judged at the run's as_of
        elif "as_of" in doc:
            day = rng.randint(1, 28)
            doc["as_of"] = f"2026-{rng.randint(1, 12):02d}-{day:02d}T10:00:00+08:00"
        out.append(json.dumps(doc, ensure_ascii=False))
    return out
