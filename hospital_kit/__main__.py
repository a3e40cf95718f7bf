"""``python -m hospital_kit``: see :mod:`hospital_kit.cli`."""

import sys

from hospital_kit.cli import main

sys.exit(main())
