"""Domain errors. The web layer maps each to an HTTP status and a human message."""
from __future__ import annotations


class DomainError(Exception):
    """Base class: ``code`` is a stable machine code, ``message`` a human sentence."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"
    status = 404


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class PreviousNotStarted(InvalidTransition):
    """"Call next" while the counter's current ticket was called but never started: the citizen was
    not served, so the ticket is not finished silently; the caller says what happened to it."""

    code = "previous_not_started"
    status = 409


class ServiceUnavailable(DomainError):
    """The service does not take tickets now (inactive, office closed)."""

    code = "service_unavailable"
    status = 409


class QuotaReached(DomainError):
    code = "quota_reached"
    status = 409


class ValidationFailed(DomainError):
    code = "validation_error"
    status = 400


class Conflict(DomainError):
    code = "conflict"
    status = 409


class Forbidden(DomainError):
    """The caller has no rights over what this would change (e.g. another office's stock)."""

    code = "forbidden"
    status = 403
