"""The workload of bench/peers.py: the two policies' thresholds, the fact documents, and the
hand-written Python every engine's answers are checked against.

The two policies (the same in every engine):

- ``entry`` (after ``xingtu.entry``): (platform is douyin and fans >= 100,000) or (platform is
  xigua or huoshan and fans >= 50,000) or MCN-signed; and no violation on record.
- ``opening`` (after ``xingtu.xigua_task.opening``): platform is xigua, fans >= 10,000, healthy
  content, the original permission, and the newest 20 videos average >= 1,000 plays (fewer
  videos: the average of those there are; none: 0, which fails).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Doc = dict[str, Any]
Answer = tuple[bool, bool]  # (entry, opening)

# The thresholds; bench/packs/bench.yaml carries the same numbers as params (checked at start).
PARAMS: Mapping[str, int] = {
    "douyin_min_fans": 100_000,
    "xigua_huoshan_min_fans": 50_000,
    "opening_min_fans": 10_000,
    "recent_videos": 20,
    "min_avg_plays": 1_000,
}
PACK_ID = "bench.xingtu"
# A fixed instant, so that every run picks the same pack version whatever the date.
AS_OF = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
SEED = 20260520

# Douyin and Xigua weigh more: they are the platforms with the most branches.
PLATFORMS = ("douyin", "douyin", "xigua", "xigua", "xigua", "huoshan", "toutiao", "kuaishou")
# Each threshold, one below it and one above it, so every comparison is seen on both sides.
FANS_EDGES = (0, 9_999, 10_000, 10_001, 49_999, 50_000, 50_001, 99_999, 100_000, 100_001)


# -- the hand-written reference ---------------------------------------------------------------
# Thresholds are literals here, as a programmer would write them: if PARAMS changes, every
# engine's answers change with it and the answer check stops the run until these follow.

def avg_newest(plays: Sequence[int], n: int) -> float:
    """The mean of the first ``n`` plays (newest first); fewer: of those there are; none: 0."""
    newest = plays[:n]
    return sum(newest) / len(newest) if newest else 0


def python_entry(account: Mapping[str, Any]) -> bool:
    platform, fans = account["platform"], account["fans"]
    reaches = (
        (platform == "douyin" and fans >= 100_000)
        or (platform in ("xigua", "huoshan") and fans >= 50_000)
        or account["mcn_signed"]
    )
    return bool(reaches) and not account["violations"]


def python_opening(account: Mapping[str, Any]) -> bool:
    return (
        account["platform"] == "xigua"
        and account["fans"] >= 10_000
        and account["content_healthy"]
        and account["original_permission"]
        and avg_newest(account["recent_video_plays"], 20) >= 1_000
    )


def python_rules(doc: Mapping[str, Any]) -> Answer:
    """Both policies, as a programmer would write them with no engine: the floor."""
    account = doc["account"]
    return python_entry(account), python_opening(account)


# -- the documents ---------------------------------------------------------------------------

def documents(count: int, seed: int = SEED) -> list[Doc]:
    """``count`` fact documents; the first ``count`` of one fixed stream, so any prefix of a
    longer run is a shorter run. Values crowd the thresholds so that every branch is taken."""
    return list(_stream(seed, count))


def _stream(seed: int, count: int) -> Iterator[Doc]:
    rng = random.Random(seed)
    for _ in range(count):
        yield {"account": _account(rng)}


def _account(rng: random.Random) -> Doc:
    return {
        "platform": rng.choice(PLATFORMS),
        "fans": rng.choice(FANS_EDGES) if rng.random() < 0.6 else rng.randrange(0, 300_000),
        "mcn_signed": rng.random() < 0.2,
        "violations": _violations(rng),
        "content_healthy": rng.random() < 0.85,
        "original_permission": rng.random() < 0.8,
        "recent_video_plays": _plays(rng),
    }


def _violations(rng: random.Random) -> list[Doc]:
    if rng.random() < 0.7:
        return []
    return [{"on": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}",
             "points": rng.randrange(1, 13)} for _ in range(rng.randrange(1, 4))]


def _plays(rng: random.Random) -> list[int]:
    """Recent plays, newest first, in the shapes that decide the average rule."""
    kind = rng.randrange(6)
    length = rng.choice((0, 1, 7, 19, 20, 21, 35)) if kind < 5 else rng.randrange(21, 40)
    if length == 0:
        return []
    n = min(length, PARAMS["recent_videos"])
    if kind == 0:  # the newest average exactly 1,000
        head = _spread(rng, 1_000 * n, n)
    elif kind == 1:  # one play short of it
        head = _spread(rng, 1_000 * n - 1, n)
    elif kind in (2, 3):  # anywhere around it
        head = [rng.randrange(0, 2_200) for _ in range(n)]
    elif kind == 4:  # well above
        head = [rng.randrange(1_000, 50_000) for _ in range(n)]
    else:  # the older videos pull the overall average the other way: only the newest count
        head = _spread(rng, 1_000 * n + rng.choice((-1, 0)), n)
        older = [rng.choice((0, 100_000)) for _ in range(length - n)]
        return head + older
    older = [rng.randrange(0, 5_000) for _ in range(length - n)]
    return head + older


def _spread(rng: random.Random, total: int, n: int) -> list[int]:
    """``n`` non-negative plays that add up to exactly ``total``."""
    cuts = sorted(rng.randrange(0, total + 1) for _ in range(n - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


# -- branch coverage -------------------------------------------------------------------------

def branches(doc: Mapping[str, Any]) -> set[str]:
    """The branches of the two policies this document takes (by the hand-written logic)."""
    a = doc["account"]
    platform, fans = a["platform"], a["fans"]
    taken = set()
    if platform == "douyin":
        taken.add("entry: douyin " + ("at or over" if fans >= 100_000 else "under") + " 100,000")
    elif platform in ("xigua", "huoshan"):
        taken.add("entry: xigua/huoshan " + ("at or over" if fans >= 50_000 else "under")
                  + " 50,000")
    else:
        taken.add("entry: another platform")
    taken.add("entry: MCN-signed" if a["mcn_signed"] else "entry: not MCN-signed")
    taken.add("entry: violations" if a["violations"] else "entry: no violation")
    entry, opening = python_rules(doc)
    taken.add(f"entry: {'pass' if entry else 'fail'}")
    taken.add(f"opening: {'pass' if opening else 'fail'}")
    taken |= _opening_branches(a)
    return taken


def _opening_branches(a: Mapping[str, Any]) -> set[str]:
    plays = a["recent_video_plays"]
    avg = avg_newest(plays, 20)
    taken = {
        "opening: xigua" if a["platform"] == "xigua" else "opening: not xigua",
        "opening: fans " + ("at or over" if a["fans"] >= 10_000 else "under") + " 10,000",
        "opening: healthy" if a["content_healthy"] else "opening: not healthy",
        "opening: permission" if a["original_permission"] else "opening: no permission",
        "opening: avg " + ("exactly" if avg == 1_000 else "over" if avg > 1_000 else "under")
        + " 1,000",
        "opening: " + ("no video" if not plays else "fewer than 20 videos" if len(plays) < 20
                       else "20 videos" if len(plays) == 20 else "more than 20 videos"),
    }
    if len(plays) > 20 and (avg >= 1_000) != (sum(plays) / len(plays) >= 1_000):
        taken.add("opening: only the newest 20 count")
    # The one path to a pass that rests on the average alone.
    if (a["platform"] == "xigua" and a["fans"] >= 10_000 and a["content_healthy"]
            and a["original_permission"]):
        taken.add("opening: decided by the average, " + ("pass" if avg >= 1_000 else "fail"))
    return taken


ALL_BRANCHES = frozenset({
    "entry: douyin at or over 100,000", "entry: douyin under 100,000",
    "entry: xigua/huoshan at or over 50,000", "entry: xigua/huoshan under 50,000",
    "entry: another platform", "entry: MCN-signed", "entry: not MCN-signed",
    "entry: violations", "entry: no violation", "entry: pass", "entry: fail",
    "opening: pass", "opening: fail", "opening: xigua", "opening: not xigua",
    "opening: fans at or over 10,000", "opening: fans under 10,000",
    "opening: healthy", "opening: not healthy", "opening: permission", "opening: no permission",
    "opening: avg exactly 1,000", "opening: avg over 1,000", "opening: avg under 1,000",
    "opening: no video", "opening: fewer than 20 videos", "opening: 20 videos",
    "opening: more than 20 videos", "opening: only the newest 20 count",
    "opening: decided by the average, pass", "opening: decided by the average, fail",
})


def missing_branches(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The branches no document takes; empty when the documents cover both policies."""
    seen: set[str] = set()
    for doc in docs:
        seen |= branches(doc)
    return sorted(ALL_BRANCHES - seen)
