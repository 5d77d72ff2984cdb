"""``python -m rulepack``: the same as the ``rulepack`` command."""

import sys

from rulepack.cli.main import main

sys.exit(main())
