"""The hub's HTTP routes, one module per resource: thin, typed, translating domain errors."""
