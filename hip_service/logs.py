"""JSON-lines logging: one object per line, machine-parsable, never image bytes or patient text.

Only fields passed explicitly (``extra=``) are emitted, so a careless ``log.info(body)`` elsewhere is
the only way PII could leak; request logs carry method, route template, status and latency only.
"""

from __future__ import annotations

import json
import logging
import time

from qaid.redact import RedactingFilter

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())  # the safety net for what a log call should not have carried
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Our middleware logs requests by route template; uvicorn's access log would print raw paths.
    logging.getLogger("uvicorn.access").disabled = True
