"""``python -m hub``: serve the hub (see :mod:`hub.app`)."""

from hub.app import main

main()
