"""The pieces every step shares: errors with stable codes and locations, YAML read with positions.

Imports nothing of rulepack.
"""
