"""rulepack: versioned YAML rule packs for platform policy, evaluated into explained verdicts.

    >>> import rulepack
    >>> library = rulepack.load()                      # the bundled packs
    >>> verdict = library.evaluate("xingtu.entry", {"account": {"platform": "douyin",
    ...     "fans": 99_999, "mcn_signed": False, "violations": []}}, as_of="2026-11-21")
    >>> verdict.outcome
    'fail'
"""

from rulepack.core.errors import (
    EvaluationError,
    FactsError,
    PackError,
    Problem,
    RulepackError,
)
from rulepack.facts.reading import read_facts
from rulepack.lang.expressions import Limits
from rulepack.library import Library, load
from rulepack.model.pack import Pack, Text
from rulepack.verdict.data import Check, Reason, Verdict

__version__ = "0.1.0"

__all__ = [
    "Check",
    "EvaluationError",
    "FactsError",
    "Library",
    "Limits",
    "Pack",
    "PackError",
    "Problem",
    "Reason",
    "RulepackError",
    "Text",
    "Verdict",
    "__version__",
    "load",
    "read_facts",
]
