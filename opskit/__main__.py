"""``python -m opskit``: the same command line as ``opskit``."""

import sys

from opskit.course.cli import main

sys.exit(main())
