"""A synthetic fact corpus: seeded, plausible accounts, organizations and tasks, as JSON Lines.

Nothing here is real data. The distributions are chosen to look like a creator platform's
population so that impact reports, sweeps and benchmarks show real-looking numbers: fans are
log-normal (median about 20,000; about one account in five above 100,000), violations per
account Poisson (mean 0.4), dates spread over the three years before ``as_of``, every platform
present, and each fact left out now and then (``missing``, 2 % by default) so that packs also
meet documents they cannot decide. Every line is a valid fact document; the same seed gives
the same lines, byte for byte::

    python -m rulepack.testing.corpus --count 10000 --seed 7 > corpus.jsonl

Seeded by :class:`random.Random` alone (no Hypothesis), so it runs wherever rulepack does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from collections.abc import Iterator, Sequence
from typing import Any

DEFAULT_AS_OF = "2026-11-21T12:00:00+08:00"
DEFAULT_MISSING = 0.02
_TZ = dt.timezone(dt.timedelta(hours=8))

PLATFORMS = (("douyin", 0.34), ("kuaishou", 0.34), ("xigua", 0.14), ("huoshan", 0.09),
             ("toutiao", 0.09))
SUBJECTS = (("account", 0.72), ("organization", 0.18), ("task", 0.10))
TYPES_BY_CATEGORY = {
    "content": ("vulgar", "dangerous", "infringement"),
    "behavior": ("fake_traffic", "false_transaction", "harassment", "private_order"),
    "environment": ("abnormal_login", "device_fingerprint"),
}
MATERIALS = ("original_project_files", "copyright_certificate", "first_publication_proof",
             "context_clips", "scene_explanation", "no_violation_statement",
             "device_ip_records", "login_history_screenshots", "transaction_records")
BASIC_DOCUMENTS = ("business_license", "legal_person_id", "industry_license",
                   "industry_qualification", "content_team", "equipment_list")
GOVERNMENT_DOCUMENTS = ("supervisor_authorization", "opinion_response_plan")
VALUE_ADDS = ("high_tech_certificate", "iso_certificate", "association_recommendation",
              "awards", "hit_cases", "ip_reserve")
REGIONS = ("广东", "浙江", "江苏", "北京", "上海", "四川", "山东", "河南", "湖北", "福建")
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超"
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
LATEST_APP = "12.10.30"
OLDER_APPS = ("12.9.31", "12.10.2", "11.8.40")


class Generator:
    """Fact documents drawn from one seeded :class:`random.Random`."""

    def __init__(self, seed: int, *, as_of: str = DEFAULT_AS_OF,
                 missing: float = DEFAULT_MISSING) -> None:
        if not 0 <= missing < 1:
            raise ValueError(f"missing must be a share in [0, 1), not {missing}")
        self.random = random.Random(seed)
        self.as_of = as_of
        self.now = dt.datetime.fromisoformat(as_of)
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=_TZ)
        self.today = self.now.astimezone(_TZ).date()
        self.missing = missing

    # -- helpers ----------------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.random.random() < p

    def pick(self, weighted: Sequence[tuple[str, float]]) -> str:
        names = [name for name, _ in weighted]
        return self.random.choices(names, [w for _, w in weighted])[0]

    def poisson(self, mean: float) -> int:
        # Knuth's method: exact, and fast for the small means used here.
        limit, k, product = math.exp(-mean), 0, self.random.random()
        while product > limit:
            k += 1
            product *= self.random.random()
        return k

    def lognormal_int(self, median: float, sigma: float) -> int:
        return int(self.random.lognormvariate(math.log(median), sigma))

    def share(self, mean: float, spread: float) -> float:
        """A fraction near ``mean``, kept within [0, 1], to four decimals."""
        return round(min(1.0, max(0.0, self.random.gauss(mean, spread))), 4)

    def day_within(self, days: int) -> str:
        return (self.today - dt.timedelta(days=self.random.randrange(days + 1))).isoformat()

    def instant_within(self, hours: float) -> dt.datetime:
        return self.now - dt.timedelta(seconds=self.random.randrange(int(hours * 3600) + 1))

    def subset(self, items: Sequence[str], p: float) -> list[str]:
        return [item for item in items if self.chance(p)]

    def thin(self, mapping: dict[str, Any]) -> dict[str, Any]:
        """``mapping`` with each key left out at the ``missing`` rate (nested ones too)."""
        out: dict[str, Any] = {}
        for key, value in mapping.items():
            if self.chance(self.missing):
                continue
            if isinstance(value, dict):
                value = self.thin(value)
            elif isinstance(value, list):
                value = [self.thin(v) if isinstance(v, dict) else v for v in value]
            out[key] = value
        return out

    # -- documents --------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        """One fact document with one subject: an account, an organization or a task."""
        subject = self.pick(SUBJECTS)
        maker = {"account": self.account, "organization": self.organization,
                 "task": self.task}[subject]
        return {"as_of": self.as_of, subject: self.thin(maker())}

    def violation(self) -> dict[str, Any]:
        category = self.random.choice(tuple(TYPES_BY_CATEGORY))
        points = self.random.choices((1, 2, 3, 4, 6, 12), (30, 25, 20, 12, 9, 4))[0]
        return {"on": self.day_within(3 * 365), "category": category,
                "type": self.random.choice(TYPES_BY_CATEGORY[category]), "points": points,
                "major": self.chance(0.1)}

    def resident_id(self) -> str:
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=self.random.randrange(16000))
        body = (f"{self.random.choice(('110101', '310104', '440305', '330106', '510107'))}"
                f"{birth:%Y%m%d}{self.random.randrange(1000):03d}")
        check = "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS,
                                                             strict=True)) % 11]
        if self.chance(0.05):  # a typo in the last digit
            check = "0" if check != "0" else "1"
        return body + check

    def account(self) -> dict[str, Any]:
        platform = self.pick(PLATFORMS)
        account: dict[str, Any] = {
            "platform": platform,
            "fans": self.lognormal_int(20_000, 1.8),
            "registered": self.chance(0.97),
            "profile_complete": self.chance(0.85),
            "real_name_verified": self.chance(0.8),
            "mcn_signed": self.chance(0.12),
            "original_permission": self.chance(0.45),
            "content_healthy": self.chance(0.9),
            "region": self.random.choice(REGIONS),
            "overseas": self.chance(0.03),
            "like_play_ratio": self.share(0.022, 0.009),
            "content_risk_score": round(self.random.triangular(0, 100, 75), 1),
            "accounts_on_device": 1 + self.poisson(0.9),
            "recent_video_plays": [self.lognormal_int(1_200, 1.2)
                                   for _ in range(self.random.randrange(5, 31))],
            "phone": {"country_code": "+86" if self.chance(0.95) else
                      self.random.choice(("+852", "+1", "+65")),
                      "receives_sms": self.chance(0.97),
                      "changed_since_verification": self.chance(0.05)},
            "app": {"version": LATEST_APP if self.chance(0.8) else
                    self.random.choice(OLDER_APPS), "latest_version": LATEST_APP},
            "identity": {
                "real_name": self.random.choice(SURNAMES) + "".join(
                    self.random.choices(GIVEN, k=self.random.choice((1, 2)))),
                "id_number": self.resident_id(),
                "id_expires_on": (self.today + dt.timedelta(
                    days=self.random.randrange(-400, 20 * 365))).isoformat(),
                "id_photo_front": self.random.choices(("clear", "unclear", "missing"),
                                                      (90, 7, 3))[0],
                "id_photo_back": self.random.choices(("clear", "unclear", "missing"),
                                                     (88, 8, 4))[0],
                "face_verified": self.chance(0.92),
                "own_identity": self.chance(0.98)},
            "verification": {"submitted_on": self.day_within(365),
                             "status": self.random.choices(
                                 ("none", "pending", "approved", "rejected"),
                                 (10, 10, 72, 8))[0]},
            "violations": [self.violation() for _ in range(self.poisson(0.4))],
            "credit": {"rules_exam_passed": self.chance(0.4),
                       "valid_reports": self.poisson(1.5),
                       "guarantor": {"real_name_verified": self.chance(0.7),
                                     "violations_past_year": self.poisson(0.3)}},
            "xingtu": {"quote_set": self.chance(0.6), "contact_phone": self.chance(0.8),
                       "contact_email": self.chance(0.6),
                       "accepting_orders": self.chance(0.7)},
        }
        if self.chance(0.15):
            account["ban"], account["appeal"] = self.ban_and_appeal()
            if account["appeal"] is None:
                del account["appeal"]
        return account

    def ban_and_appeal(self) -> tuple[dict[str, Any], dict[str, Any] | None]:
        category = self.random.choice(tuple(TYPES_BY_CATEGORY))
        # One ban in twenty names a type of another category (the ban-level pack refuses it).
        types = TYPES_BY_CATEGORY[category] if self.chance(0.95) else \
            tuple(t for ts in TYPES_BY_CATEGORY.values() for t in ts)
        started = self.instant_within(14 * 24)
        ban = {"level": self.random.choices((1, 2, 3), (60, 30, 10))[0], "category": category,
               "type": self.random.choice(types), "started_at": started.isoformat()}
        if not self.chance(0.7):
            return ban, None
        submitted = started + (self.now - started) * self.random.random()
        response: str | None = None
        if self.chance(0.6):
            response = (submitted + (self.now - submitted) * self.random.random()).isoformat()
        appeal = {"channels": self.subset(("app", "email", "phone", "weibo"), 0.55),
                  "evidence": self.subset(MATERIALS, 0.35),
                  "evidence_timestamped": self.chance(0.5),
                  "submitted_at": submitted.isoformat(), "last_response_at": response}
        return ban, appeal

    def organization(self) -> dict[str, Any]:
        kind = self.random.choices(("brand", "mcn", "government"), (50, 35, 15))[0]
        documents = self.subset(BASIC_DOCUMENTS, 0.93) + self.subset(VALUE_ADDS, 0.2)
        if kind == "government":
            documents += self.subset(GOVERNMENT_DOCUMENTS, 0.85)
        organization: dict[str, Any] = {
            "type": kind,
            "documents": documents,
            "admin_penalties": [{"on": self.day_within(5 * 365), "major": self.chance(0.3)}
                                for _ in range(self.poisson(0.25))],
            "fans": self.lognormal_int(200_000, 1.5),
            "interaction_rate": self.share(0.03, 0.012),
            "managed_gmv_monthly": float(self.lognormal_int(3_000_000, 1.2)),
            "violation_rate_6m": round(min(1.0, self.random.expovariate(1 / 0.004)), 5),
            "annual_framework_cny": float(self.lognormal_int(8_000_000, 1.3)),
            "live_commerce": self.chance(0.4),
            "data_service": self.chance(0.2),
            "tech": {"erp_orders_per_second": float(self.lognormal_int(700, 0.6)),
                     "stream_latency_s": round(self.random.lognormvariate(math.log(1.4), 0.4),
                                               2),
                     "adaptive_resolution": self.chance(0.8),
                     "data_sync_interval_min": float(self.random.choice((1, 2, 5, 5, 10, 15))),
                     "api_availability": round(min(1.0, 1 - self.random.expovariate(1 / 0.0008)),
                                               5)},
            "renewal": {"quarter_fans_growth": round(max(-1.0, self.random.gauss(0.06, 0.08)),
                                                     4),
                        "annual_spend_met": self.chance(0.6),
                        "major_violation": self.chance(0.05),
                        "strategic_gmv_met": self.chance(0.4)},
            "complaints": [{"on": self.day_within(120), "valid": self.chance(0.6)}
                           for _ in range(self.poisson(4))],
            "violations": [{"on": self.day_within(365),
                            "points": self.random.choices((1, 2, 3, 6), (40, 30, 20, 10))[0]}
                           for _ in range(self.poisson(1.2))],
        }
        if kind == "government":
            organization["gov"] = {"weekly_posts": float(self.poisson(6)),
                                   "service_content_share": self.share(0.65, 0.12),
                                   "policy_video_completion": self.share(0.82, 0.08)}
        return organization

    def task(self) -> dict[str, Any]:
        published = self.instant_within(60 * 24)
        task: dict[str, Any] = {"published_at": published.isoformat(), "accepted_at": None,
                                "script_skipped": self.chance(0.3),
                                "script_approved": self.chance(0.7),
                                "video_published_at": None, "linked_to_task": self.chance(0.92),
                                "customer_accepted_at": None,
                                "retention_days_agreed": self.random.choice((None, None, 30,
                                                                             45, 60)),
                                "video_removed_at": None}
        if not self.chance(0.15):
            accepted = published + dt.timedelta(hours=self.random.expovariate(1 / 10))
            if accepted < self.now:
                task["accepted_at"] = accepted.isoformat()
                video = accepted + dt.timedelta(days=self.random.expovariate(1 / 5))
                if video < self.now and self.chance(0.85):
                    task["video_published_at"] = video.isoformat()
                    if self.chance(0.5):
                        task["customer_accepted_at"] = (
                            video + dt.timedelta(days=self.random.uniform(0, 7))).isoformat()
                    if self.chance(0.12):
                        task["video_removed_at"] = (
                            video + dt.timedelta(days=self.random.uniform(1, 60))).isoformat()
        for key in ("customer_accepted_at", "video_removed_at"):
            if task[key] is not None and task[key] > self.now.isoformat():
                task[key] = None  # not yet happened
        return task


def documents(count: int, seed: int, *, as_of: str = DEFAULT_AS_OF,
              missing: float = DEFAULT_MISSING) -> Iterator[dict[str, Any]]:
    """``count`` synthetic fact documents, the same ones for the same arguments."""
    generator = Generator(seed, as_of=as_of, missing=missing)
    for _ in range(count):
        yield generator.document()


def lines(count: int, seed: int, *, as_of: str = DEFAULT_AS_OF,
          missing: float = DEFAULT_MISSING) -> Iterator[str]:
    """The documents of :func:`documents` as JSON Lines (each with its newline)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for document in documents(count, seed, as_of=as_of, missing=missing):
        yield encode(document) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rulepack.testing.corpus --count N --seed S > corpus.jsonl``."""
    parser = argparse.ArgumentParser(
        prog="python -m rulepack.testing.corpus",
        description="Write a synthetic corpus of fact documents as JSON Lines (not real data).")
    parser.add_argument("--count", type=int, default=10_000, help="documents (default 10,000)")
    parser.add_argument("--seed", type=int, default=0, help="the seed (default 0)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF,
                        help=f"the instant every document is judged at (default {DEFAULT_AS_OF})")
    parser.add_argument("--missing", type=float, default=DEFAULT_MISSING,
                        help="the share of facts left out (default 0.02)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    try:
        dt.datetime.fromisoformat(args.as_of)
        out = sys.stdout
        for line in lines(args.count, args.seed, as_of=args.as_of, missing=args.missing):
            out.write(line)
    except ValueError as exc:
        parser.error(str(exc))
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
