"""X-5: ``retry_on_conflict`` runs a use case again after a transient conflict only."""

from __future__ import annotations

import pytest

from klickit_core.accounts.ports import DuplicateAccountError
from klickit_core.catalogue.ports import OutOfStockError
from klickit_core.shared.errors import ConflictError
from klickit_core.shared.retry import is_transient_conflict, retry_on_conflict


class Flaky:
    """Fails with ``error`` the first ``failures`` times, then answers ``"done"``."""

    def __init__(self, failures: int, error: Exception | None = None) -> None:
        self.failures = failures
        self.error = error or ConflictError(table="products")
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_a_transient_conflict_is_retried_with_growing_waits() -> None:
    waits: list[float] = []
    operation = Flaky(3)
    assert retry_on_conflict(operation, attempts=5, backoff=0.01, sleep=waits.append) == "done"
    assert operation.calls == 4
    assert len(waits) == 3
    assert all(0.01 * 2**n <= wait <= 0.015 * 2**n for n, wait in enumerate(waits))


def test_the_last_conflict_is_raised_when_every_attempt_fails() -> None:
    operation = Flaky(10)
    with pytest.raises(ConflictError):
        retry_on_conflict(operation, attempts=3, sleep=lambda _s: None)
    assert operation.calls == 3


@pytest.mark.parametrize(
    "answer", [OutOfStockError(sku="MUG", available=0), DuplicateAccountError()]
)
def test_typed_conflicts_are_answers_not_retried(answer: ConflictError) -> None:
    operation = Flaky(1, answer)
    with pytest.raises(type(answer)):
        retry_on_conflict(operation, sleep=lambda _s: None)
    assert operation.calls == 1
    assert not is_transient_conflict(answer)
    assert is_transient_conflict(ConflictError())


def test_other_errors_pass_through_and_one_attempt_is_always_made() -> None:
    with pytest.raises(ZeroDivisionError):
        retry_on_conflict(lambda: 1 // 0, sleep=lambda _s: None)
    operation = Flaky(0)
    assert retry_on_conflict(operation, attempts=0) == "done"
    assert operation.calls == 1


def test_a_custom_rule_may_retry_more() -> None:
    operation = Flaky(2, OutOfStockError(sku="MUG", available=0))
    found = retry_on_conflict(
        operation, retry_if=lambda e: isinstance(e, ConflictError), sleep=lambda _s: None
    )
    assert found == "done"
