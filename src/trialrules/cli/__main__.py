"""``python -m trialrules.cli``: the same command line as the ``trialrules`` script."""

import sys

from . import main

sys.exit(main())
