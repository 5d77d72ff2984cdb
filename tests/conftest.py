"""What every test of the suite shares: a Hypothesis profile that makes each run repeatable.

A property test that draws new examples on every run may pass today and fail tomorrow on the
same code: then it is broken, not flaky. With this profile every ``@given`` draws the same
examples on every run and machine (``derandomize``: the examples come from the test's own
name), nothing is carried between runs (``database=None``: no example found last time is
replayed this time, so a run depends on the code alone), and there is no deadline (a busy
machine would make a slow example fail at random). A failure prints its blob, to reproduce it
with ``@reproduce_failure``.

The profile is loaded here, before any test module is imported: a test's own ``@settings``
inherits every value it does not set from it. No test sets these three back.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None, deadline=None,
                          print_blob=True)
settings.load_profile("repeatable")
