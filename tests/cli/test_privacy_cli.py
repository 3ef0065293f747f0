"""X-8, PRV-2, PRV-3, PRV-4, PRV-6: ``klickit retention sweep`` and ``klickit privacy …``
on a SQLite database seeded by ``klickit seed``, with ``--json`` output parsed."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select

from klickit_core.adapters.sql import migrations
from klickit_core.adapters.sql.tables import access_log, customers, metadata, orders
from klickit_core.cli import main
from klickit_core.cli.privacy import ERASURE_KEY_VARIABLE, operator_actor
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.actors import Permission, Role

KEY = "une clé de registre d'effacement pour les tests de la ligne de commande"
NOW = "2026-11-24T09:00:00+00:00"


def _migrations_are_current(tmp: Path) -> bool:
    """Whether the shipped migration builds every table and column of ``tables.py``."""
    engine = create_engine(f"sqlite:///{tmp / 'probe.db'}")
    try:
        migrations.upgrade(engine)
        found = inspect(engine)
        return all(
            name in found.get_table_names()
            and {c["name"] for c in found.get_columns(name)} == set(table.columns.keys())
            for name, table in metadata.tables.items()
        )
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """While the shipped migration lags behind ``tables.py`` (it is regenerated when a
    release is cut), build the schema from the tables instead, so these tests exercise
    the commands rather than the migration."""
    if _migrations_are_current(tmp_path_factory.mktemp("probe")):
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            migrations, "upgrade", lambda engine, revision="head": metadata.create_all(engine)
        )
        yield


@pytest.fixture(scope="module")
def seeded(schema: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shop of 80 orders made by ``klickit seed``, copied for each test."""
    path = tmp_path_factory.mktemp("seeded") / "shop.db"
    assert main.main(["seed", "--db", f"sqlite:///{path}", "--orders", "80", "--plain"]) == 0
    return path


@pytest.fixture
def db(seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    copy = tmp_path / "shop.db"
    shutil.copyfile(seeded, copy)
    capsys.readouterr()
    return f"sqlite:///{copy}"


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ERASURE_KEY_VARIABLE, raising=False)
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def _rows(url: str, statement: Any) -> list[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement))
    finally:
        engine.dispose()


def a_customer(url: str) -> tuple[str, str]:
    """The email and id of the seeded customer with the most orders."""
    rows = _rows(url, select(orders.c.customer_id, orders.c.contact_email))
    counts: dict[tuple[str, str], int] = {}
    for customer_id, email in rows:
        if customer_id is not None:
            counts[(email, customer_id)] = counts.get((email, customer_id), 0) + 1
    return max(counts, key=lambda pair: (counts[pair], pair))


# ---------------------------------------------------------------------------- sweep
def test_sweep_dry_run_then_real_then_nothing_left(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRV-2, X-8: a dry run reports per category and changes nothing; the real run does
    at least that work; a second run with the same instant finds nothing."""
    dry = run_json(capsys, "retention", "sweep", "--db", db, "--now", NOW, "--dry-run")
    assert dry["dry_run"] is True
    assert dry["complete"] is True
    by_category = {item["category"]: item for item in dry["categories"]}
    assert {"orders.completed", "sessions.visitor", "privacy.export_bundles"} <= set(by_category)
    for item in dry["categories"]:
        kept = sum(reason["count"] for reason in item["kept"])
        assert item["examined"] == item["deleted"] + item["anonymised"] + kept
    assert dry["totals"]["examined"] > 0

    second_dry = run_json(capsys, "retention", "sweep", "--db", db, "--now", NOW, "--dry-run")
    assert second_dry["categories"] == dry["categories"]  # the dry run changed nothing

    real = run_json(capsys, "retention", "sweep", "--db", db, "--now", NOW, "--batch-size", "7")
    # A real run may find a little more than the dry one: an account it deletes makes its
    # author's reviews due for anonymisation later in the same run.
    for total in ("examined", "deleted", "anonymised"):
        assert real["totals"][total] >= dry["totals"][total]
    assert real["batches"] > len(real["categories"])  # small batches: several per category
    again = run_json(capsys, "retention", "sweep", "--db", db, "--now", NOW)
    assert again["totals"]["deleted"] == again["totals"]["anonymised"] == 0


def test_sweep_prints_a_table_with_progress(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: without --json, a progress line per category (plain) and the report table."""
    code, out, err = run(
        capsys, "retention", "sweep", "--db", db, "--now", NOW, "--plain", "--locale", "en",
        "--dry-run",
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Categories swept: 18/18" in out or "Categories swept:" in out
    assert "Dry run: nothing was deleted or anonymised." in out
    assert "orders.completed" in out
    assert "Examined" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["retention", "sweep", "--db", "sqlite://", "--now", "yesterday"],
        ["retention", "sweep", "--db", "sqlite://", "--batch-size", "0"],
        ["retention", "sweep"],
        ["privacy", "erase", "--db", "sqlite://"],
    ],
)
def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """X-8: argparse refuses bad values with exit status 2 and one line naming the
    command whose help tells more (issue #16)."""
    with pytest.raises(SystemExit) as caught:
        main.main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"klickit {argv[0]} {argv[1]}: ")
    assert err.endswith(f"(see klickit {argv[0]} {argv[1]} --help)\n")


# ---------------------------------------------------------------------------- export
def test_export_writes_the_html_file_and_logs_the_operator(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRV-3, X-6, issue #19 item 9: by default (the shop setting's default) the person's
    data as the one HTML file a request delivers, its JSON inside, named after the
    export's reference (never the person); the operator's read is in the access log."""
    email, customer_id = a_customer(db)
    report = run_json(
        capsys, "privacy", "export", "--db", db, "--email", email, "--out", str(tmp_path / "out"),
        "--operator", "Lea Martin",
    )  # fmt: skip
    html = Path(report["file"])
    assert html.parent == tmp_path / "out"
    assert sorted(path.name for path in html.parent.iterdir()) == [html.name]
    assert html.name == f"klickit-export-{report['reference']}.html"
    assert email not in html.name
    assert (report["format"], report["content_type"]) == ("html", "text/html; charset=utf-8")
    assert PrivacySettings().export_format == report["format"]
    assert report["records"] > 0
    page = html.read_text(encoding="utf-8")
    start = page.index('<script type="application/json" id="export-data">')
    block = page[page.index(">", start) + 1 : page.index("</script>", start)]
    bundle = json.loads(block)
    assert bundle["subject"] == {"email": email, "customer_id": customer_id}
    assert email in page
    operator = "system:operator:lea-martin"
    logged = _rows(db, select(access_log).where(access_log.c.actor_id == operator))
    assert [(row.action, row.subject, row.actor_role) for row in logged] == [
        ("privacy.export", customer_id, "system")
    ]


def test_export_names_the_shop_and_its_staff_never_the_operator(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRV-3, X-6, issue #16: ``--shop-name`` names the shop in the file and
    ``--staff-name`` its staff where the file lists a staff read; the operator's login
    (``--operator``, the login name by default) stays in the shop's access log and is
    nowhere in the person's file, its JSON included; the file shows the order numbers,
    never the seeded ids (``ord…``, ``cust…``)."""
    email, customer_id = a_customer(db)
    argv = ["privacy", "export", "--db", db, "--email", email, "--out", str(tmp_path / "out"),
            "--operator", "unix-login-xyz", "--shop-name", "Boutique Lilas",
            "--staff-name", "Service client Lilas"]  # fmt: skip
    run_json(capsys, *argv)
    second = Path(run_json(capsys, *argv)["file"])  # lists the first export's read
    page = second.read_text(encoding="utf-8")
    assert "unix-login-xyz" not in page
    assert "<title>Vos données personnelles — Boutique Lilas</title>" in page
    shown = page[: page.index('<script type="application/json"')]
    assert ">Service client Lilas</td>" in shown
    assert customer_id not in re.sub(r'data-value="[^"]*"', "", shown)
    assert re.search(r">[^<]*\bord0", shown) is None
    assert re.search(r">KL-\d{4}-\d{6}<", shown) is not None
    logged = _rows(db, select(access_log).where(access_log.c.actor_id.like("%unix-login-xyz")))
    assert len(logged) == 2
    args = main.build_parser().parse_args(["privacy", "export", *argv[2:]])
    assert (args.shop_name, args.staff_name) == ("Boutique Lilas", "Service client Lilas")


@pytest.mark.parametrize("option", ["--shop-name", "--staff-name"])
def test_a_blank_shop_or_staff_name_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """X-8, issue #16: a blank name is refused before anything is read (exit status 2)."""
    argv = ["privacy", "export", "--db", "sqlite:///nowhere.db", "--email", "a@example.fr",
            "--out", str(tmp_path / "out"), option, "  "]  # fmt: skip
    with pytest.raises(SystemExit) as exited:
        main.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert option in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_export_as_zip_writes_the_archive(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PRV-3, issue #19 item 9: ``--format zip`` writes the ZIP a request would deliver:
    the HTML page and the JSON file; the plain output names the one file written."""
    email, customer_id = a_customer(db)
    out = tmp_path / "out"
    report = run_json(
        capsys, "privacy", "export", "--db", db, "--email", email, "--out", str(out),
        "--format", "zip",
    )  # fmt: skip
    archive_path = Path(report["file"])
    assert (archive_path.suffix, report["format"]) == (".zip", "zip")
    assert report["content_type"] == "application/zip"
    with zipfile.ZipFile(archive_path) as archive:
        assert sorted(archive.namelist()) == [
            "donnees-personnelles.html",
            "donnees-personnelles.json",
        ]
        bundle = json.loads(archive.read("donnees-personnelles.json"))
    assert bundle["subject"] == {"email": email, "customer_id": customer_id}
    code, text, err = run(
        capsys, "privacy", "export", "--db", db, "--email", email, "--out", str(out), "--plain"
    )
    assert (code, err) == (0, "")
    (written,) = [line for line in text.splitlines() if line.endswith(".html")]
    assert Path(written).parent == out
    assert len(list(out.iterdir())) == 2


def test_an_unknown_export_format_is_a_usage_error(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """X-8: ``--format`` is ``html`` or ``zip``; anything else is a usage error (exit
    status 2, naming the value), and nothing is written."""
    out = tmp_path / "out"
    argv = ["privacy", "export", "--db", db, "--email", "a@example.fr", "--out", str(out),
            "--format", "pdf"]  # fmt: skip
    with pytest.raises(SystemExit) as exited:  # as argparse does: ``main`` documents it
        main.main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "'pdf'" in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()
    args = main.build_parser().parse_args(
        ["privacy", "export", "--db", db, "--email", "a@example.fr", "--out", "o"]
    )
    assert args.export_format is None  # the shop's setting decides


def test_operator_names_are_identifiers() -> None:
    """X-6: the operator's name becomes a clean id for the logs."""
    assert operator_actor("  Léa MARTIN ").id == "system:operator:l-a-martin"
    assert operator_actor("").id == "system:operator:unknown"
    assert operator_actor().id.startswith("system:operator:")


@pytest.mark.parametrize("name", ["administrator", "admin-1", "Role.ADMINISTRATOR", ""])
def test_the_operator_name_grants_nothing(name: str) -> None:
    """X-6, SEC-5 (issue #18, finding 11): whatever ``--operator`` says, the CLI acts as a
    system job; the name is a label for the logs, never a role."""
    actor = operator_actor(name)
    assert (actor.role, actor.customer_id, actor.is_staff) == (Role.SYSTEM, None, False)
    assert not actor.can(Permission.READ_CUSTOMERS)


def test_a_bad_email_is_a_json_error_exit_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    """X-8, X-9: a KlickitError prints its JSON on stderr and exits 2."""
    code, out, err = run(
        capsys, "privacy", "export", "--db", db, "--email", "nope", "--out", "out", "--json"
    )
    assert (code, out) == (2, "")
    assert json.loads(err)["code"] == "klickit.validation"


# ---------------------------------------------------------------------------- erasure
def test_erase_needs_the_key_except_for_a_dry_run(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """PRV-4, PRV-6: without the ledger key the erasure is refused (exit 2, JSON error)
    and nothing changes; a dry run needs none; with the key it erases and reports what
    was kept, why and until when."""
    email, customer_id = a_customer(db)
    code, out, err = run(capsys, "privacy", "erase", "--db", db, "--email", email, "--json")
    assert (code, out) == (2, "")
    assert json.loads(err)["code"] == "privacy.invalid_erasure_key"
    dry = run_json(capsys, "privacy", "erase", "--db", db, "--email", email, "--dry-run")
    assert dry["dry_run"] is True
    assert _rows(db, select(customers.c.id).where(customers.c.id == customer_id))

    key_file = tmp_path / "erasure.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    report = run_json(
        capsys, "privacy", "erase", "--db", db, "--email", email, "--key-file", str(key_file)
    )
    assert report["deleted"] == dry["deleted"]
    assert report["anonymised"] == dry["anonymised"]
    assert not _rows(db, select(customers.c.id).where(customers.c.id == customer_id))
    kept = [k for c in report["categories"] for k in c["kept"]]
    assert all(k["keep_until"] and k["legal_basis"] for k in kept)

    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)
    again = run_json(capsys, "privacy", "erase", "--db", db, "--email", email)
    assert (again["deleted"], again["anonymised"]) == (0, 0)


def test_reapply_after_restoring_an_older_copy(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """PRV-6, BAK-1: erase → export the ledger → restore the copy taken before → re-apply
    with the ledger file: the person is erased again. Without the key: refused."""
    email, customer_id = a_customer(db)
    path = Path(db.removeprefix("sqlite:///"))
    backup = tmp_path / "backup.db"
    shutil.copyfile(path, backup)
    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)
    run_json(capsys, "privacy", "erase", "--db", db, "--email", email)
    ledger = tmp_path / "ledger.jsonl"
    exported = run_json(capsys, "privacy", "export-ledger", "--db", db, "--out", str(ledger))
    assert exported["entries"] == 1
    assert email not in ledger.read_text(encoding="utf-8")

    shutil.copyfile(backup, path)  # the restore
    assert _rows(db, select(customers.c.id).where(customers.c.id == customer_id))
    monkeypatch.delenv(ERASURE_KEY_VARIABLE)
    code, _out, err = run(capsys, "privacy", "reapply-erasures", "--db", db, "--json")
    assert code == 2
    assert json.loads(err)["details"]["reason"] == "missing"

    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)
    report = run_json(
        capsys, "privacy", "reapply-erasures", "--db", db, "--ledger-from", str(ledger)
    )
    assert (report["imported"], report["matched"], report["erased"]) == (1, 1, 1)
    assert report["examined"] > 1
    assert not _rows(db, select(customers.c.id).where(customers.c.id == customer_id))
    assert email not in json.dumps(report)

    code, out, err = run(
        capsys, "privacy", "reapply-erasures", "--db", db, "--plain", "--locale", "en"
    )
    assert (code, err) == (0, "")
    assert "1 named by the ledger: 0 erased again, 1 already erased" in out


def test_a_missing_ledger_file_is_a_json_error(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """X-9: an unreadable ledger file is a typed error (exit 2), nothing re-applied."""
    monkeypatch.setenv(ERASURE_KEY_VARIABLE, KEY)
    code, _out, err = run(
        capsys, "privacy", "reapply-erasures", "--db", db, "--ledger-from",
        str(tmp_path / "missing.jsonl"), "--json",
    )  # fmt: skip
    assert code == 2
    assert json.loads(err)["code"] == "cli.cannot_read"
