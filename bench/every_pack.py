"""Every bundled pack timed on the realistic generated corpus, beside hand-written Python.

    PYTHONPATH=src python bench/every_pack.py --docs 3000 --rounds 5 --batch-lines 5000 20000 \\
        --profile 2 --json bench/results/every_pack.json
    PYTHONPATH=src python bench/every_pack.py --quick      # a smoke run: 200 documents, 1 round

Steps:

1. The documents: ``rulepack.testing.corpus`` (accounts, organizations and tasks, 2 % of facts
   left out), the ``as_of`` of each taken out and passed to every call as one fixed instant,
   so the prepared evaluator takes its fast path. A pack is given the documents of its subject
   whose platform it covers (or that have none), as ``evaluate_all`` would give it them.
2. Answers first: every pack's verdict on every one of its documents (through
   ``evaluate`` and through the prepared ``evaluator``) must equal the reference
   (``rulepack.load(engine="sandbox")``) in outcome, result, missing facts, applicability and
   its whole JSON; ``evaluate_all`` must equal the reference's; the hand-written Python of
   three packs (bench/handwritten.py) must give each verdict's outcome and result; and the two
   writings of the bench policies (bench/packs/bench.yaml, bench/packs/analyst/) must agree on
   every document where their meanings coincide. Any disagreement stops the run before timing.
3. Timing: every row runs over all its documents once a round, the rows' order rotating from
   round to round, the collector run between rows; wall (``time.perf_counter_ns``) and CPU
   (``time.process_time_ns``) time per round; the median round of each is reported.
4. Reported beside the table: per pack its atoms and the cost per verdict against them (a
   least-squares line, and how far each pack is from it), the expressions that do not take
   the compiled path, the ``eval --batch`` throughput and memory with ``--batch-lines``, and a
   cProfile summary of the slowest packs with ``--profile``.

It reads a few internals of the engine to describe what it measures, never to change it:
``rulepack.engine.interpreter.atoms_of`` and ``expressions_of`` (what a pack evaluates),
``Models.sandboxed`` (the expressions a pack leaves to the sandbox, as ``rulepack check
--sandboxed`` lists them), the ``Plan`` a library keeps per pack (``Library._plan``: whether
the pack got a whole-pack function) and ``codegen.evaluated_inline`` (which rules that
function evaluates itself, wholly or up to what a table's rows decide, rather than hand to
the interpreter whole).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rulepack
from rulepack.engine import codegen
from rulepack.engine.interpreter import atoms_of, expressions_of
from rulepack.library import models_of
from rulepack.model.pack import Pack
from rulepack.testing import corpus

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from handwritten import HANDWRITTEN  # noqa: E402  (bench/ is not a package)

AS_OF = dt.datetime.fromisoformat(corpus.DEFAULT_AS_OF)
SEED = 20261121
BENCH_PACKS = HERE / "packs"
ORIGINAL, ANALYST = "bench.xingtu", "bench.analyst"
# The targets (issue 18, item 3 and 4).
TARGET_PACK = 100_000  # verdicts a second as data, every pack
TARGET_ALL = 8_000  # evaluate_all documents a second, account documents
TARGET_ANALYST = 150_000  # documents a second, both policies, the analyst's writing
TARGET_BATCH = 5_000  # eval --batch lines a second, one core

Doc = dict[str, Any]


@dataclass
class Row:
    """One timed line: a function called once per document of ``docs``."""

    name: str
    group: str  # the pack id, or what the row is about
    kind: str
    docs: Sequence[Doc]
    run: Callable[[Doc], Any]
    wall_ns: list[int] = field(default_factory=list)
    cpu_ns: list[int] = field(default_factory=list)

    def rate(self, *, cpu: bool) -> float:
        rounds = self.cpu_ns if cpu else self.wall_ns
        return len(self.docs) / (statistics.median(rounds) / 1e9)

    def spread(self) -> float:
        """Half the range of the wall rounds over their median."""
        if len(self.wall_ns) < 2:
            return 0.0
        return (max(self.wall_ns) - min(self.wall_ns)) / 2 / statistics.median(self.wall_ns)


class Mismatch(AssertionError):
    """Two answers that must be equal are not."""


# -- documents -------------------------------------------------------------------------------


def documents(count: int, seed: int = SEED) -> list[Doc]:
    """``count`` corpus documents with their ``as_of`` taken out (it is passed as AS_OF)."""
    out = []
    for doc in corpus.documents(count, seed):
        if doc.pop("as_of") != corpus.DEFAULT_AS_OF:
            raise AssertionError("the corpus judges every document at DEFAULT_AS_OF")
        out.append(doc)
    return out


def docs_for(pack: Pack, docs: Sequence[Doc]) -> list[Doc]:
    """The documents ``evaluate_all`` would give ``pack``: its subject present, and the
    platform (when known) one the pack covers."""
    out = []
    for doc in docs:
        subject = doc.get(pack.subject)
        if subject is None:
            continue
        platform_ = subject.get("platform")
        if pack.platforms and platform_ is not None and platform_ not in pack.platforms:
            continue
        out.append(doc)
    return out


# -- answers ---------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    return bool((a.outcome, dict(a.result), a.missing, a.applicable, a.to_json("en"))
                == (b.outcome, dict(b.result), b.missing, b.applicable, b.to_json("en")))


def check_pack(library: rulepack.Library, reference: rulepack.Library, pack_id: str,
               docs: Sequence[Doc]) -> None:
    """Raise :class:`Mismatch` unless the compiled verdicts (both ways) equal the reference."""
    prepared = library.evaluator(pack_id, as_of=AS_OF, validate=False)
    for index, doc in enumerate(docs):
        want = reference.evaluate(pack_id, doc, as_of=AS_OF)
        for how, got in (("evaluate", library.evaluate(pack_id, doc, as_of=AS_OF)),
                         ("evaluator", prepared(doc))):
            if not _same(got, want):
                raise Mismatch(f"{pack_id} document {index}: {how} gives {got.to_json('en')}, "
                               f"the reference {want.to_json('en')}")


def check_all(library: rulepack.Library, reference: rulepack.Library,
              docs: Sequence[Doc]) -> None:
    for index, doc in enumerate(docs):
        got = library.evaluate_all(doc, as_of=AS_OF)
        want = reference.evaluate_all(doc, as_of=AS_OF)
        if len(got) != len(want) or not all(_same(g, w) for g, w in zip(got, want, strict=True)):
            raise Mismatch(f"evaluate_all on document {index}: {[v.pack for v in got]} "
                           f"against the reference's {[v.pack for v in want]}")


def check_handwritten(library: rulepack.Library, pack_id: str, docs: Sequence[Doc]) -> None:
    function = HANDWRITTEN[pack_id]
    for index, doc in enumerate(docs):
        verdict = library.evaluate(pack_id, doc, as_of=AS_OF)
        want = (verdict.outcome, dict(verdict.result))
        if function(doc) != want:
            raise Mismatch(f"hand-written {pack_id} on document {index} gives {function(doc)}, "
                           f"the engine {want}: {json.dumps(doc, ensure_ascii=False)}")


def policies(verdict: Any, prefix: bool) -> tuple[str, str]:
    """(entry, opening) of a verdict of either writing: the original has one rule each, the
    analyst's one rule per condition, combined here as the pack combines its rules (all)."""
    status = {reason.rule: reason.status for reason in verdict.reasons}
    if not prefix:
        return status["entry"], status["opening"]
    answers = []
    for policy in ("entry", "opening"):
        parts = [s for rule, s in status.items() if rule.startswith(policy + "_")]
        answers.append("fail" if "fail" in parts else "unknown" if "unknown" in parts
                       else "pass")
    return answers[0], answers[1]


def check_writings(bench: rulepack.Library, docs: Sequence[Doc]) -> int:
    """The two writings agree wherever their meanings coincide: every fact either reads
    present, and no violation of type fake traffic (the analyst's count leaves it out) or of
    no known type. Returns how many documents were compared."""
    read = ("platform", "fans", "mcn_signed", "violations", "content_healthy",
            "original_permission", "recent_video_plays")
    compared = 0
    for index, doc in enumerate(docs):
        account = doc["account"]
        if any(key not in account for key in read) or any(
                v.get("type", "fake_traffic") == "fake_traffic" for v in account["violations"]):
            continue
        original = policies(bench.evaluate(ORIGINAL, doc, as_of=AS_OF), prefix=False)
        analyst = policies(bench.evaluate(ANALYST, doc, as_of=AS_OF), prefix=True)
        if original != analyst:
            raise Mismatch(f"document {index}: bench.xingtu says (entry, opening) = {original}, "
                           f"bench.analyst {analyst}")
        compared += 1
    return compared


# -- what each pack is -----------------------------------------------------------------------


def describe(library: rulepack.Library, pack: Pack) -> dict[str, Any]:
    """Atoms, expressions, and which of them stay in the sandbox (read-only use of internals:
    see the module docstring)."""
    plan = library._plan(pack)
    atoms = list(atoms_of(pack))
    expressions = list(expressions_of(pack))
    # What `rulepack check --sandboxed` lists: the expressions the plan left to the sandbox.
    fallback = list(models_of(library).sandboxed(pack))
    # The rules the compiled whole-pack function evaluates itself (checks, outputs, and
    # tables up to what their rows decide, with or without a `when`); the others (scores) it
    # hands to the interpreter whole. (An output rule is handed over too when one of its
    # expressions stays in the sandbox: the fallback column lists any.)
    inlined = [rule.id for rule in pack.rules
               if plan.rules_code is not None and codegen.evaluated_inline(rule)]
    return {"atoms": len(atoms), "expressions": len(expressions),
            "rules": len(pack.rules), "when": pack.when is not None,
            "whole_pack_function": plan.rules_code is not None,
            "rules_through_interpreter": [r.id for r in pack.rules if r.id not in inlined],
            "fallback": [" ".join(text.split()) for text in fallback]}


# -- rows and timing -------------------------------------------------------------------------


def build_rows(library: rulepack.Library, bench: rulepack.Library, docs: Sequence[Doc],
               accounts: Sequence[Doc], per_pack: Mapping[str, Sequence[Doc]]) -> list[Row]:
    rows: list[Row] = []
    evaluate = library.evaluate
    for pack_id, its_docs in per_pack.items():
        prepared = library.evaluator(pack_id, as_of=AS_OF, validate=False)

        def by_evaluate(doc: Doc, pack_id: str = pack_id) -> Any:
            return evaluate(pack_id, doc, as_of=AS_OF, validate=False)

        def as_json(doc: Doc, prepared: Callable[[Doc], Any] = prepared) -> str:
            text: str = prepared(doc).to_json("en")
            return text

        rows += [Row(f"{pack_id}: evaluate", pack_id, "evaluate", its_docs, by_evaluate),
                 Row(f"{pack_id}: evaluator", pack_id, "evaluator", its_docs, prepared),
                 Row(f"{pack_id}: evaluator + to_json('en')", pack_id, "json", its_docs,
                     as_json)]
        if pack_id in HANDWRITTEN:
            rows.append(Row(f"{pack_id}: hand-written", pack_id, "hand-written", its_docs,
                            HANDWRITTEN[pack_id]))
    every = library.evaluate_all

    def all_packs(doc: Doc) -> Any:
        return every(doc, as_of=AS_OF, validate=False)

    def all_validated(doc: Doc) -> Any:
        return every(doc, as_of=AS_OF)

    rows += [Row("evaluate_all, account documents", "evaluate_all", "all", accounts, all_packs),
             Row("evaluate_all, account documents, validated", "evaluate_all", "all validated",
                 accounts, all_validated),
             Row("evaluate_all, every document", "evaluate_all", "all, every subject", docs,
                 all_packs)]
    for pack_id in (ORIGINAL, ANALYST):
        prepared = bench.evaluator(pack_id, as_of=AS_OF, validate=False)
        rows.append(Row(f"{pack_id}: evaluator, both policies", pack_id, "writing", accounts,
                        prepared))
    return rows


def time_rounds(rows: Sequence[Row], rounds: int) -> None:
    """Every row over all its documents once per round, the order rotating each round."""
    for index in range(rounds):
        shift = (index * 7) % len(rows)  # a step prime to most lengths: a new neighbour
        for row in [*rows[shift:], *rows[:shift]]:
            run = row.run
            gc.collect()
            cpu = time.process_time_ns()
            wall = time.perf_counter_ns()
            for doc in row.docs:
                run(doc)
            row.wall_ns.append(time.perf_counter_ns() - wall)
            row.cpu_ns.append(time.process_time_ns() - cpu)


# -- analysis of the times -------------------------------------------------------------------


def linear_fit(points: Sequence[tuple[float, float]]) -> dict[str, float]:
    """Least squares ``y = a + b x`` and its r²."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx
    a = my - b * mx
    total = sum((y - my) ** 2 for y in ys)
    residual = sum((y - a - b * x) ** 2 for x, y in points)
    return {"intercept_us": a, "us_per_atom": b, "r2": 1 - residual / total if total else 1.0}


def profile(row: Row, top: int = 14) -> str:
    """The ``top`` functions by own time over one pass of ``row``."""
    profiler = cProfile.Profile()
    run, docs = row.run, row.docs
    profiler.enable()
    for doc in docs:
        run(doc)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    text = out.getvalue()
    return text[text.index("   ncalls"):].rstrip() if "   ncalls" in text else text


# -- eval --batch ----------------------------------------------------------------------------


def account_lines(count: int, seed: int = SEED) -> list[str]:
    """``count`` JSON Lines of corpus account documents, each with its as_of."""
    generator = corpus.Generator(seed)
    out: list[str] = []
    while len(out) < count:
        doc = generator.document()
        if "account" in doc:
            out.append(json.dumps(doc, ensure_ascii=False) + "\n")
    return out


def batch_run(lines: int) -> dict[str, Any]:
    """``rulepack eval --batch FILE --jobs 1`` over ``lines`` account documents, every
    applicable pack per line, in a child process: its wall and CPU time and peak RSS (its
    VmHWM, polled every 20 ms)."""
    source = Path(rulepack.__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(source)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "accounts.jsonl"
        path.write_text("".join(account_lines(lines)), encoding="utf-8")
        command = [sys.executable, "-m", "rulepack", "eval", "--batch", str(path), "--jobs", "1",
                   "--output", os.devnull]
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE)
        # The child's own high-water mark, read while it runs. Not ru_maxrss: Linux carries
        # that across exec, so a child forked from this (large) process would report this
        # process's size.
        peak_kb = 0
        while True:
            peak_kb = max(peak_kb, _high_water_kb(child.pid))
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        assert child.stderr is not None
        errors = child.stderr.read().decode(errors="replace")
        child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"eval --batch failed: {errors.strip()[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"lines": lines, "wall_s": wall, "cpu_s": cpu, "lines_per_s": lines / wall,
            "cpu_lines_per_s": lines / cpu, "peak_rss_mb": peak_kb / 1024,
            "command": " ".join(["rulepack", "eval", "--batch", "ACCOUNTS.jsonl", "--jobs", "1",
                                 "--output", "/dev/null"])}


def _high_water_kb(pid: int) -> int:
    """VmHWM of a running process, in kB (0 once it is gone or where there is no /proc)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def marginal(small: Mapping[str, Any], large: Mapping[str, Any]) -> dict[str, float]:
    """Lines a second between two runs: start-up (imports, loading the packs) left out."""
    lines = large["lines"] - small["lines"]
    return {"lines_per_s": lines / (large["wall_s"] - small["wall_s"]),
            "cpu_lines_per_s": lines / (large["cpu_s"] - small["cpu_s"]),
            "peak_rss_growth_mb": large["peak_rss_mb"] - small["peak_rss_mb"]}


# -- the report ------------------------------------------------------------------------------


def results(rows: Sequence[Row], packs: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    by = {(row.group, row.kind): row for row in rows}

    def rates(row: Row) -> dict[str, Any]:
        return {"docs": len(row.docs), "per_s": round(row.rate(cpu=False)),
                "cpu_per_s": round(row.rate(cpu=True)), "spread": round(row.spread(), 3),
                "wall_rounds_s": [ns / 1e9 for ns in row.wall_ns],
                "cpu_rounds_s": [ns / 1e9 for ns in row.cpu_ns]}

    per_pack = {}
    for pack_id, description in packs.items():
        entry: dict[str, Any] = {**description}
        for kind in ("evaluate", "evaluator", "json", "hand-written"):
            if (pack_id, kind) in by:
                entry[kind] = rates(by[pack_id, kind])
        if "hand-written" in entry:
            floor = by[pack_id, "hand-written"].rate(cpu=True)
            entry["ratio_to_hand_written"] = {
                kind: by[pack_id, kind].rate(cpu=True) / floor
                for kind in ("evaluate", "evaluator", "json")}
        entry["us_per_verdict_cpu"] = 1e6 / by[pack_id, "evaluator"].rate(cpu=True)
        entry["target_met"] = entry["evaluate"]["cpu_per_s"] >= TARGET_PACK
        per_pack[pack_id] = entry
    fit = linear_fit([(entry["atoms"], entry["us_per_verdict_cpu"])
                      for entry in per_pack.values()])
    # The packs whose every expression is compiled: whether the compiled path is linear.
    compiled_fit = linear_fit([(entry["atoms"], entry["us_per_verdict_cpu"])
                               for entry in per_pack.values() if not entry["fallback"]])
    for entry in per_pack.values():
        expected = fit["intercept_us"] + fit["us_per_atom"] * entry["atoms"]
        entry["cost_over_fit"] = entry["us_per_verdict_cpu"] / expected if expected > 0 else None
    extra = {row.name: rates(row) for row in rows if row.group not in packs}
    return {"packs": per_pack, "fit": fit, "fit_compiled_only": compiled_fit,
            "other_rows": extra}


def markdown(table: Mapping[str, Any]) -> str:
    lines = ["| pack | docs | atoms | not compiled | rules by interpreter | evaluate /s "
             "| evaluator /s | JSON /s | hand-written /s | engine ÷ hand-written | µs/verdict "
             "| ≥ 100,000/s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for pack_id, e in sorted(table["packs"].items(),
                             key=lambda kv: kv[1]["evaluate"]["cpu_per_s"]):
        hand = e.get("hand-written")
        ratio = e.get("ratio_to_hand_written", {}).get("evaluate")
        lines.append(
            f"| {pack_id} | {e['evaluate']['docs']:,} | {e['atoms']} | {len(e['fallback'])} "
            f"| {len(e['rules_through_interpreter'])} of {e['rules']} "
            f"| {_rate(e['evaluate'])} | {_rate(e['evaluator'])} | {_rate(e['json'])} "
            f"| {_rate(hand) if hand else '—'} "
            f"| {f'{ratio:.3g} (1/{1 / ratio:.0f})' if ratio else '—'} "
            f"| {e['us_per_verdict_cpu']:.1f} | {'met' if e['target_met'] else 'not met'} |")
    lines += ["", "| row | docs | per s (CPU) | per s (wall) | spread |",
              "|---|---:|---:|---:|---:|"]
    for name, r in table["other_rows"].items():
        lines.append(f"| {name} | {r['docs']:,} | {r['cpu_per_s']:,} | {r['per_s']:,} "
                     f"| ±{100 * r['spread']:.0f} % |")
    lines.append("")
    for key, which in (("fit", "every pack"), ("fit_compiled_only", "packs fully compiled")):
        fit = table[key]
        lines.append(f"cost per verdict (CPU, prepared evaluator), {which}: "
                     f"{fit['intercept_us']:.2f} µs + {fit['us_per_atom']:.2f} µs × atoms, "
                     f"r² = {fit['r2']:.2f}")
    return "\n".join(lines)


def _rate(r: Mapping[str, Any]) -> str:
    """CPU-time rate, wall in brackets."""
    return f"{r['cpu_per_s']:,} ({r['per_s']:,})"


def environment(argv: Sequence[str]) -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
    try:
        commit: str | None = git("rev-parse", "--short", "HEAD")
        if git("status", "--porcelain", "--", ":/src"):
            commit = f"{commit}+changes"
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"date": dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds"),
            "command": " ".join(["PYTHONPATH=src python bench/every_pack.py", *argv]),
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "cores": os.cpu_count(), "load_average_at_start": list(os.getloadavg()),
            "rulepack_source": commit, "as_of": AS_OF.isoformat(),
            "timer": "time.perf_counter_ns (wall), time.process_time_ns (CPU); median round",
            "validate": "False in every row but the one that says validated"}


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/every_pack.py",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--docs", type=int, default=3_000,
                        help="corpus documents (default 3,000; about 72 %% accounts)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--quick", action="store_true", help="200 documents, 1 round")
    parser.add_argument("--batch-lines", type=int, nargs="*", default=[], metavar="N",
                        help="also time `rulepack eval --batch` (every pack, --jobs 1) on N "
                        "account lines, for each N given")
    parser.add_argument("--profile", type=int, default=0, metavar="K",
                        help="cProfile the K slowest packs (by the prepared evaluator)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the results here")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.rounds = 200, 1
    return args


def run(args: argparse.Namespace, argv: Sequence[str]) -> dict[str, Any]:
    """Check, time and report; raise :class:`Mismatch` on a wrong answer."""
    env = environment(argv)
    library, reference = rulepack.load(), rulepack.load(engine="sandbox")
    bench = rulepack.load(BENCH_PACKS)
    docs = documents(args.docs, args.seed)
    accounts = [doc for doc in docs if "account" in doc]
    per_pack: dict[str, list[Doc]] = {}
    packs: dict[str, dict[str, Any]] = {}
    for pack_id in library.ids:
        pack = models_of(library).select(pack_id, as_of=AS_OF)
        per_pack[pack_id] = docs_for(pack, docs)
        packs[pack_id] = describe(library, pack)
    print(f"checking {len(per_pack)} packs against the reference on {len(docs):,} documents",
          file=sys.stderr)
    for pack_id, its_docs in per_pack.items():
        check_pack(library, reference, pack_id, its_docs)
        if pack_id in HANDWRITTEN:
            check_handwritten(library, pack_id, its_docs)
    check_all(library, reference, docs)
    sandbox_bench = rulepack.load(BENCH_PACKS, engine="sandbox")
    for pack_id in (ORIGINAL, ANALYST):
        check_pack(bench, sandbox_bench, pack_id, accounts)
    compared = check_writings(bench, accounts)
    rows = build_rows(library, bench, docs, accounts, per_pack)
    print(f"timing {len(rows)} rows, {args.rounds} round(s)", file=sys.stderr)
    time_rounds(rows, args.rounds)
    table = results(rows, packs)
    table["writings_compared_on"] = compared
    table["writings"] = {pack_id: describe(bench, models_of(bench).select(pack_id, as_of=AS_OF))
                         for pack_id in (ORIGINAL, ANALYST)}
    env["load_average_at_end"] = list(os.getloadavg())
    out: dict[str, Any] = {**env, "docs": len(docs), "accounts": len(accounts),
                           "rounds": args.rounds, **table}
    if args.profile:
        slowest = sorted(packs, key=lambda p: table["packs"][p]["evaluator"]["cpu_per_s"])
        by = {(row.group, row.kind): row for row in rows}
        out["profiles"] = {p: profile(by[p, "evaluator"]) for p in slowest[:args.profile]}
    if args.batch_lines:
        print(f"eval --batch on {args.batch_lines} account lines", file=sys.stderr)
        out["batch"] = [batch_run(n) for n in sorted(args.batch_lines)]
        if len(out["batch"]) > 1:
            out["batch_marginal"] = marginal(out["batch"][0], out["batch"][-1])
    return out


def report(out: Mapping[str, Any]) -> str:
    lines = [f"{out['date']}, {out['python']}, {out['cores']} cores, load "
             f"{out['load_average_at_start'][0]:.1f}→{out['load_average_at_end'][0]:.1f}, "
             f"{out['docs']:,} corpus documents ({out['accounts']:,} accounts), median of "
             f"{out['rounds']} round(s); rates by CPU time, wall in brackets; "
             f"`{out['command']}`", "", markdown(out)]
    fallbacks = [(p, text) for p, e in out["packs"].items() for text in e["fallback"]]
    lines += ["", f"expressions that stay in the sandbox: {len(fallbacks)}"]
    lines += [f"- {p}: `{text}`" for p, text in fallbacks]
    for pack_id, e in out["writings"].items():
        lines.append(f"- {pack_id} (bench): {len(e['fallback'])} not compiled "
                     + " ".join(f"`{t}`" for t in e["fallback"]))
    lines.append(f"the two writings agree on all {out['writings_compared_on']:,} account "
                 "documents where their meanings coincide")
    for entry in out.get("batch", []):
        lines.append(f"eval --batch, {entry['lines']:,} lines: {entry['lines_per_s']:,.0f} "
                     f"lines/s wall, {entry['cpu_lines_per_s']:,.0f} by CPU time, peak RSS "
                     f"{entry['peak_rss_mb']:.0f} MB")
    if "batch_marginal" in out:
        m = out["batch_marginal"]
        lines.append(f"eval --batch between the two sizes (start-up left out): "
                     f"{m['lines_per_s']:,.0f} lines/s wall, {m['cpu_lines_per_s']:,.0f} by CPU "
                     f"time; peak RSS grew {m['peak_rss_growth_mb']:.1f} MB")
    for pack_id, text in out.get("profiles", {}).items():
        lines += ["", f"profile of {pack_id} (prepared evaluator, one pass):", text]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    try:
        out = run(args, argv)
    except Mismatch as mismatch:
        print(mismatch, file=sys.stderr)
        return 1
    print(report(out), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
