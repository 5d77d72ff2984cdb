"""Evaluating a compiled pack against a fact document: plan, reference interpreter, sandbox,
compiled fast path.

May import: core, lang, model, facts, verdict.
"""
