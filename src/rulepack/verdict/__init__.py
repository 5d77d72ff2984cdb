"""The verdict as data, and its renderings: words (zh and en), text and JSON.

May import: core, lang, model, facts.
"""
