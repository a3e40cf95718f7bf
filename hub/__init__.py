"""The hub: hospital directory, image store, transcript intake, outbox and delivery worker, and the
web chat page. One process (``python -m hub``); hospitals reach it over HTTP only."""
