"""Static analysis of packs: table completeness and overlaps, declared properties.

May import: core, lang, model, facts, load, verdict, engine.
"""
