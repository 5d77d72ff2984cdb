"""``python -m rulepack``: the same as the ``rulepack`` command."""

import sys

from rulepack._cli import main

sys.exit(main())
