"""Errors services raise; the API turns each into one JSON shape with the right status
(drafting/errors.py renders the message and the Reasons in the requester's language)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drafting.reasons import Reason


class ServiceError(Exception):
    status = 400

    def __init__(
        self, message: str | Reason, *, reasons: Iterable[Reason] | None = None, **extra: Any
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.reasons: list[Reason] | None = None if reasons is None else list(reasons)
        self.extra = extra


class BadInput(ServiceError):
    status = 400


class TooLarge(ServiceError):
    status = 413


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403

    def __init__(self, reasons: Iterable[Reason], message: str | None = None) -> None:
        reasons = list(reasons)
        super().__init__(message or (reasons[0] if reasons else "not allowed"), reasons=reasons)


class Conflict(ServiceError):
    status = 409


class Unavailable(ServiceError):
    """Something this server cannot do as installed (a missing optional library)."""

    status = 503
