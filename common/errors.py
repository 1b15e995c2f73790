"""Errors that business rules raise and every door (form, API, import) reports the same way.

A `ServiceError` carries a stable machine code, the field it concerns (if any) and a message
already translated for the user; views turn it into a form error, the API into a 4xx JSON body.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal by a business rule: never a server fault, always the user's to fix."""

    status = 400

    def __init__(self, code: str, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": str(self.message)}

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its code, message and field (an import's parser process hands refusals
        to the writing process); `Exception`'s default would call the class with the message
        alone."""
        return (type(self), (self.code, str(self.message)), {"field": self.field})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.field = state["field"]


class ValidationFailed(ServiceError):
    """Input that does not satisfy a rule (bad code, missing field, unknown type)."""

    status = 422


class Conflict(ServiceError):
    """The request collides with what is already stored (duplicate, stale state)."""

    status = 409


class NotFound(ServiceError):
    status = 404


class PermissionDeniedError(ServiceError):
    """The actor's role or department does not allow this action."""

    status = 403
