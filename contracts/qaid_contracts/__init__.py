"""Q&Aid's cross-process contracts, importable by both runtimes (standard library only, Python >= 3.10).

Everything that crosses a process boundary is declared here once: the shapes of the messages
(``TypedDict`` s), the URL paths, the error codes, the limits, the task and topic names, the
patient-side convention and the environment variables with their defaults. The platform (Python
3.11, pydantic 2) builds its models from these constants; the bot (Python 3.10, Rasa 3.6, pydantic
1) types its payloads with them. ``schemas/*.json`` are the JSON Schemas generated from the
platform's pydantic models (``python -m qaid.contract_schemas``); tests fail when a TypedDict, a
generated schema or a test fake drifts from them.

Modules:

- :mod:`qaid_contracts.hip` — a HIP's answers (capabilities, analysis, VQA, segmentation);
- :mod:`qaid_contracts.hub` — the hub's answers (directory, stored images, transcript receipts);
- :mod:`qaid_contracts.transcript` — the transcript the bot posts and the inboxes receive;
- :mod:`qaid_contracts.replies` — a doctor's reply to the patient and the patient's answer;
- :mod:`qaid_contracts.signing` — Standard Webhooks signatures with the standard library (the bot);
- :mod:`qaid_contracts.errors` — the one error body and every error code;
- :mod:`qaid_contracts.paths` — URL paths of the hub and the HIP;
- :mod:`qaid_contracts.limits` — sizes and lengths every side enforces;
- :mod:`qaid_contracts.vocabulary` — tasks, body parts, topics, sides (and the patient-side convention);
- :mod:`qaid_contracts.env` — environment variable names and defaults;
- :mod:`qaid_contracts.schemas` — loading the generated JSON Schemas.
"""

__all__ = [
    "env",
    "errors",
    "hip",
    "hub",
    "limits",
    "paths",
    "replies",
    "schemas",
    "signing",
    "transcript",
    "vocabulary",
]
