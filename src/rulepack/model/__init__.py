"""The immutable pack model (rules, conditions, texts, sources) and the three-valued logic.

May import: core, lang.
"""
