"""The engines bench/peers.py measures, each set up once the way its documentation shows for
repeated evaluation, each encoding the two policies of peer_workload.py in its own language.

An engine is a ``run(doc)`` called once per fact document for both policies (what is timed)
and an ``answer(out)`` that reads ``(entry, opening)`` back from what ``run`` returned (not
timed; it checks the answers against the hand-written Python). rulepack gets the fact document;
the peers get its ``account`` mapping, the flat variables their documentation evaluates against
(rule-engine, for one, converts a whole nested mapping on every attribute access).

Where a peer's language has no way to say "the average of the newest 20" (business-rules,
json-logic, simpleeval, CEL) it gets one host function, ``avg_newest`` of peer_workload.py, the
way its documentation extends it; ZEN and rule-engine say it in their own language.

A peer that cannot be imported or set up on this interpreter becomes a row with the reason in
place of a number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from peer_workload import (
    AS_OF,
    PACK_ID,
    PARAMS,
    Answer,
    Doc,
    avg_newest,
    documents,
    python_rules,
)

PACKS = Path(__file__).resolve().parent / "packs"
P = PARAMS  # the thresholds, pasted into each peer's rule text


@dataclass(frozen=True)
class Engine:
    """One row of the table: a way of evaluating both policies on one document."""

    name: str
    explains: bool
    note: str
    run: Callable[[Doc], Any] | None = None
    answer: Callable[[Any], Answer] | None = None
    unavailable: str | None = None  # why there is no number, when there is none


def _pair(out: Any) -> Answer:
    entry, opening = out
    return bool(entry), bool(opening)


def _guarded(names: tuple[str, ...], note: str, setup: Callable[[], list[Engine]]) \
        -> list[Engine]:
    """The peer's rows, or one row per name saying why the peer cannot run here."""
    try:
        return setup()
    except ImportError as error:
        reason = f"not installed (no module {error.name!r}); pip install '.[bench]'"
    # Whatever else a peer raises while setting up is its answer on this interpreter: the
    # table shows it instead of a number (the smoke test fails on it for installed peers).
    except Exception as error:
        reason = f"fails to set up: {type(error).__name__}: {error}".splitlines()[0][:200]
    return [Engine(name, explains=False, note=note, unavailable=reason) for name in names]


# -- hand-written Python ----------------------------------------------------------------------

def hand_written() -> Engine:
    return Engine("hand-written Python", False, "two functions over the dict; the floor",
                  run=python_rules, answer=_pair)


# -- rulepack ---------------------------------------------------------------------------------

RULEPACK = ("rulepack: verdict (reasons as data)",
            "rulepack: verdict, prepared evaluator",
            "rulepack: verdict + every reason's checks read",
            "rulepack: verdict rendered to JSON with messages",
            "rulepack: JSON, prepared evaluator",
            "rulepack: verdict, fact document validated")


def _passed(status: Mapping[str, str], rule: str) -> bool:
    if status[rule] not in ("pass", "fail"):
        raise AssertionError(f"rule {rule} is {status[rule]}, not pass or fail")
    return status[rule] == "pass"


def _from_verdict(verdict: Any) -> Answer:
    status = {reason.rule: reason.status for reason in verdict.reasons}
    return _passed(status, "entry"), _passed(status, "opening")


def _from_json(text: str) -> Answer:
    status = {reason["rule"]: reason["status"] for reason in json.loads(text)["reasons"]}
    return _passed(status, "entry"), _passed(status, "opening")


def _rulepack() -> list[Engine]:
    """The verdict as data (through library.evaluate, and through an evaluator prepared once
    for many documents); the same with every check read; rendered JSON (both ways); and the
    verdict with the fact document validated against the fact schema first."""
    import rulepack

    library = rulepack.load(PACKS)
    params = dict(library.select(PACK_ID, as_of=AS_OF).params)
    if params != dict(PARAMS):
        raise ValueError(f"bench/packs params {params} differ from peer_workload {PARAMS}")
    evaluate = library.evaluate
    prepared = library.evaluator(PACK_ID, as_of=AS_OF, validate=False)

    def verdict(doc: Doc) -> Any:
        return evaluate(PACK_ID, doc, as_of=AS_OF, validate=False)

    def verdict_checks(doc: Doc) -> Any:
        v = evaluate(PACK_ID, doc, as_of=AS_OF, validate=False)
        # Reading every reason's checks counts anything built lazily on first access.
        for reason in v.reasons:
            reason.checks  # noqa: B018
        return v

    def rendered(doc: Doc) -> str:
        v = evaluate(PACK_ID, doc, as_of=AS_OF, validate=False)
        return v.to_json("en")

    def prepared_rendered(doc: Doc) -> str:
        return prepared(doc).to_json("en")

    def validated(doc: Doc) -> Any:
        return evaluate(PACK_ID, doc, as_of=AS_OF, validate=True)

    return [
        Engine(RULEPACK[0], True, "library.evaluate(..., validate=False)", verdict,
               _from_verdict),
        Engine(RULEPACK[1], True, "library.evaluator(pack, as_of=..., validate=False) once, "
               "then called per document", prepared, _from_verdict),
        Engine(RULEPACK[2], True, "library.evaluate, then `for r in v.reasons: r.checks`",
               verdict_checks, _from_verdict),
        Engine(RULEPACK[3], True, "library.evaluate, then v.to_json('en') (the bytes of "
               "json.dumps(v.to_dict('en'), ensure_ascii=False))", rendered, _from_json),
        Engine(RULEPACK[4], True, "the prepared evaluator, then v.to_json('en')",
               prepared_rendered, _from_json),
        Engine(RULEPACK[5], True, "library.evaluate(..., validate=True)", validated,
               _from_verdict),
    ]


# -- GoRules ZEN ------------------------------------------------------------------------------

ZEN = ("ZEN: expressions, zen.compile_expression",
       "ZEN: decision graph, ZenEngine(loader).evaluate",
       "ZEN: decision graph, create_decision(...).evaluate")
# ZEN slices include both ends and fail out of range, and avg([]) fails: hence the guard and
# the `- 1`.
_ZEN_AVG = (
    "(len(recent_video_plays) == 0 ? 0 : avg(recent_video_plays"
    f"[0:min([len(recent_video_plays), {P['recent_videos']}]) - 1]))"
)
ZEN_ENTRY = (
    f"((platform == 'douyin' and fans >= {P['douyin_min_fans']})"
    f" or (platform in ['xigua', 'huoshan'] and fans >= {P['xigua_huoshan_min_fans']})"
    " or mcn_signed) and len(violations) == 0"
)
ZEN_OPENING = (
    f"platform == 'xigua' and fans >= {P['opening_min_fans']}"
    f" and content_healthy and original_permission and {_ZEN_AVG} >= {P['min_avg_plays']}"
)


def zen_decision_graph() -> dict[str, Any]:
    """A JSON Decision Model: request → an expression node computing both → response."""
    def node(node_id: str, kind: str, x: int, **more: Any) -> dict[str, Any]:
        return {"id": node_id, "type": kind, "name": node_id, "position": {"x": x, "y": 0},
                **more}

    expressions = [{"id": "entry", "key": "entry", "value": ZEN_ENTRY},
                   {"id": "opening", "key": "opening", "value": ZEN_OPENING}]
    return {
        "nodes": [node("request", "inputNode", 0),
                  node("policies", "expressionNode", 240, content={"expressions": expressions}),
                  node("response", "outputNode", 480)],
        "edges": [{"id": "e1", "sourceId": "request", "targetId": "policies", "type": "edge"},
                  {"id": "e2", "sourceId": "policies", "targetId": "response", "type": "edge"}],
    }


def _from_zen_response(response: Mapping[str, Any]) -> Answer:
    result = response["result"]
    return bool(result["entry"]), bool(result["opening"])


def _zen() -> list[Engine]:
    import zen

    entry, opening = zen.compile_expression(ZEN_ENTRY), zen.compile_expression(ZEN_OPENING)
    content = json.dumps(zen_decision_graph())
    engine = zen.ZenEngine({"loader": lambda _key: content})
    engine.evaluate("bench.json", documents(1)[0]["account"])  # loads and caches the graph
    decision = engine.create_decision(content)

    def expressions(doc: Doc) -> Answer:
        account = doc["account"]
        return entry.evaluate(account), opening.evaluate(account)

    def graph(doc: Doc) -> Any:
        return engine.evaluate("bench.json", doc["account"])

    def created(doc: Doc) -> Any:
        return decision.evaluate(doc["account"])

    note = "zen-engine (Rust)"
    return [
        Engine(ZEN[0], False, f"{note}; one compiled expression per policy", expressions,
               _pair),
        Engine(ZEN[1], False, f"{note}; one engine, a loader, the graph cached by key", graph,
               _from_zen_response),
        Engine(ZEN[2], False, f"{note}; engine.create_decision(content) once, reused", created,
               _from_zen_response),
    ]


# -- simpleeval -------------------------------------------------------------------------------

SIMPLEEVAL = ("simpleeval: parsed once, one evaluator",
              "simpleeval: parsed on every call")
SIMPLE_ENTRY = (
    f"((platform == 'douyin' and fans >= {P['douyin_min_fans']})"
    f" or (platform in ('xigua', 'huoshan') and fans >= {P['xigua_huoshan_min_fans']})"
    " or mcn_signed) and len(violations) == 0"
)
SIMPLE_OPENING = (
    f"platform == 'xigua' and fans >= {P['opening_min_fans']}"
    " and content_healthy and original_permission"
    f" and avg_newest(recent_video_plays, {P['recent_videos']}) >= {P['min_avg_plays']}"
)


def _simpleeval() -> list[Engine]:
    from simpleeval import EvalWithCompoundTypes

    # The evaluator that knows tuple literals, for `platform in ('xigua', 'huoshan')`.
    evaluator = EvalWithCompoundTypes(functions={"len": len, "avg_newest": avg_newest})
    entry, opening = evaluator.parse(SIMPLE_ENTRY), evaluator.parse(SIMPLE_OPENING)

    def reused(doc: Doc) -> Answer:
        evaluator.names = doc["account"]
        return (evaluator.eval(SIMPLE_ENTRY, previously_parsed=entry),
                evaluator.eval(SIMPLE_OPENING, previously_parsed=opening))

    def reparsed(doc: Doc) -> Answer:
        evaluator.names = doc["account"]
        return evaluator.eval(SIMPLE_ENTRY), evaluator.eval(SIMPLE_OPENING)

    return [Engine(SIMPLEEVAL[0], False, "EvalWithCompoundTypes; eval(previously_parsed=tree)",
                   reused, _pair),
            Engine(SIMPLEEVAL[1], False, "the same evaluator; eval(text)", reparsed, _pair)]


# -- rule-engine ------------------------------------------------------------------------------

RULE_ENGINE = ("rule-engine",)
RULE_ENGINE_ENTRY = (
    f"((platform == 'douyin' and fans >= {P['douyin_min_fans']})"
    f" or (platform in ['xigua', 'huoshan'] and fans >= {P['xigua_huoshan_min_fans']})"
    " or mcn_signed) and violations.length == 0"
)
_NEWEST = f"recent_video_plays[:{P['recent_videos']}]"
RULE_ENGINE_OPENING = (
    f"platform == 'xigua' and fans >= {P['opening_min_fans']}"
    " and content_healthy and original_permission and recent_video_plays.length > 0"
    f" and $sum({_NEWEST}) / {_NEWEST}.length >= {P['min_avg_plays']}"
)


def _rule_engine() -> list[Engine]:
    import rule_engine

    entry, opening = rule_engine.Rule(RULE_ENGINE_ENTRY), rule_engine.Rule(RULE_ENGINE_OPENING)

    def run(doc: Doc) -> Answer:
        account = doc["account"]
        return entry.matches(account), opening.matches(account)

    return [Engine(RULE_ENGINE[0], False, "rule_engine.Rule(text) once, rule.matches(account)",
                   run, _pair)]


# -- json-logic -------------------------------------------------------------------------------

JSON_LOGIC = ("json-logic (panzi-json-logic)",)


def _var(name: str) -> dict[str, str]:
    return {"var": name}


JSON_LOGIC_ENTRY: dict[str, Any] = {"and": [
    {"or": [
        {"and": [{"==": [_var("platform"), "douyin"]},
                 {">=": [_var("fans"), P["douyin_min_fans"]]}]},
        {"and": [{"in": [_var("platform"), ["xigua", "huoshan"]]},
                 {">=": [_var("fans"), P["xigua_huoshan_min_fans"]]}]},
        _var("mcn_signed"),
    ]},
    {"!": _var("violations")},  # JsonLogic has no length; an empty list is falsy
]}
JSON_LOGIC_OPENING: dict[str, Any] = {"and": [
    {"==": [_var("platform"), "xigua"]},
    {">=": [_var("fans"), P["opening_min_fans"]]},
    _var("content_healthy"),
    _var("original_permission"),
    {">=": [{"avg_newest": [_var("recent_video_plays"), P["recent_videos"]]},
            P["min_avg_plays"]]},
]}


def _json_logic() -> list[Engine]:
    from json_logic import jsonLogic
    from json_logic.builtins import BUILTINS

    def op_avg_newest(_data: Any, plays: list[int], n: int) -> float:
        return avg_newest(plays, n)

    operations = {**BUILTINS, "avg_newest": op_avg_newest}

    def run(doc: Doc) -> Answer:
        account = doc["account"]
        return (jsonLogic(JSON_LOGIC_ENTRY, account, operations),
                jsonLogic(JSON_LOGIC_OPENING, account, operations))

    return [Engine(JSON_LOGIC[0], False, "jsonLogic(rule, account, operations)", run, _pair)]


# -- business-rules ---------------------------------------------------------------------------

BUSINESS_RULES_NAMES = ("business-rules",)


def _cond(name: str, operator: str, value: Any) -> dict[str, Any]:
    return {"name": name, "operator": operator, "value": value}


BUSINESS_RULES: list[dict[str, Any]] = [
    {"conditions": {"all": [
        {"any": [
            {"all": [_cond("platform", "equal_to", "douyin"),
                     _cond("fans", "greater_than_or_equal_to", P["douyin_min_fans"])]},
            {"all": [{"any": [_cond("platform", "equal_to", "xigua"),
                              _cond("platform", "equal_to", "huoshan")]},
                     _cond("fans", "greater_than_or_equal_to", P["xigua_huoshan_min_fans"])]},
            _cond("mcn_signed", "is_true", True),
        ]},
        _cond("violations", "equal_to", 0),
    ]}, "actions": [{"name": "pass_entry", "params": {}}]},
    {"conditions": {"all": [
        _cond("platform", "equal_to", "xigua"),
        _cond("fans", "greater_than_or_equal_to", P["opening_min_fans"]),
        _cond("content_healthy", "is_true", True),
        _cond("original_permission", "is_true", True),
        _cond("avg_newest_plays", "greater_than_or_equal_to", P["min_avg_plays"]),
    ]}, "actions": [{"name": "pass_opening", "params": {}}]},
]


def _business_rules_classes() -> tuple[type, type]:
    """The variables and actions classes business-rules runs its rules against."""
    from business_rules.actions import BaseActions, rule_action
    from business_rules.variables import (
        BaseVariables,
        boolean_rule_variable,
        numeric_rule_variable,
        string_rule_variable,
    )

    class AccountVariables(BaseVariables):  # type: ignore[misc]
        def __init__(self, account: Mapping[str, Any]) -> None:
            self.account = account

        @string_rule_variable  # type: ignore[untyped-decorator]
        def platform(self) -> str:
            return str(self.account["platform"])

        @numeric_rule_variable  # type: ignore[untyped-decorator]
        def fans(self) -> int:
            return int(self.account["fans"])

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def mcn_signed(self) -> bool:
            return bool(self.account["mcn_signed"])

        @numeric_rule_variable  # type: ignore[untyped-decorator]
        def violations(self) -> int:
            return len(self.account["violations"])

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def content_healthy(self) -> bool:
            return bool(self.account["content_healthy"])

        @boolean_rule_variable  # type: ignore[untyped-decorator]
        def original_permission(self) -> bool:
            return bool(self.account["original_permission"])

        @numeric_rule_variable  # type: ignore[untyped-decorator]
        def avg_newest_plays(self) -> float:
            return avg_newest(self.account["recent_video_plays"], P["recent_videos"])

    class Outcome(BaseActions):  # type: ignore[misc]
        def __init__(self) -> None:
            self.entry = self.opening = False

        @rule_action(params={})  # type: ignore[untyped-decorator]
        def pass_entry(self) -> None:
            self.entry = True

        @rule_action(params={})  # type: ignore[untyped-decorator]
        def pass_opening(self) -> None:
            self.opening = True

    return AccountVariables, Outcome


def _business_rules() -> list[Engine]:
    from business_rules import run_all

    variables, outcome = _business_rules_classes()

    def run(doc: Doc) -> Any:
        actions = outcome()
        run_all(rule_list=BUSINESS_RULES, defined_variables=variables(doc["account"]),
                defined_actions=actions)
        return actions

    return [Engine(BUSINESS_RULES_NAMES[0], False,
                   "run_all(rules, Variables(account), Actions()); an action per passed rule",
                   run, lambda out: (out.entry, out.opening))]


# -- CEL --------------------------------------------------------------------------------------

CEL = ("cel-python",)
CEL_ENTRY = (
    f"((platform == 'douyin' && fans >= {P['douyin_min_fans']})"
    f" || (platform in ['xigua', 'huoshan'] && fans >= {P['xigua_huoshan_min_fans']})"
    " || mcn_signed) && size(violations) == 0"
)
CEL_OPENING = (
    f"platform == 'xigua' && fans >= {P['opening_min_fans']}"
    " && content_healthy && original_permission"
    f" && avg_newest(recent_video_plays, {P['recent_videos']}) >= {float(P['min_avg_plays'])}"
)


def _cel() -> list[Engine]:
    import celpy
    from celpy import celtypes
    from celpy.adapter import json_to_cel

    def cel_avg_newest(plays: Any, n: Any) -> Any:
        return celtypes.DoubleType(avg_newest(plays, int(n)))

    # The default, interpreting runner: celpy's CompiledRunner transpiles to Python code that
    # cannot see a custom function, so it cannot run `avg_newest`.
    env = celpy.Environment()
    functions = {"avg_newest": cel_avg_newest}
    entry = env.program(env.compile(CEL_ENTRY), functions=functions)
    opening = env.program(env.compile(CEL_OPENING), functions=functions)

    def run(doc: Doc) -> tuple[Any, Any]:
        activation: Any = json_to_cel(doc["account"])  # a MapType of the account's fields
        return entry.evaluate(activation), opening.evaluate(activation)

    return [Engine(CEL[0], False,
                   "celpy: programs built once, json_to_cel(account) per document", run, _pair)]


# -- all of them ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Peer:
    """One engine: its PyPI package, the module it is imported as, its rows and their setup."""

    package: str
    module: str
    rows: tuple[str, ...]
    setup: Callable[[], list[Engine]]


PEERS = (
    Peer("rulepack", "rulepack", RULEPACK, _rulepack),
    Peer("zen-engine", "zen", ZEN, _zen),
    Peer("simpleeval", "simpleeval", SIMPLEEVAL, _simpleeval),
    Peer("business-rules", "business_rules", BUSINESS_RULES_NAMES, _business_rules),
    Peer("panzi-json-logic", "json_logic", JSON_LOGIC, _json_logic),
    Peer("rule-engine", "rule_engine", RULE_ENGINE, _rule_engine),
    Peer("cel-python", "celpy", CEL, _cel),
)


def all_engines() -> list[Engine]:
    """Every row: the hand-written floor first, then rulepack, then the peers."""
    rows = [hand_written()]
    for peer in PEERS:
        rows.extend(_guarded(peer.rows, peer.package, peer.setup))
    return rows
