"""The database life cycle seen from the ``klickit`` command (X-8, X-9, issue #13).

Every failure to reach or recognise the database is one line on standard error (a
sentence, or with ``--json`` the error's JSON, as docs/cli.md promises) and exit status 2,
never a driver traceback: a
server that does not answer, a database that does not exist, a refused login, a schema
newer than the library, and a path where there is no shop. Only the commands that make
a shop (``db upgrade``, ``seed``, ``demo``) may create one; ``demo`` never writes into
a shop. A seed killed half-way leaves its indexes dropped, and ``db upgrade`` puts them
back.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from klickit_core.adapters.sql import make_engine, migrations
from klickit_core.adapters.sql import tables as t
from klickit_core.bootstrap import build_shop
from klickit_core.catalogue.domain import Product
from klickit_core.cli import main
from klickit_core.cli.privacy import ERASURE_KEY_VARIABLE
from klickit_core.shared.money import Money
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

KEY = "une clé de registre d'effacement pour les tests de la ligne de commande"
FUTURE = "9999"
#: Every secondary index of the schema (the ones ``klickit seed`` drops while it loads).
INDEXES = frozenset(str(i.name) for table in t.metadata.sorted_tables for i in table.indexes)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)
    monkeypatch.setenv("COLUMNS", "200")


def _jobs(url: str, tmp_path: Path) -> dict[str, list[str]]:
    """Every command that opens an existing shop, on ``url``."""
    return {
        "privacy export": ["privacy", "export", "--db", url, "--email", "a@example.fr",
                           "--out", str(tmp_path / "export")],
        "privacy erase": ["privacy", "erase", "--db", url, "--email", "a@example.fr"],
        "privacy export-ledger": ["privacy", "export-ledger", "--db", url,
                                  "--out", str(tmp_path / "ledger.jsonl")],
        "privacy reapply-erasures": ["privacy", "reapply-erasures", "--db", url],
        "retention sweep": ["retention", "sweep", "--db", url, "--dry-run"],
    }  # fmt: skip


JOBS = list(_jobs("", Path()))
MAKERS = {"db upgrade": ["db", "upgrade"], "seed": ["seed", "--orders", "10"]}


def _command(name: str, url: str, tmp_path: Path) -> list[str]:
    if name in MAKERS:
        return [*MAKERS[name], "--db", url]
    return _jobs(url, tmp_path)[name]


def _one_sentence(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``argv`` as a person would: exit status 2 and exactly one line on stderr, a
    sentence (in English here), which is returned."""
    status = main.main([*argv, "--locale", "en", "--plain"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    assert not err.startswith("{"), err
    return err.rstrip("\n")


def _one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    """Run ``argv`` as a person would, then with ``--json``: each time exit status 2 and
    exactly one line on stderr; the second is the error's JSON, whose message is the
    sentence the person read (issue #16)."""
    sentence = _one_sentence(capsys, argv)
    status = main.main([*argv, "--locale", "en", "--plain", "--json"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.splitlines()) == 1, err
    payload: dict[str, object] = json.loads(err)
    assert payload["message"] == sentence
    return payload


def _count(url: str, table: object) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- no shop here


@pytest.mark.parametrize("job", JOBS)
def test_a_mistyped_sqlite_path_is_no_shop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, job: str
) -> None:
    """X-9 (issue #13): a path where no file exists is an error, not a new empty shop
    that answers "0 records"; no file is created."""
    folder = tmp_path / "shop"
    folder.mkdir()
    url = f"sqlite:///{folder / 'shpo.db'}"
    assert _one_error_line(capsys, _jobs(url, tmp_path)[job]) == {
        "code": "storage.no_shop",
        "message": "There is no shop at this database URL (sqlite); check it, or create the "
        "shop with klickit db upgrade.",
        "details": {"backend": "sqlite"},
    }
    assert list(folder.iterdir()) == []


def test_a_mistyped_ledger_source_is_no_shop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """X-9: ``--ledger-from`` naming a database that does not exist is no shop either."""
    shop = f"sqlite:///{tmp_path / 'shop.db'}"
    assert main.main(["db", "upgrade", "--db", shop, "--plain"]) == 0
    capsys.readouterr()
    missing = tmp_path / "old-shop.db"
    argv = ["privacy", "reapply-erasures", "--db", shop, "--ledger-from", f"sqlite:///{missing}"]
    assert _one_error_line(capsys, argv)["code"] == "storage.no_shop"
    assert not missing.exists()


@pytest.mark.parametrize("maker", list(MAKERS))
def test_the_commands_that_make_a_shop_create_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, maker: str
) -> None:
    """X-5: ``db upgrade`` and ``seed`` make a shop where there is none, at the head
    revision; the other commands then open it."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert main.main([*_command(maker, url, tmp_path), "--plain"]) == 0
    assert main.main(["retention", "sweep", "--db", url, "--dry-run", "--json"]) == 0
    capsys.readouterr()
    engine = make_engine(url)
    try:
        assert migrations.current_revision(engine) == migrations.head_revision()
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- connecting


@pytest.mark.parametrize("command", [*MAKERS, "privacy export", "retention sweep"])
def test_no_server_is_one_line_naming_host_and_port(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """X-9: a server that does not answer gave ``db upgrade`` and ``seed`` a 112-line
    traceback and the others "try again later": now one line that names the address,
    never the password, and exit status 2."""
    with socket.socket() as probe:  # a local port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"postgresql+psycopg://shop:s3cret@127.0.0.1:{port}/shop"
    payload = _one_error_line(capsys, _command(command, url, tmp_path))
    assert payload == {
        "code": "storage.server_unreachable",
        "message": f"No database server answers at 127.0.0.1:{port}.",
        "details": {"host": "127.0.0.1", "port": port},
    }


@pytest.mark.parametrize("command", list(MAKERS))
def test_a_sqlite_folder_that_does_not_exist_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """X-9: ``db upgrade`` or ``seed`` on a path whose folder does not exist: one line
    naming the file (not its path), exit status 2."""
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'shop.db'}"
    assert _one_error_line(capsys, _command(command, url, tmp_path)) == {
        "code": "storage.cannot_open",
        "message": "The database file shop.db cannot be opened (check that its folder exists "
        "and may be written).",
        "details": {"file": "shop.db"},
    }


@pytest.mark.postgres
@pytest.mark.parametrize("command", [*MAKERS, "privacy export", "retention sweep"])
def test_a_missing_database_is_one_line_naming_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """X-9: a database that does not exist on the server: one line that says so."""
    server = postgres_url_or_skip().rsplit("/", 1)[0]
    url = f"{server}/klickit_no_such_database"
    assert _one_error_line(capsys, _command(command, url, tmp_path)) == {
        "code": "storage.database_missing",
        "message": "The database klickit_no_such_database does not exist on the server at "
        "127.0.0.1:5432.",
        "details": {"database": "klickit_no_such_database", "host": "127.0.0.1", "port": 5432},
    }


@pytest.mark.postgres
@pytest.mark.parametrize("command", [*MAKERS, "privacy export"])
def test_a_refused_login_is_one_line_without_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """X-9: the server refuses the login: one line, no user name, no password."""
    postgres_url_or_skip()
    url = "postgresql+psycopg://klickit_nobody:s3cret@127.0.0.1:5432/test"
    assert _one_error_line(capsys, _command(command, url, tmp_path)) == {
        "code": "storage.authentication_failed",
        "message": "The database server at 127.0.0.1:5432 refused the login (check the user "
        "and password).",
        "details": {"host": "127.0.0.1", "port": 5432},
    }


@pytest.mark.postgres
def test_a_postgres_url_without_driver_works_on_the_command_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """X-5: ``postgres://`` (the spelling hosting platforms hand out) was refused."""
    with postgres_schema_url(postgres_url_or_skip(), "klickit_cli_scheme") as url:
        plain = url.replace("postgresql+psycopg://", "postgres://", 1)
        assert main.main(["db", "upgrade", "--db", plain, "--locale", "en", "--plain"]) == 0
        head = migrations.head_revision()
        assert capsys.readouterr().out == f"The database is now at revision {head}.\n"
        assert main.main(_jobs(plain, tmp_path)["privacy export-ledger"]) == 0


# ---------------------------------------------------------------------- newer database


@pytest.mark.parametrize("command", [*MAKERS, "privacy export", "retention sweep"])
def test_a_newer_database_is_one_line_naming_its_revision(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    """X-5, X-9: a database a newer version migrated gave a raw Alembic traceback: now
    one line naming its revision, exit status 2, and the database is left alone."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert main.main(["db", "upgrade", "--db", url, "--plain"]) == 0
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": FUTURE})
        capsys.readouterr()
        head = migrations.head_revision()
        assert _one_error_line(capsys, _command(command, url, tmp_path)) == {
            "code": "storage.database_too_new",
            "message": f"The database is at revision {FUTURE}, newer than this version of "
            f"klickit-core knows (up to {head}); upgrade klickit-core.",
            "details": {"revision": FUTURE, "head": head},
        }
        assert migrations.current_revision(engine) == FUTURE
    finally:
        engine.dispose()


# ---------------------------------------------------------------------- demo


def test_the_demo_never_writes_into_a_shop(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """X-8 (issue #13): ``klickit demo --db`` on a shop that holds products (not the
    demo's) wrote the demo's products and orders into it; now it refuses, exit 2, and
    the shop is unchanged."""
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    shop = build_shop(url)
    try:
        with shop.unit_of_work() as uow:
            uow.products.add(Product("OWN", "Our own mug", Money.of("12.00", "EUR"), stock=4))
            uow.commit()
    finally:
        shop.close()
    assert _one_sentence(capsys, ["demo", "--db", url]) == (
        "The demo needs an empty database; this one already holds products or orders."
    )
    assert (_count(url, t.products), _count(url, t.orders), _count(url, t.sessions)) == (1, 0, 0)


def test_the_demo_refuses_a_seeded_shop(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """X-8: nor into a shop full of orders."""
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    assert main.main(["seed", "--db", url, "--orders", "20", "--plain"]) == 0
    capsys.readouterr()
    before = _count(url, t.products), _count(url, t.orders)
    assert _one_sentence(capsys, ["demo", "--db", url]).startswith("The demo needs an empty")
    assert (_count(url, t.products), _count(url, t.orders)) == before


def test_the_demo_makes_its_own_shop_at_a_new_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """X-8: ``demo`` is one of the commands that make a shop: a new path is fine."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main.main(["demo", "--db", url, "--plain"]) == 0
    capsys.readouterr()
    assert _count(url, t.products) == 5


# ---------------------------------------------------------------------- a killed seed


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def seed_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'seed.db'}"
    else:
        with postgres_schema_url(postgres_url_or_skip(), "klickit_seed_kill") as url:
            yield url


def _index_names(url: str) -> set[str]:
    engine = make_engine(url)
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    )
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.exec_driver_sql(sql)}
    finally:
        engine.dispose()


def _kill_mid_seed(url: str) -> None:
    """Start ``klickit seed`` in a process of its own and SIGKILL it once its indexes
    are dropped and the first orders are in."""
    with subprocess.Popen(  # noqa: S603 - our own command
        [sys.executable, "-m", "klickit_core.cli.main", "seed", "--db", url,
         "--orders", "400000", "--plain"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:  # fmt: skip
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.05)
                try:
                    dropped = not INDEXES & _index_names(url)
                    if dropped and _count(url, t.orders) > 0:
                        break
                except SQLAlchemyError:  # not migrated yet: look again
                    continue
        finally:
            child.send_signal(signal.SIGKILL)
            _, stderr = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL, stderr


def test_db_upgrade_restores_the_indexes_a_killed_seed_dropped(
    capsys: pytest.CaptureFixture[str], seed_url: str
) -> None:
    """X-5 (issue #13): ``klickit seed`` drops the secondary indexes while it loads; killed
    in between (SIGKILL: no clean-up runs) it left all of them dropped for good. The
    documented recovery, ``klickit db upgrade`` (any start through ``build_shop`` does the
    same), puts every one back."""
    _kill_mid_seed(seed_url)
    assert not INDEXES & _index_names(seed_url)  # the seed was killed mid-load
    assert main.main(["db", "upgrade", "--db", seed_url, "--locale", "en", "--plain"]) == 0
    head = migrations.head_revision()
    assert capsys.readouterr().out == f"The database is already at revision {head}.\n"
    assert _index_names(seed_url) >= INDEXES
