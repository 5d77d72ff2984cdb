"""Static analysis of packs: tables, declared properties, citations.

May import: core, lang, model, facts, loading, verdict, engine.

Tables (gaps, overlaps, rows that cannot win), what declared properties mean, citations against
their sources.
"""
