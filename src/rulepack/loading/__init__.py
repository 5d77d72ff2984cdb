"""Loading one pack file: YAML with positions, the pack schema, then the compiled model.

May import: core, lang, model, facts.
"""
