"""Keep secrets and patient data out of the platform's logs: one redaction function, one filter.

Logs are copied, shipped and kept longer than the data they describe, so nothing that authorises a
request or identifies a patient may reach them. The code avoids logging such values in the first
place (request logs name route templates, never bodies); this filter is the safety net for what
slips through: access-log paths with capability tokens or the patient's coordinates in the query
string, bearer tokens and webhook secrets in an error message, contact details or message text in
a logged JSON fragment or a traceback. Free text outside such a key cannot be recognised, which is
why code must never log message bodies at all.

:func:`install` puts :class:`RedactingFilter` on every handler of the root and uvicorn loggers, so
records of any library pass through it whichever logger they come from (a filter on a *logger*
would miss records propagated from its children). The hub and the inboxes start uvicorn through
:func:`serve` (after uvicorn configured its own handlers), the worker calls :func:`install`, and the
HIP's JSON handler carries the filter (``hip_service/logs.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Any

MASK = "[redacted]"

# Query parameters whose values are credentials or the patient's location.
_QUERY_KEYS = (
    "token|access_token|api_key|apikey|key|secret|password|passwd|sig|signature|code"
    "|lat|lon|lng|latitude|longitude"
)
# JSON or Python-dict keys whose string values are patient data (transcript schema: contact,
# messages, findings, symptoms, location) or credentials.
_FIELD_KEYS = (
    "name|phone|email|text|question|answer|statement|symptoms|contact|address|lat|lon|latitude|longitude"
    "|hip_token|secret|secrets|new_secret|webhook_secret|password|token|access_token|authorization"
)

_RULES: list[tuple[re.Pattern[str], str]] = [
    # ?token=...&lat=44.4 -> ?token=[redacted]&lat=[redacted]
    (re.compile(rf"(?i)([?&;](?:{_QUERY_KEYS})=)[^&\s\"'#]*"), rf"\1{MASK}"),
    # "text": "my head hurts" / 'phone': '+40 7..' -> the key with a masked value (numbers too)
    (
        re.compile(
            rf"(?i)([\"'](?:{_FIELD_KEYS})[\"']\s*:\s*)(?:\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|-?[\d.]+)"
        ),
        rf'\1"{MASK}"',
    ),
    # Authorization header values in messages: "Bearer abc" / "Basic abc"
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {MASK}"),
    # Standard Webhooks secrets and signatures
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), f"whsec_{MASK}"),
    (re.compile(r"\bv1,[A-Za-z0-9+/]{20,}={0,2}"), f"v1,{MASK}"),
    # a hospital's own hub token (hub.hospital_tokens)
    (re.compile(r"qhosp_[A-Za-z0-9_-]+"), f"qhosp_{MASK}"),
    # Telegram bot tokens (they are part of every Bot API URL) and Slack tokens
    (re.compile(r"\bbot\d{5,}:[A-Za-z0-9_-]{20,}"), f"bot{MASK}"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{8,}"), MASK),
    # the hub's image ids (a content hash: it identifies one patient's image across logs and links)
    (re.compile(r"\bimg_[0-9a-f]{32}\b"), f"img_{MASK}"),
    # e-mail addresses
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), "[email]"),
    # phone numbers: international (+40 721 234 567) or a national trunk-0 form (0721 234 567).
    # Deliberately narrow: timestamps, ports, ids and durations must stay readable.
    (re.compile(r"(?<![\w+])\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,5}\d{2,4}(?!\w)"), "[phone]"),
    (re.compile(r"(?<![\w.:/-])0\d{2,4}[ .-]\d{3}[ .-]?\d{3,4}(?![\w.:-])"), "[phone]"),
]


def redact(text: str) -> str:
    """``text`` with credentials, coordinates, contact details and known PII fields masked."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: object) -> object:
    # Numbers keep their type (a "%d" in the format string must still work); anything else is
    # compared as text and replaced only when redaction changed it (httpx URLs, exceptions...).
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RedactingFilter(logging.Filter):
    """Redacts a record's message, arguments and traceback in place; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_qaid_redacted", False):  # several handlers share one record
            return True
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            # Formatters reuse a cached exc_text: fill it with the redacted traceback.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        for key, value in list(vars(record).items()):  # fields passed with extra= (the HIP's JSON logs)
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, redact(value))
        record._qaid_redacted = True
        return True


LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx")


def install(logger_names: Iterable[str] = LOGGERS) -> None:
    """Attach the filter to every handler of these loggers (idempotent)."""
    for name in logger_names:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())


def serve(app: Any, *, host: str, port: int, **kwargs: Any) -> None:
    """``uvicorn.run`` with the filter on uvicorn's handlers too, which exist once its Config is built."""
    import uvicorn

    config = uvicorn.Config(app, host=host, port=port, **kwargs)
    install()
    uvicorn.Server(config).run()
