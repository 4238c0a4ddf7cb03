"""Errors services raise; the API turns each into one JSON shape with the right status."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def payload(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


class BadInput(ServiceError):
    status = 400


class TooLarge(ServiceError):
    status = 413


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403

    def __init__(self, reasons: tuple[str, ...] | list[str], message: str | None = None) -> None:
        reasons = list(reasons)
        super().__init__(message or (reasons[0] if reasons else "not allowed"), reasons=reasons)


class Conflict(ServiceError):
    status = 409
