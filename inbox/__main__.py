"""``python -m inbox``: serve a hospital's reference inbox (see :mod:`inbox.app`)."""

from inbox.app import main

main()
