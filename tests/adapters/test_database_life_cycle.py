"""The database life cycle under ``build_shop`` and ``klickit db upgrade`` (X-5, X-9,
issue #13): migrations serialised between processes, a database newer than the library,
connection failures that name their cause, ``postgresql://`` URLs, a shop that is never
created by mistake, and indexes restored after a seed killed half-way.

The concurrent cases run real processes (``subprocess``), on SQLite and on PostgreSQL:
threads of one process would share the engine and its pool, and hide the race.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from klickit_core.adapters.database import (
    Backend,
    DatabaseTooNewError,
    MigrationBusyError,
    NoShopError,
    UnsupportedDatabaseError,
    backend_of,
    normalised,
)
from klickit_core.adapters.sql import make_engine, migrations
from klickit_core.adapters.sql.errors import (
    AuthenticationFailedError,
    CannotOpenDatabaseError,
    DatabaseMissingError,
    DatabaseUnavailableError,
    ServerUnreachableError,
)
from klickit_core.bootstrap import build_shop
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

PROCESSES = 4
FUTURE = "9999"  # a revision a newer version of the library would have written


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a SQLite file not created yet, or a new schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_life") as url:
            yield url


def _revisions(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [
                row[0]
                for row in connection.execute(text("SELECT version_num FROM alembic_version"))
            ]
    finally:
        engine.dispose()


def _tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


def _stamp(url: str, revision: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    finally:
        engine.dispose()


def free_port() -> int:
    """A local TCP port nothing listens on (connections to it are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# ---------------------------------------------------------------------- four at once

_START_BUILD_SHOP = """
import sys, time
from klickit_core.bootstrap import build_shop
from klickit_core.adapters.sql import migrations  # imported before the start line
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
shop = build_shop(url)
shop.close()
print("started")
"""

_START_UPGRADE = """
import sys, time
from klickit_core.cli import main, database  # imported before the start line
from klickit_core.adapters.sql import engine, migrations
url, start = sys.argv[1], float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
sys.exit(main.main(["db", "upgrade", "--db", url, "--plain", "--locale", "en"]))
"""


def _all_at_once(script: str, url: str) -> list[subprocess.CompletedProcess[str]]:
    """Run ``script`` in :data:`PROCESSES` processes that all begin at the same instant
    (each waits for it after its imports)."""
    start = time.time() + 3.0
    children = [
        subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, "-c", script, url, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = []
    for child in children:
        out, err = child.communicate(timeout=180)
        results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return results


def test_four_processes_build_a_shop_on_one_empty_database_at_once(empty_url: str) -> None:
    """X-5, X-9: four app processes starting at once on an empty database all start; the
    migrations ran once, serialised by a lock (an advisory lock on PostgreSQL, the write
    lock on SQLite), and the latecomers found the schema at its head."""
    results = _all_at_once(_START_BUILD_SHOP, empty_url)
    assert [(r.returncode, r.stdout) for r in results] == [(0, "started\n")] * PROCESSES, [
        r.stderr[-2000:] for r in results
    ]
    assert _revisions(empty_url) == [migrations.head_revision()]


def test_four_upgrades_at_once_migrate_once(empty_url: str) -> None:
    """X-5, X-9: four ``klickit db upgrade`` at once all exit 0; one migrated the empty
    database, the three others waited for it and found it done."""
    results = _all_at_once(_START_UPGRADE, empty_url)
    assert [r.returncode for r in results] == [0] * PROCESSES, [r.stderr[-2000:] for r in results]
    head = migrations.head_revision()
    assert sorted(r.stdout for r in results) == [
        f"The database is already at revision {head}.\n"
    ] * (PROCESSES - 1) + [f"The database is now at revision {head}.\n"]
    assert _revisions(empty_url) == [head]


def test_a_migration_waits_for_the_lock_then_gives_up(empty_url: str) -> None:
    """X-5, X-9: while another process migrates (holds the lock), an upgrade waits, and
    after ``wait`` seconds gives up with a typed, retryable error; nothing is changed."""
    engine = make_engine(empty_url)
    holder = make_engine(empty_url)
    try:
        with holder.connect() as connection:
            if connection.dialect.name == "sqlite":
                connection.begin()  # BEGIN IMMEDIATE: SQLite's write lock
            else:
                connection.execute(  # the same lock, released with the transaction
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": migrations.ADVISORY_LOCK_KEY},
                )
            started = time.monotonic()
            with pytest.raises(MigrationBusyError) as busy:
                migrations.upgrade(engine, wait=1.0)
            assert time.monotonic() - started >= 0.9
            connection.rollback()
        assert busy.value.code == "storage.migration_busy"
        assert busy.value.details == {"seconds": 1}
        assert migrations.current_revision(engine) is None
        assert migrations.upgrade(engine, wait=1.0) is None  # free again: it was empty
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()
        holder.dispose()


# ---------------------------------------------------------------------- newer database


def test_a_database_newer_than_the_library_is_refused(empty_url: str) -> None:
    """X-5, X-9: a database a newer version migrated is refused with a typed error naming
    its revision and the newest this version knows, and is left as it was."""
    build_shop(empty_url).close()
    _stamp(empty_url, FUTURE)
    with pytest.raises(DatabaseTooNewError) as refused:
        build_shop(empty_url)
    assert refused.value.code == "storage.database_too_new"
    assert refused.value.details == {"revision": FUTURE, "head": migrations.head_revision()}
    assert str(refused.value) == (
        f"The database is at revision {FUTURE}, newer than this version of klickit-core "
        f"knows (up to {migrations.head_revision()}); upgrade klickit-core."
    )
    assert _revisions(empty_url) == [FUTURE]


# ---------------------------------------------------------------------- connecting


def test_no_server_at_the_address_is_named() -> None:
    """X-9: nothing listens at the address: the error names host and port, never the
    password, and is still a DatabaseUnavailableError for callers that catch that."""
    port = free_port()
    with pytest.raises(ServerUnreachableError) as refused:
        build_shop(f"postgresql+psycopg://shop:s3cret@127.0.0.1:{port}/shop")
    assert unstructure(refused.value) == {
        "code": "storage.server_unreachable",
        "message": f"No database server answers at 127.0.0.1:{port}.",
        "details": {"host": "127.0.0.1", "port": port},
    }
    assert isinstance(refused.value, DatabaseUnavailableError)


def test_a_sqlite_file_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    """X-9: a SQLite path in a folder that does not exist: the file's name, not "try
    again later"."""
    with pytest.raises(CannotOpenDatabaseError) as refused:
        build_shop(f"sqlite:///{tmp_path / 'no-such-folder' / 'shop.db'}")
    assert refused.value.details == {"file": "shop.db"}
    assert isinstance(refused.value, DatabaseUnavailableError)


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_named() -> None:
    """X-9: the server answers, the database is not there (the library never creates a
    database, only its tables)."""
    server = postgres_url_or_skip().rsplit("/", 1)[0]
    with pytest.raises(DatabaseMissingError) as refused:
        build_shop(f"{server}/klickit_no_such_database")
    assert refused.value.details == {
        "database": "klickit_no_such_database",
        "host": "127.0.0.1",
        "port": 5432,
    }
    assert str(refused.value) == (
        "The database klickit_no_such_database does not exist on the server at 127.0.0.1:5432."
    )


@pytest.mark.postgres
def test_a_refused_login_is_named_without_the_credentials() -> None:
    """X-9: the server refuses the login: say so, without the user or the password."""
    postgres_url_or_skip()
    with pytest.raises(AuthenticationFailedError) as refused:
        build_shop("postgresql+psycopg://klickit_nobody:s3cret@127.0.0.1:5432/test")
    assert refused.value.details == {"host": "127.0.0.1", "port": 5432}
    assert "s3cret" not in str(unstructure(refused.value))
    assert "klickit_nobody" not in str(unstructure(refused.value))


# ---------------------------------------------------------------------- URL schemes


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "POSTGRES"])
def test_a_postgres_url_without_a_driver_means_psycopg(scheme: str) -> None:
    """X-5: ``postgresql://`` and ``postgres://`` (as hosting platforms hand them out)
    open PostgreSQL through psycopg 3, never another driver."""
    url = f"{scheme}://shop:pw@db.example:5433/shop?sslmode=require"
    assert backend_of(url) is Backend.POSTGRESQL
    assert normalised(url) == "postgresql+psycopg://shop:pw@db.example:5433/shop?sslmode=require"
    engine = make_engine(url)
    try:
        assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    finally:
        engine.dispose()


@pytest.mark.parametrize("url", ["postgresql+psycopg2://shop@h/shop", "postgres+asyncpg://h/db"])
def test_another_postgres_driver_is_still_refused(url: str) -> None:
    """X-5: only psycopg 3 is supported; naming another driver is refused."""
    with pytest.raises(UnsupportedDatabaseError):
        build_shop(url)
    assert normalised(url) == url


@pytest.mark.postgres
def test_build_shop_on_a_postgresql_url_without_driver() -> None:
    """X-5: a shop built on a ``postgresql://`` URL works end to end."""
    with postgres_schema_url(postgres_url_or_skip(), "klickit_scheme") as url:
        plain = url.replace("postgresql+psycopg://", "postgresql://", 1)
        shop = build_shop(plain)
        try:
            with shop.unit_of_work() as uow:
                assert uow.products.list(published_only=False) == []
        finally:
            shop.close()
        assert _revisions(url) == [migrations.head_revision()]


# ---------------------------------------------------------------------- no shop here


def test_a_missing_sqlite_file_is_not_created_without_create(tmp_path: Path) -> None:
    """X-9: ``create=False`` on a path with no file (a typo) is a typed error, and no
    file is left behind; the default still makes a shop on first use."""
    path = tmp_path / "shpo.db"
    with pytest.raises(NoShopError) as refused:
        build_shop(f"sqlite:///{path}", create=False)
    assert unstructure(refused.value) == {
        "code": "storage.no_shop",
        "message": "There is no shop at this database URL (sqlite); check it, or create the "
        "shop with klickit db upgrade.",
        "details": {"backend": "sqlite"},
    }
    assert list(tmp_path.iterdir()) == []
    build_shop(f"sqlite:///{path}").close()
    build_shop(f"sqlite:///{path}", create=False).close()


def test_an_empty_sqlite_file_is_no_shop(tmp_path: Path) -> None:
    """X-9: a file without the shop's tables is no shop either, and gets none."""
    path = tmp_path / "empty.db"
    path.touch()
    with pytest.raises(NoShopError):
        build_shop(f"sqlite:///{path}", create=False)
    assert _tables(f"sqlite:///{path}") == []


@pytest.mark.postgres
def test_an_empty_postgres_schema_is_no_shop() -> None:
    """X-9: a PostgreSQL database (schema) without the tables: no shop, none created."""
    with postgres_schema_url(postgres_url_or_skip(), "klickit_noshop") as url:
        with pytest.raises(NoShopError) as refused:
            build_shop(url, create=False)
        assert refused.value.details == {"backend": "postgresql"}
        assert _tables(url) == []
