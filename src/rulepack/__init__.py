"""rulepack: versioned YAML rule packs for platform policy, evaluated into explained verdicts.

    >>> import rulepack
    >>> library = rulepack.load()                      # the bundled packs
    >>> verdict = library.evaluate("xingtu.entry", {"account": {"platform": "douyin",
    ...     "fans": 99_999, "mcn_signed": False, "violations": []}}, as_of="2026-11-21")
    >>> verdict.outcome
    'fail'
"""

from typing import TYPE_CHECKING, Any

from rulepack.core.errors import (
    EvaluationError,
    FactsError,
    PackError,
    Problem,
    RulepackError,
)
from rulepack.facts.reading import read_facts
from rulepack.lang.expressions import FieldInfo as FactInfo
from rulepack.lang.expressions import Limits
from rulepack.library import Library, load
from rulepack.model.description import PackInfo, RuleInfo
from rulepack.model.pack import Source, Text
from rulepack.verdict.data import Check, Reason, Verdict

if TYPE_CHECKING:
    from rulepack.change.diff import diff
    from rulepack.change.impact import impact
    from rulepack.change.sweep import sweep

__version__ = "0.1.0"

__all__ = [
    "Check",
    "EvaluationError",
    "FactInfo",
    "FactsError",
    "Library",
    "Limits",
    "PackError",
    "PackInfo",
    "Problem",
    "Reason",
    "RuleInfo",
    "RulepackError",
    "Source",
    "Text",
    "Verdict",
    "__version__",
    "diff",
    "impact",
    "load",
    "read_facts",
    "sweep",
]

# What a policy change does (rulepack.change) is loaded on first use: most programs never ask.
_LAZY = {"diff": "rulepack.change.diff", "impact": "rulepack.change.impact",
         "sweep": "rulepack.change.sweep"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rulepack' has no attribute {name!r}")
