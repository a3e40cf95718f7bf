"""``python -m inbox``: serve a hospital's reference inbox (see :mod:`inbox.app`);
``python -m inbox doctors ...``: manage its doctor accounts (see :mod:`inbox.cli`)."""

import sys

if sys.argv[1:2] == ["doctors"]:
    from inbox.cli import main as doctors

    sys.exit(doctors(sys.argv[2:]))

from inbox.app import main

main()
