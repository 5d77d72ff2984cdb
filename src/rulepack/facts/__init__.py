"""Fact documents: the fact schema, validation with JSON paths, lazy typed lookup, reading files.

May import: core, lang, model.
"""
