"""The expression language: parsing and whole-tree checking, limits, the function library, types.

May import: core.
"""
