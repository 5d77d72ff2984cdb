"""The ``rulepack`` command.

May import anything.
"""
