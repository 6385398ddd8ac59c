"""``python -m kompress.cli``: the same as the ``kompress`` command."""

import sys

from kompress.cli import main

sys.exit(main())
