"""What a policy change does before it ships: the difference between two sets of packs
(:mod:`~rulepack.change.diff`), its effect on a corpus of fact documents
(:mod:`~rulepack.change.impact`), one param swept over a range (:mod:`~rulepack.change.sweep`),
and the smallest change of facts that would turn a failing verdict into a pass
(:mod:`~rulepack.change.counterfactual`).
"""
