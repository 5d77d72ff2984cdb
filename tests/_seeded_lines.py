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
import os
import random
import subprocess
import sys
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


# -- what eval --batch says, and the same as a verdict row -------------------------------------

SRC = Path(__file__).resolve().parent.parent / "src"


def eval_batch(path: Path, as_of: str, *options: str) -> list[dict[str, Any]]:
    """The records ``rulepack eval --batch`` writes for the lines of ``path``."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "rulepack", "eval", "--batch", str(path), "--as-of", as_of,
         *options], capture_output=True, text=True, env=env, check=False)
    assert done.returncode in (0, 2), done.stderr  # 2: some lines failed, as some must
    return [json.loads(line) for line in done.stdout.splitlines()]


_NOTHING = {"version": None, "digest": None, "as_of": None, "outcome": None,
            "applicable": None, "result": None, "reasons": None, "missing": None, "error": None}


def expected_row(record: dict[str, Any], *, reasons: bool) -> dict[str, Any]:
    """An ``eval --batch`` record as the verdict row it must match (``line`` the key), with
    ``result`` and ``reasons`` parsed."""
    row = {"line": record["line"], "pack": record["pack"], **_NOTHING}
    if "error" in record:
        error = record["error"]
        row["error"] = {"code": error["code"], "message": error["message"],
                        "value": error["value"]}
    elif record.get("outcome") == "not_applicable" and "version" not in record:
        row["outcome"] = "not_applicable"
    else:
        row.update({key: record[key] for key in ("version", "digest", "as_of", "outcome",
                                                 "result", "missing")})
        row["applicable"] = record.get("applicable", True)
        row["reasons"] = record["reasons"] if reasons else None
    return row


def parsed_row(row: dict[str, Any]) -> dict[str, Any]:
    """A verdict row with its JSON text columns parsed."""
    return {**row, **{key: None if row[key] is None else json.loads(row[key])
                      for key in ("result", "reasons")}}
