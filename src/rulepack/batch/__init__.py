"""Streaming evaluation of many documents (JSON Lines).

May import: everything below it and rulepack.library.
"""
