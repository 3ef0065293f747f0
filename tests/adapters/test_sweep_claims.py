"""PRV-2: how the SQL backends hold a sweep job's claim (decision 0010), beyond the
contract every backend passes (``SweepCheckpointContract``).

* PostgreSQL: the claim is an advisory lock of its own session, scoped to the schema (two
  shops in one database do not block each other); if that session dies, the claim says
  so at the next check, and the job is free again.
* SQLite: the claim is a lock file beside the database; one that cannot be made is a
  typed error, not "already running".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from klickit_core.adapters.sql import SqlStore, make_engine
from klickit_core.adapters.sql.base import lock_key
from klickit_core.adapters.sql.privacy import claim_sweep_job
from klickit_core.privacy.ports import SweepAlreadyRunningError, SweepClaimLostError
from klickit_core.testing.contracts import sql


@pytest.fixture
def two_shops() -> Iterator[tuple[SqlStore, SqlStore]]:
    url = sql.postgres_url_or_skip()
    with (
        sql.postgres_store(url, prefix="klickit_claim_a") as first,
        sql.postgres_store(url, prefix="klickit_claim_b") as second,
    ):
        yield first, second


@pytest.mark.postgres
def test_a_claim_is_per_schema_and_ends_with_its_session(
    two_shops: tuple[SqlStore, SqlStore],
) -> None:
    """PRV-2: the same job in two schemas of one database runs twice at once; in one
    schema, once. When the claim's session is killed, the next check raises
    ``privacy.sweep_claim_lost`` and another run can claim the job."""
    first, second = two_shops
    claim = claim_sweep_job(first.engine, "retention-sweep")
    with (
        claim_sweep_job(second.engine, "retention-sweep"),  # another shop: free
        pytest.raises(SweepAlreadyRunningError),
    ):
        claim_sweep_job(first.engine, "retention-sweep")
    with first.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
        key = lock_key(f"klickit.sweep:{schema}:retention-sweep")
        holder = connection.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :high AND objid = :low"
            ),
            {"high": (key >> 32) & 0xFFFFFFFF, "low": key & 0xFFFFFFFF},
        ).scalar_one()
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
    with pytest.raises(SweepClaimLostError) as lost:
        claim.check()
    assert lost.value.details == {"job": "retention-sweep", "reason": "lost"}
    claim.release()  # harmless: the session took its lock with it
    with claim_sweep_job(first.engine, "retention-sweep") as again:
        again.check()


def test_a_lock_file_that_cannot_be_made_is_a_typed_error(tmp_path: Path) -> None:
    """PRV-2: a SQLite database in a folder that does not exist cannot be claimed: the
    error says the claim is unavailable, never that another run is at work."""
    engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'shop.db'}")
    try:
        with pytest.raises(SweepClaimLostError) as refused:
            claim_sweep_job(engine, "retention-sweep")
    finally:
        engine.dispose()
    assert refused.value.details == {"job": "retention-sweep", "reason": "unavailable"}


def test_a_file_claim_is_a_lock_file_beside_the_database(tmp_path: Path) -> None:
    """PRV-2: the claim of a SQLite file excludes a second one through the lock file
    beside the database, per job, and never holds the database's own write lock."""
    with sql.sqlite_store(tmp_path / "shop.db") as store:
        with claim_sweep_job(store.engine, "retention-sweep"):
            assert (tmp_path / "shop.db.sweep-retention-sweep.lock").exists()
            with pytest.raises(SweepAlreadyRunningError):
                claim_sweep_job(store.engine, "retention-sweep")
            with store.unit_of_work() as uow:  # the shop still writes
                uow.sweep_checkpoints.delete("retention-sweep")
                uow.write_now()
                uow.commit()
        with claim_sweep_job(store.engine, "retention-sweep"):
            pass
