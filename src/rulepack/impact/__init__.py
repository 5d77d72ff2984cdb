"""What a policy change does before it ships: the difference between two sets of packs
(:mod:`~rulepack.impact.diff`), its effect on a corpus of fact documents
(:mod:`~rulepack.impact.impact`), one param swept over a range (:mod:`~rulepack.impact.sweep`),
and the smallest change of facts that would turn a failing verdict into a pass
(:mod:`~rulepack.impact.counterfactual`).
"""
