"""The mutation and bomb corpora as a test: a seeded generator of broken packs (the bundled
packs with keys deleted, types swapped, huge numbers, control characters, deep nesting, YAML
bombs and aliases, python tags, bad expressions and expression bombs) and of broken fact
documents, through ``rulepack check`` and ``rulepack eval`` in-process, and a few subprocess
runs.

Every outcome must be one the README documents: exit 0, 1, 2 or 3, never 70 (an internal
error), no traceback; a library call raises only :class:`rulepack.RulepackError`. The seed is
fixed: every run makes the same corpus, so a failure is reproduced by running the test again.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import rulepack
from rulepack.cli.main import main
from rulepack.core import yaml_reader
from rulepack.facts.reading import read_facts

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261207
PACKS = 200
DOCUMENTS = 200
DOCUMENTED_EXITS = {0, 1, 2, 3}
AS_OF = "2026-12-01T10:00:00+08:00"

CONTROL = ["\x00", "\x07", "\x1b[2J", "\r", "\x7f", "\x85", "\x9b", "\n", "\t", "\u2028"]
HUGE = [10**3999, -(10**3999), 10**400, 1e308, -1e308, 2**63, 0.1 + 0.2]
ODD = [None, True, False, 0, -1, 1.5, "", "x", [], {}, [[[]]], {"a": {"b": None}}, "1e5",
       "100,000", "10万", "2026-13-45", "9999-12-31", "0000-01-01"]
EXPRESSIONS = [
    "'a' * 100000", "'a' * 100001", "[0] * 10**9", "9**9**9", "2 ** 1001",
    "10 ** 1000 * 10 ** 1000",
    "'x' * 99999 + 'y' * 99999", "[[0] * 9] * 9", "(" * 60 + "1" + ")" * 60, "-" * 200 + "1",
    "not " * 100 + "True", "__import__('os').system('true')", "account.__class__",
    "lambda: 1", "account.fans[0:1]", "f'{account.fans}'", "open('/etc/passwd')",
    "[x for x in account.violations for y in account.violations]",
    "[v for v in account.violations if v.points > 0] * 100000", "'a' * account.fans",
    "account.fans ** account.fans", "days(10**10)", "add_days(today, 10**9)",
    "count([0] * 100000)", "'x' in 'y' * 100000", "account.fans if", "", " ", "1 +",
    "account.fans is 1", "max(account.fans)", "account.fanz >= 1", "params.nope",
    "result.nothing", "account.fans >= 'ten'", "round(account.fans, 10**6)",
    "avg_newest(account.recent_video_plays, 10**9)", "account.fans / 0", "account.fans % 0",
    "1e308 * 10", "-(2**63) // -1", "add_years(today, 10**6)", "version('1' * 5000)",
    "resident_id_valid('1' * 100000)", "blank(account.fans)", "clamp(1, 2)",
    "account.fans\x00", "account.fans >= 1\n and True", "\ufeffaccount.fans",
]
TAGS = ["!!python/object/apply:os.system ['true']", "!!python/name:os.system", "!!binary aGk=",
        "!!set {a, b}", "!!timestamp 2026-01-01", "!!omap [a: 1]", "!!float nan", "!custom x",
        "!!int 0x1F", "!!str 12"]


# -- the corpus -------------------------------------------------------------------------------


def bundled_texts() -> list[tuple[str, str]]:
    return [(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / "rules").rglob("*.yaml"))
            if not path.name.endswith(".test.yaml")]


def places(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every value of a document with its path, in document order."""
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from places(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from places(value, path + (index,))


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return data


def deep(rng: random.Random) -> Any:
    value: Any = rng.choice(["account.fans >= 1", 1, True])
    for _ in range(rng.randrange(20, 120)):
        value = [value] if rng.random() < 0.5 else {"all": [value]}
    return value


def mutate_data(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """One value-level mutation of a parsed pack."""
    data = copy.deepcopy(data)
    spots = list(places(data))
    path, _ = rng.choice(spots[1:])
    kind = rng.randrange(7)
    if kind == 0:  # a key deleted
        parents = [(p, v) for p, v in spots if isinstance(v, dict) and v]
        _, parent = rng.choice(parents)
        del parent[rng.choice(list(parent))]
    elif kind == 1:  # a type swapped
        put(data, path, copy.deepcopy(rng.choice(ODD)))
    elif kind == 2:  # a huge number
        put(data, path, rng.choice(HUGE))
    elif kind == 3:  # a control character in a text
        texts = [(p, v) for p, v in spots if isinstance(v, str)]
        text_path, text = rng.choice(texts)
        at = rng.randrange(len(text) + 1)
        put(data, text_path, text[:at] + rng.choice(CONTROL) + text[at:])
    elif kind == 4:  # deep nesting
        put(data, path, deep(rng))
    elif kind == 5:  # a bad expression or an expression bomb where an expression stands
        exprs = [p for p, v in spots if isinstance(v, str) and p and (
            p[-1] in ("require", "when", "expr", "points", "start")
            or (len(p) > 2 and p[-2] == "set"))]
        put(data, rng.choice(exprs or [path]), rng.choice(EXPRESSIONS))
    else:  # a rule twice, or a rule of another kind's keys
        rules = data.get("rules")
        if isinstance(rules, list) and rules:
            rules.append(copy.deepcopy(rng.choice(rules)))
            rules[-1]["kind"] = rng.choice(["check", "table", "score", "output", "tabel"])
    return data


def mutate_text(rng: random.Random, text: str) -> str | bytes:
    """One text-level mutation of a pack file: what a YAML reader is handed."""
    lines = text.splitlines(keepends=True)
    kind = rng.randrange(9)
    if kind == 0:  # cut short
        return text[:rng.randrange(len(text))]
    if kind == 1:  # a line dropped, doubled or indented with a tab
        at = rng.randrange(len(lines))
        choice = rng.randrange(3)
        lines[at] = "" if choice == 0 else lines[at] * 2 if choice == 1 else "\t" + lines[at]
        return "".join(lines)
    if kind == 2:  # a billion laughs: aliases of aliases, or many aliases of one long text
        levels = rng.randrange(3, 7)  # up to 9 ** 5 values, under the reader's 200,000
        bomb = "  l0: &l0 " + "x" * rng.choice([10, 1000, 60000, 99000]) + "\n"
        if rng.random() < 0.5:
            for level in range(1, levels):
                bomb += f"  l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]\n"
        else:
            bomb += "  l1: [" + ", ".join(["*l0"] * rng.choice([10, 2000, 9000])) + "]\n"
        return text.replace("params:\n", "params:\n" + bomb, 1) if "params:\n" in text else \
            text + "params:\n" + bomb
    if kind == 3:  # an alias of itself, an alias never anchored
        return text + rng.choice(["extra: &a [*a]\n", "extra: *nowhere\n", "<<: *x\n"])
    if kind == 4:  # a tag
        return text.replace("effective_from: ", f"effective_from: {rng.choice(TAGS)} #", 1)
    if kind == 5:  # NaN and infinities, and numbers past what a reader keeps
        spelled = rng.choice([".nan", ".inf", "-.inf", ".NaN", "1" * 4001, "0x" + "f" * 5000,
                              "1e99999", "-0"])
        return text.replace("params:\n", f"params:\n  odd: {spelled}\n", 1) + (
            f"# {spelled[:10]}\n")
    if kind == 6:  # bytes that are not UTF-8, a byte order mark, NUL
        raw = text.encode("utf-8")
        at = rng.randrange(len(raw))
        return raw[:at] + rng.choice([b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\x00"]) + raw[at:]
    if kind == 7:  # an escaped control character in a double-quoted text
        char = rng.choice(["\\x1b", "\\0", "\\r", "\\a", "\\x85", "\\u009b", "\\n", "\\t",
                           "\\ud800"])
        return text.replace("en: ", f'en: "{char}" #', 1)
    return text.replace("id: ", "id: " + rng.choice(['"a\\n"', "A.B", "a..b", "'x\\ny'", "1",
                                                      "[a]", "{}", "é.ü"]) + " #", 1)


def pack_corpus() -> list[tuple[str, str | bytes]]:
    rng = random.Random(SEED)
    sources = bundled_texts()
    parsed = [(name, yaml_reader.load(text).data) for name, text in sources]
    corpus: list[tuple[str, str | bytes]] = []
    for number in range(PACKS):
        name, text = sources[number % len(sources)]
        if rng.random() < 0.5:
            data = mutate_data(rng, parsed[number % len(sources)][1])
            written = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
            corpus.append((f"{number:03d} {name} (values)", written))
        else:
            corpus.append((f"{number:03d} {name} (text)", mutate_text(rng, text)))
    return corpus


def document_corpus() -> list[Any]:
    rng = random.Random(SEED + 1)
    examples = [read_facts(path) for path in sorted((ROOT / "examples").glob("*.yaml"))]
    corpus: list[Any] = []
    for number in range(DOCUMENTS):
        doc = copy.deepcopy(examples[number % len(examples)])
        spots = list(places(doc))
        path, value = rng.choice(spots[1:] or spots)
        kind = rng.randrange(8)
        if kind == 0:
            parents = [v for _, v in spots if isinstance(v, dict) and v]
            parent = rng.choice(parents)
            del parent[rng.choice(list(parent))]
        elif kind == 1:
            put(doc, path, copy.deepcopy(rng.choice(ODD)))
        elif kind == 2:
            put(doc, path, rng.choice(HUGE))
        elif kind == 3:
            put(doc, path, rng.choice(["x" * 200_000, "\x00\x1b[2J\ud800", "\u202e" * 50]))
        elif kind == 4:
            put(doc, path, deep(rng))
        elif kind == 5:
            put(doc, path, [copy.deepcopy(value)] * rng.choice([2, 1000, 20000]))
        elif kind == 6:
            if isinstance(doc, dict):
                doc["as_of"] = rng.choice(["2026-02-30", "0001-01-01", "9999-12-31T23:59:59Z",
                                           "now", 5, None, "2026-12-01T10:00:00+25:00"])
        else:
            doc = rng.choice([[], "text", 5, None, {"account": None}, {"account": []}])
        corpus.append(doc)
    return corpus


# -- running ------------------------------------------------------------------------------------


def run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue() + err.getvalue()


def assert_documented(code: int, printed: str, what: str) -> None:
    assert code in DOCUMENTED_EXITS, f"{what}: exit {code}\n{printed[-3000:]}"
    assert "Traceback" not in printed and "internal error" not in printed, \
        f"{what}:\n{printed[-3000:]}"


def only_documented_errors(what: str, call: Callable[..., Any], *args: Any, **kwargs: Any) \
        -> Any:
    """``call(*args, **kwargs)``, or None when it raised a RulepackError; any other is a bug."""
    try:
        return call(*args, **kwargs)
    except rulepack.RulepackError:
        return None
    except Exception as exc:
        pytest.fail(f"{what}: {type(exc).__name__}: {exc}")


def write(folder: Path, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pack.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return path


def test_the_corpora_are_the_same_on_every_run() -> None:
    assert pack_corpus() == pack_corpus()
    assert json.dumps(document_corpus(), default=str) == json.dumps(document_corpus(),
                                                                    default=str)


def test_mutated_packs_get_only_documented_outcomes(tmp_path: Path) -> None:
    documents = document_corpus()[:5]
    loaded = 0
    for number, (name, content) in enumerate(pack_corpus()):
        folder = tmp_path / f"p{number}"
        write(folder, content)
        code, printed = run(["check", str(folder)])
        assert_documented(code, printed, f"check {name}")
        library = only_documented_errors(f"load {name}", rulepack.load, folder)
        if library is None:
            continue
        loaded += 1
        for doc in documents:
            for pack in library.packs:
                verdict = only_documented_errors(f"evaluate {name}", library.evaluate,
                                                 pack.id, doc, as_of=AS_OF)
                if verdict is not None:
                    json.loads(verdict.to_json("en"))
    # The mutations must leave some packs loadable, or evaluation would go untested.
    assert 10 < loaded < PACKS


def test_mutated_documents_get_only_documented_outcomes(tmp_path: Path) -> None:
    library = rulepack.load(ROOT / "rules")
    documents = document_corpus()
    judged = 0
    for number, doc in enumerate(documents):
        verdicts = only_documented_errors(f"document {number}", library.evaluate_all, doc,
                                          as_of=AS_OF)
        if verdicts:
            judged += 1
            for verdict in verdicts:
                json.loads(verdict.to_json("zh"))
    assert 10 < judged < DOCUMENTS
    lines = tmp_path / "docs.jsonl"
    lines.write_text("".join(json.dumps(doc, ensure_ascii=False, default=str) + "\n"
                             for doc in documents), encoding="utf-8", errors="surrogatepass")
    out = tmp_path / "out.jsonl"
    code, printed = run(["eval", "--batch", "--as-of", AS_OF, "--output", str(out), str(lines)])
    assert_documented(code, printed, "eval --batch")
    assert {json.loads(line)["line"] for line in out.read_text(encoding="utf-8").splitlines()} \
        == set(range(1, DOCUMENTS + 1))
    for number in range(0, DOCUMENTS, 20):
        single = tmp_path / f"doc{number}.json"
        single.write_text(json.dumps(documents[number], default=str), encoding="utf-8",
                          errors="surrogatepass")
        code, printed = run(["eval", "--as-of", AS_OF, str(single)])
        assert_documented(code, printed, f"eval document {number}")


def test_subprocesses_print_no_traceback(tmp_path: Path) -> None:
    # One folder of many mutated packs for `check`, and one bad JSON Lines file for --batch.
    corpus = pack_corpus()
    for number, (_, content) in enumerate(corpus[:40]):
        write(tmp_path / "packs" / f"p{number}", content)
    lines = tmp_path / "docs.jsonl"
    lines.write_text("".join(json.dumps(doc, default=str) + "\n"
                             for doc in document_corpus()[:50]) + "{\n\udcff\n",
                     encoding="utf-8", errors="surrogateescape")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for argv in (["check", str(tmp_path / "packs")],
                 ["eval", "--batch", "--jobs", "2", "--as-of", AS_OF, str(lines)]):
        done = subprocess.run([sys.executable, "-m", "rulepack", *argv], capture_output=True,
                              text=True, env=env, timeout=120, check=False)
        assert_documented(done.returncode, done.stdout + done.stderr, " ".join(argv[:2]))
