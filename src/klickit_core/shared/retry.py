"""Run a use case again when a concurrent transaction got in the way.

Every backend refuses a commit that would overwrite a concurrent change, and PostgreSQL
may abort a transaction to break a deadlock: both surface as a plain
:class:`~klickit_core.shared.errors.ConflictError`. Nothing of the refused transaction was
written, so running the whole use case again, on a fresh unit of work, is safe.

Only that plain class is retried. Its subclasses are answers, not accidents: a duplicate
email (:class:`~klickit_core.accounts.ports.DuplicateAccountError`), a product sold out
(:class:`~klickit_core.catalogue.ports.OutOfStockError`) would be refused again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from klickit_core.shared.errors import ConflictError

__all__ = ["is_transient_conflict", "retry_on_conflict"]

T = TypeVar("T")


def is_transient_conflict(error: BaseException) -> bool:
    """Whether ``error`` is a conflict that may not happen again: exactly a
    :class:`ConflictError`, not one of its typed subclasses."""
    return type(error) is ConflictError


def retry_on_conflict(
    operation: Callable[[], T],
    *,
    attempts: int = 5,
    backoff: float = 0.01,
    retry_if: Callable[[BaseException], bool] = is_transient_conflict,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """``operation()``, run again up to ``attempts`` times in all while it raises a
    conflict that ``retry_if`` accepts; the last conflict is raised if none succeeds.

    ``operation`` must open its own unit of work (a use case called with
    ``shop.unit_of_work()`` does). Between attempts it waits ``backoff`` seconds,
    doubling each time, with up to 50 % random jitter so that colliding workers spread
    out. ``operation`` runs at least once, whatever ``attempts`` says.
    """
    attempts = max(1, attempts)
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except ConflictError as conflict:
            if attempt == attempts or not retry_if(conflict):
                raise
        sleep(delay * (1 + random.random() / 2))  # noqa: S311 - jitter, not security
        delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover
