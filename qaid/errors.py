"""Domain errors: expected failures of domain code, which knows nothing about HTTP.

Each class says what kind of failure it is; the code (``qaid_contracts.errors``) says which one.
The API layer (:func:`qaid.api_errors.install_error_handlers`) translates a kind into its status in
one table, so a route never re-raises and a CLI (the hub's admin) prints the same message.
"""

from __future__ import annotations

__all__ = [
    "DomainError",
    "EmptyInput",
    "NotFound",
    "Conflict",
    "Gone",
    "Invalid",
    "TooLarge",
    "UnsupportedType",
    "Unavailable",
]


class DomainError(Exception):
    """An expected failure with a stable machine-readable ``code`` and a message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class EmptyInput(DomainError):
    """Nothing was sent where something is required."""


class NotFound(DomainError):
    """The thing referred to does not exist (or not for this caller)."""


class Conflict(DomainError):
    """The request contradicts the current state (already there, already done, disabled)."""


class Gone(DomainError):
    """The thing existed and was removed for good (e.g. by the retention purge)."""


class Invalid(DomainError):
    """Well-formed input that the domain refuses (an unknown hospital in a consent, say)."""


class TooLarge(DomainError):
    """Over a size limit (``qaid_contracts.limits``)."""


class UnsupportedType(DomainError):
    """A kind of content the service does not take."""


class Unavailable(DomainError):
    """The service cannot do it now, but may later: the caller keeps its data and retries."""

    def __init__(self, code: str, message: str, retry_after_s: int) -> None:
        super().__init__(code, message)
        self.retry_after_s = retry_after_s
