"""The one error shape of the API: ``{"detail": ..., "errors": [{"field", "error"}]}``."""

from __future__ import annotations

from ninja.errors import HttpError


class InvalidRequest(HttpError):
    """A request that parsed but breaks a rule; lists each field and why."""

    def __init__(self, errors: list[dict[str, str]], detail: str = "invalid request") -> None:
        super().__init__(422, detail)
        self.errors = errors
