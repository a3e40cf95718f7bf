"""Log lines that patient text cannot forge: control characters in a logged message are escaped.

A chat message is attacker-controlled text; if any of it reaches a log line (a warning that quotes
it, a debug line), a newline in it would start a line of the attacker's choosing (a fake "ERROR" or
an invented request). The record factory below escapes CR, LF and the other C0 control characters in
every formatted message of the process; tracebacks (``exc_text``) are formatted separately and keep
their lines. Installed by the web channels (imported by the Rasa server) and the action server.
"""

from __future__ import annotations

import logging
import re
import types
from typing import Any

__all__ = ["escape", "install"]

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def escape(text: str) -> str:
    """``text`` with control characters (but tab) written as ``\\n``, ``\\r``, ``\\x1b``..."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], text)


def _safe_message(record: logging.LogRecord) -> str:
    return escape(logging.LogRecord.getMessage(record))


def install() -> None:
    """Make every log record of this process escape its message (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "qaid_safe", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.getMessage = types.MethodType(_safe_message, record)  # type: ignore[method-assign]
        return record

    factory.qaid_safe = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
