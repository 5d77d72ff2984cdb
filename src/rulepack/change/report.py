"""Impact reports for people: plain text for a terminal, one self-contained HTML page (styles
and charts inline, nothing fetched) for a manager. JSON is ``Impact.to_dict()``."""

from __future__ import annotations

import json
from html import escape
from typing import Any

from rulepack.change import chart
from rulepack.change.impact import Impact, PackImpact, Transition

ARROW = "→"


def _state(state: str) -> str:
    return "n/a" if state == "not_applicable" else state


def _share(share: float) -> str:
    return f"{share * 100:.2f} %"


def _range(transition: Transition) -> list[str]:
    return [f"{r.path} between {r.low:,} and {r.high:,}" for r in transition.ranges]


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def text(result: Impact, *, all_packs: bool = False) -> str:
    """The report as text: per pack with a change, its transitions, rules, fields and
    examples; then the lines that could not be read. ``all_packs`` lists unchanged packs too."""
    out = [f"old: {result.old}", f"new: {result.new}",
           f"lines: {result.lines:,} ({result.unreadable_lines:,} could not be read)"]
    quiet = []
    for pack in result.packs:
        if not pack.changed and not _has_rule_changes(pack) and not all_packs:
            quiet.append(pack.pack)
            continue
        out.append("")
        out.extend(_pack_text(pack))
    if quiet:
        out.append("")
        out.append(f"no change: {', '.join(quiet)}")
    for unreadable in result.unreadable:
        out.append("")
        out.append(f"unreadable lines {unreadable.code}: {unreadable.count:,}")
        out.extend(f"  {name}:{line}: {message}" for name, line, message in unreadable.examples)
    return "\n".join(out) + "\n"


def _has_rule_changes(pack: PackImpact) -> bool:
    return any(t.rules for t in pack.transitions) or bool(pack.fields or pack.items)


def _pack_text(pack: PackImpact) -> list[str]:
    out = [f"{pack.pack}: {pack.changed:,} of {pack.documents:,} documents change outcome "
           f"({_share(pack.changed / pack.documents) if pack.documents else '0 %'})"]
    width = max((len(f"{_state(t.old)} {ARROW} {_state(t.new)}") for t in pack.transitions),
                default=0)
    for transition in pack.transitions:
        label = f"{_state(transition.old)} {ARROW} {_state(transition.new)}"
        out.append(f"  {label:<{width}}  {transition.count:>9,}  {_share(transition.share):>8}")
        for rule in transition.rules:
            out.append(f"      rule {rule.rule}: {rule.old} {ARROW} {rule.new} "
                       f"({rule.count:,})")
        if transition.ranges:
            out.append("      " + "; ".join(_range(transition)))
        if transition.examples:
            shown = ", ".join(f"{e.input}:{e.line}" for e in transition.examples)
            out.append(f"      e.g. {shown}")
    if pack.fields or pack.items or pack.other_values:
        out.append("  result fields changed:")
        for change in pack.fields:
            out.append(f"    {change.field}: {_value(change.old)} {ARROW} {_value(change.new)}"
                       f"  ({change.count:,})")
        for item in pack.items:
            out.append(f"    {item.field}: {_value(item.item)} gained by {item.gained:,}, "
                       f"lost by {item.lost:,}")
        if pack.other_values:
            out.append(f"    other changes of value: {pack.other_values:,}")
    if len(pack.versions) > 1 or any(o != n for o, n, _ in pack.versions):
        out.append("  versions: " + ", ".join(f"{o} {ARROW} {n} ({c:,})"
                                             for o, n, c in pack.versions))
    return out


# -- HTML ---------------------------------------------------------------------------------------

_STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.changed td { background: #fff8e1; }
.muted { color: #666; }
"""


def html(result: Impact) -> str:
    """The report as one HTML page: a summary, then per changed pack its transition table,
    a chart, the rules that made the difference and the result fields that changed."""
    body = [f"<h1>Impact: {escape(result.new)}</h1>",
            f"<p>Old rules: <code>{escape(result.old)}</code><br>New rules: "
            f"<code>{escape(result.new)}</code><br>{result.lines:,} corpus lines, "
            f"{result.unreadable_lines:,} could not be read.</p>"]
    changed = [p for p in result.packs if p.changed or _has_rule_changes(p)]
    if not changed:
        body.append("<p>No pack changes any outcome, rule status or result field.</p>")
    for pack in changed:
        body.extend(_pack_html(pack))
    quiet = [p.pack for p in result.packs if p not in changed]
    if quiet:
        body.append(f"<p class=muted>No change: {escape(', '.join(quiet))}</p>")
    if result.unreadable:
        body.append("<h2>Lines that could not be read</h2><table><tr><th>code</th>"
                    "<th>lines</th><th>first ones</th></tr>")
        for unreadable in result.unreadable:
            first = "<br>".join(escape(f"{n}:{line}: {m}") for n, line, m in unreadable.examples)
            body.append(f"<tr><td>{unreadable.code}</td><td class=n>{unreadable.count:,}</td>"
                        f"<td>{first}</td></tr>")
        body.append("</table>")
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>rulepack impact</title><style>{_STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _pack_html(pack: PackImpact) -> list[str]:
    out = [f"<h2>{escape(pack.pack)}</h2>",
           f"<p>{pack.changed:,} of {pack.documents:,} documents change outcome"
           f"{f' ({_share(pack.changed / pack.documents)})' if pack.documents else ''}.</p>",
           "<table><tr><th>old</th><th>new</th><th>documents</th><th>share</th>"
           "<th>rules whose status changed</th><th>ranges</th><th>examples</th></tr>"]
    for t in pack.transitions:
        rules = "<br>".join(escape(f"{r.rule}: {r.old} {ARROW} {r.new} ({r.count:,})")
                            for r in t.rules)
        examples = ", ".join(escape(f"{e.input}:{e.line}") for e in t.examples)
        out.append(f"<tr{' class=changed' if t.changed else ''}><td>{_state(t.old)}</td>"
                   f"<td>{_state(t.new)}</td><td class=n>{t.count:,}</td>"
                   f"<td class=n>{_share(t.share)}</td><td>{rules}</td>"
                   f"<td>{escape('; '.join(_range(t)))}</td><td>{examples}</td></tr>")
    out.append("</table>")
    moved = [t for t in pack.transitions if t.changed]
    if moved:
        out.append(chart.bars(f"{pack.pack}: documents whose outcome changed",
                              [(f"{_state(t.old)} {ARROW} {_state(t.new)}", t.count, t.new)
                               for t in moved]))
    if pack.fields or pack.items:
        out.append("<h3>Result fields changed</h3><table><tr><th>field</th><th>old</th>"
                   "<th>new</th><th>documents</th></tr>")
        for f in pack.fields:
            out.append(f"<tr><td>{escape(f.field)}</td><td>{escape(_value(f.old))}</td>"
                       f"<td>{escape(_value(f.new))}</td><td class=n>{f.count:,}</td></tr>")
        for i in pack.items:
            out.append(f"<tr><td>{escape(i.field)}</td><td colspan=2>"
                       f"{escape(_value(i.item))}: gained {i.gained:,}, lost {i.lost:,}</td>"
                       f"<td class=n>{i.gained + i.lost:,}</td></tr>")
        out.append("</table>")
    return out
