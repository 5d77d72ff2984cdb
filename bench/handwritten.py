"""Hand-written Python for three bundled packs: the floor bench/every_pack.py measures against.

Each function takes a fact document and returns ``(outcome, result)`` exactly as the pack's
verdict has them (``verdict.outcome``, ``dict(verdict.result)``), missing facts included: a
fact left out makes what depends on it unknown, by the packs' three-valued logic. They are
written as a programmer would write the policy with no engine (``None`` for "not known",
``and``/``or`` spelled out), with no explanation: the least work that gives the same answers.
bench/every_pack.py checks them equal to the engine on every document before timing.

- :func:`entry` — ``rules/xingtu/entry.yaml``
- :func:`penalty_points` — ``rules/xingtu/penalty_points.yaml``
- :func:`business_tier` — ``rules/kuaishou/signing.business_tier.yaml``

The thresholds are literals, as in bench/peer_workload.py: if a pack changes, the answer check
stops the run until these follow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Answer = tuple[str, dict[str, Any]]  # (outcome, result)

_OUTCOME = {True: "pass", False: "fail", None: "unknown"}
_NO_TIER: dict[str, Any] = {"tier": None, "deposit_cny": None, "resources": None,
                            "quarterly_spend_growth_commitment": None}


def _and(a: bool | None, b: bool | None) -> bool | None:
    """Kleene ``and``: false wins, then not known."""
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _or(a: bool | None, b: bool | None) -> bool | None:
    """Kleene ``or``: true wins, then not known."""
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


def entry(doc: Mapping[str, Any]) -> Answer:
    """Douyin with 100,000 fans, or Xigua/Huoshan with 50,000, or MCN-signed; no violation."""
    account = doc["account"]
    platform = account.get("platform")
    fans = account.get("fans")
    signed = account.get("mcn_signed")
    enough_100k = None if fans is None else fans >= 100_000
    enough_50k = None if fans is None else fans >= 50_000
    douyin = None if platform is None else platform == "douyin"
    xigua = None if platform is None else platform in ("xigua", "huoshan")
    audience = _or(_or(_and(douyin, enough_100k), _and(xigua, enough_50k)),
                   None if signed is None else bool(signed))
    violations = account.get("violations")
    clean = None if violations is None else len(violations) == 0
    return _OUTCOME[_and(audience, clean)], {}


def penalty_points(doc: Mapping[str, Any]) -> Answer:
    """12 points less the points of every violation, not below 0; fail at 0 (revoked)."""
    violations = doc["account"].get("violations")
    if violations is None:
        return "unknown", {"remaining": None, "deducted": None, "status": None}
    deducted = 0
    for violation in violations:
        points = violation.get("points")
        if points is None:
            return "unknown", {"remaining": None, "deducted": None, "status": None}
        deducted += points
    remaining = max(12 - deducted, 0)
    if remaining > 0:
        return "pass", {"remaining": remaining, "deducted": deducted, "status": "active"}
    return "fail", {"remaining": remaining, "deducted": deducted, "status": "revoked"}


def business_tier(doc: Mapping[str, Any]) -> Answer:
    """Tier S/A/B by the annual framework amount, with its deposit and resources; government
    organizations are outside the pack (every rule skipped, which passes)."""
    organization = doc["organization"]
    kind = organization.get("type")
    if kind == "government":
        return "pass", dict(_NO_TIER)
    amount = organization.get("annual_framework_cny")
    if kind is None or amount is None:
        # Whether the pack applies, or the amount, is not known: so is every field.
        return "unknown", dict(_NO_TIER)
    if amount >= 50_000_000:
        return "pass", {"tier": "S", "deposit_cny": 3_000_000,
                        "resources": ["splash_ad", "challenge_title_sponsorship",
                                      "live_room_pin"],
                        "quarterly_spend_growth_commitment": 0.15}
    if amount >= 10_000_000:
        return "pass", {"tier": "A", "deposit_cny": 1_000_000,
                        "resources": ["feed_ads", "custom_topic_page"],
                        "quarterly_spend_growth_commitment": None}
    return "pass", {"tier": "B", "deposit_cny": 500_000,
                    "resources": ["location_push", "creator_matrix_promotion"],
                    "quarterly_spend_growth_commitment": None}


# The packs written by hand, by pack id.
HANDWRITTEN: Mapping[str, Callable[[Mapping[str, Any]], Answer]] = {
    "xingtu.entry": entry,
    "xingtu.penalty_points": penalty_points,
    "kuaishou.signing.business_tier": business_tier,
}
