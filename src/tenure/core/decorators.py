"""Guards for pages and API endpoints of a licensed module."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import Http404

from tenure.core.selectors import module_is_active

F = TypeVar("F", bound=Callable[..., Any])


def module_required(key: str) -> Callable[[F], F]:
    """Answer 404 while the module is inactive, as if the page or endpoint did not exist."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not module_is_active(key):
                raise Http404("Module not active")
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator
