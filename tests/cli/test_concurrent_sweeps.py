"""PRV-2, X-8: ``klickit retention sweep`` run by several real processes on one SQLite file
and one PostgreSQL schema (issue 12, item 7).

Each test seeds a shop with ``seed_shop`` (the same plan twice gives the same rows), sweeps
one copy with a single ``klickit retention sweep`` for the reference counts, and races
processes on the other copy. What must hold:

* a run that starts while another run of the job is at work exits with status 75 and one
  line on standard error saying so, and changes nothing;
* the counts of the runs that did run add up, per category, to the single sweep's;
* once a run has reported ``complete``, nothing due is left: a dry run finds nothing to
  delete or anonymise, and no payment of an anonymised order keeps its card details;
* a run killed with SIGKILL leaves the job free: the next run resumes it at once and ends
  with the single sweep's counts;
* on PostgreSQL, ``--workers 3`` gives the single sweep's counts.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from klickit_core.adapters.sql import SqlStore
from klickit_core.adapters.sql import tables as t
from klickit_core.adapters.sql.seed import SeedPlan, seed_shop
from klickit_core.bootstrap import default_privacy_registry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.privacy.sweep import run_sweep
from klickit_core.shared.actors import Actor
from klickit_core.shared.i18n import translate
from klickit_core.shared.serialisation import unstructure
from klickit_core.testing import SequentialIds
from klickit_core.testing.contracts.sql import postgres_schema_url, postgres_url_or_skip

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
PLAN = SeedPlan(orders=3_000, now=NOW, products=40, chunk=3_000)
#: Small batches: a run lasts long enough for the others to meet it.
BATCH = "20"
#: Seconds a test waits for a process, far above what it needs.
PATIENCE = 60
#: The documented exit status of a run refused because another is at work (docs/cli.md).
BUSY_STATUS = 75
BUSY_MESSAGE = (
    "A retention sweep of the job {job} is already running; try again when it has finished."
)

Url = str

#: The child: ``klickit``'s own entry point, with its modules imported before it waits for
#: a line on standard input, so that runs released together start together. With
#: ``KLICKIT_TEST_PAUSE`` set to a path, the run stops after its first committed batch:
#: it creates that file and waits for another line. The pause goes through the sweep's
#: public progress callback, so the run is the CLI's own, held at a known point instead
#: of caught by polling, which a fast machine outran (CI, exit 1 after 743 s).
_CHILD = """
import os, sys
import klickit_core.cli.main, klickit_core.cli.privacy, klickit_core.adapters.sql
from klickit_core.application.privacy import PrivacyService
pause = os.environ.get("KLICKIT_TEST_PAUSE")
if pause:
    sweep = PrivacyService.sweep

    def paused(self, *args, **options):
        told = options.get("on_progress")
        held = []

        def progress(step):
            if told is not None:
                told(step)
            if not held:
                held.append(step)
                open(pause, "x").close()
                sys.stdin.readline()

        options["on_progress"] = progress
        return sweep(self, *args, **options)

    PrivacyService.sweep = paused
sys.stdin.readline()
sys.exit(klickit_core.cli.main.main(sys.argv[1:]))
"""


# ---------------------------------------------------------------------------- stores
def _seeded(url: Url) -> Url:
    store = SqlStore.from_url(url)
    try:
        store.ensure_schema()
        seed_shop(store.engine, PLAN)
    finally:
        store.close()
    return url


def _argv(url: Url, *options: str) -> list[str]:
    argv = [sys.executable, "-c", _CHILD, "retention", "sweep", "--db", url]
    return [*argv, "--now", NOW.isoformat(), "--batch-size", BATCH, *options]


def _single(url: Url) -> dict[str, Any]:
    """The report of one ``klickit retention sweep --json`` on ``url``, alone."""
    done = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        _argv(url, "--json"),
        input="go\n",
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    data = report((done.returncode, done.stdout, done.stderr))
    assert data["complete"] is True
    assert data["totals"]["deleted"] > 500  # the races are about real work
    return data


@pytest.fixture(scope="module")
def sqlite_shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A seeded SQLite shop, and what a single sweep of a copy of it reports."""
    folder = tmp_path_factory.mktemp("race")
    template = folder / "template.db"
    _seeded(f"sqlite:///{template}")
    shutil.copyfile(template, folder / "reference.db")
    return template, _single(f"sqlite:///{folder / 'reference.db'}")


@pytest.fixture(scope="module")
def postgres_reference() -> Iterator[dict[str, Any]]:
    """What a single sweep of the seeded shop reports on PostgreSQL."""
    with postgres_schema_url(postgres_url_or_skip(), prefix="klickit_single") as url:
        yield _single(_seeded(url))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Url, dict[str, Any]]]:
    """A fresh copy of the seeded shop to race on, and the single sweep's report."""
    if request.param == "sqlite":
        template, expected = request.getfixturevalue("sqlite_shop")
        shutil.copyfile(template, tmp_path / "race.db")
        yield f"sqlite:///{tmp_path / 'race.db'}", expected
        return
    expected = request.getfixturevalue("postgres_reference")
    with postgres_schema_url(postgres_url_or_skip(), prefix="klickit_race") as url:
        yield _seeded(url), expected


# ---------------------------------------------------------------------------- processes
@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """``spawn(url, *options, pause=None)``: ``klickit retention sweep`` on ``url`` in a
    process of its own, ready and waiting for :func:`go`; with ``pause``, a path, the run
    holds after its first committed batch (see :func:`paused`) until :func:`go` again.
    Processes still alive at the end are killed."""
    started: list[subprocess.Popen[str]] = []

    def klickit(url: Url, *options: str, pause: Path | None = None) -> subprocess.Popen[str]:
        env = {**os.environ, "COLUMNS": "200"}
        if pause is not None:
            env["KLICKIT_TEST_PAUSE"] = str(pause)
        process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            _argv(url, *options),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        started.append(process)
        return process

    yield klickit
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


def go(*processes: subprocess.Popen[str]) -> None:
    """Let the waiting processes run, all at once."""
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()  # communicate() closes it


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=PATIENCE)
    return process.returncode, out, err


def report(outcome: tuple[int, str, str]) -> dict[str, Any]:
    code, out, err = outcome
    assert (code, err) == (0, ""), err
    data: dict[str, Any] = json.loads(out)
    return data


def changes(data: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Deleted and anonymised, per category."""
    return {item["category"]: (item["deleted"], item["anonymised"]) for item in data["categories"]}


def added(reports: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    total: dict[str, tuple[int, int]] = {}
    for data in reports:
        for category, (deleted, anonymised) in changes(data).items():
            before = total.get(category, (0, 0))
            total[category] = (before[0] + deleted, before[1] + anonymised)
    return total


def paused(marker: Path, process: subprocess.Popen[str], url: Url) -> None:
    """Wait until ``process`` holds after its first committed batch, and check that the
    run is then mid-way: its checkpoint is stored."""
    deadline = time.monotonic() + PATIENCE
    while not marker.exists():
        assert process.poll() is None, "the run ended before its first batch"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    store = SqlStore.from_url(url)
    try:
        with store.engine.connect() as connection:
            found = connection.execute(
                select(func.count()).select_from(t.privacy_sweep_checkpoints)
            ).scalar_one()
    finally:
        store.close()
    assert found == 1


def nothing_left(url: Url) -> None:
    """A dry run of the same job finds nothing to change, and no payment of an anonymised
    order keeps its card details (the issue's symptom)."""
    store = SqlStore.from_url(url)
    try:
        bound = default_privacy_registry().bind(RetentionSchedule.defaults())
        dry = run_sweep(
            bound,
            store.unit_of_work,
            Actor.system("retention-sweep"),
            now=NOW,
            ids=SequentialIds("check"),
            dry_run=True,
        )
        assert dry.complete
        assert {c: v for c, v in changes(unstructure(dry)).items() if v != (0, 0)} == {}
        carded = (
            select(func.count())
            .select_from(t.payments.join(t.orders, t.orders.c.id == t.payments.c.order_id))
            .where(t.orders.c.anonymised_at.is_not(None), t.payments.c.card_last4.is_not(None))
        )
        with store.engine.connect() as connection:
            assert connection.execute(carded).scalar_one() == 0
    finally:
        store.close()


def busy_line(outcome: tuple[int, str, str], *, as_json: bool) -> None:
    """The refusal: status 75, nothing on standard output, one line on standard error
    (the message in French, the default locale; with ``--json``, the error as JSON)."""
    code, out, err = outcome
    assert code == BUSY_STATUS
    assert out == ""
    message = BUSY_MESSAGE.format(job="retention-sweep")
    if as_json:
        assert err.count("\n") == 1
        assert json.loads(err) == {
            "code": "privacy.sweep_running",
            "message": message,
            "details": {"job": "retention-sweep"},
        }
    else:
        assert err == translate(BUSY_MESSAGE, "fr").format(job="retention-sweep") + "\n"


# ---------------------------------------------------------------------------- tests
Spawn = Callable[..., subprocess.Popen[str]]


def test_a_second_run_is_refused_while_the_first_works(
    shop: tuple[Url, dict[str, Any]], spawn: Spawn, tmp_path: Path
) -> None:
    """PRV-2, X-8: a run started while another is at work exits with status 75 and one
    line saying why, having changed nothing; the first run's counts are the single
    sweep's, and once it reports complete nothing due is left."""
    race, expected = shop
    marker = tmp_path / "first-batch"
    first, second = spawn(race, "--json", pause=marker), spawn(race, "--plain")
    go(first)
    paused(marker, first, race)
    go(second)
    busy_line(finish(second), as_json=False)
    go(first)
    done = report(finish(first))
    assert done["complete"] is True
    assert not done["resumed"]
    assert changes(done) == changes(expected)
    nothing_left(race)


def test_runs_started_together_add_up_to_one_sweep(
    shop: tuple[Url, dict[str, Any]], spawn: Spawn
) -> None:
    """PRV-2: four runs released at once: each either runs or is refused with the
    documented status and line; together the runs that ran changed exactly what one sweep
    changes, per category, and nothing due is left after any run reporting complete."""
    race, expected = shop
    processes = [spawn(race, "--json") for _ in range(4)]
    go(*processes)
    outcomes = [finish(process) for process in processes]
    ran = [report(outcome) for outcome in outcomes if outcome[0] == 0]
    for outcome in outcomes:
        if outcome[0] != 0:
            busy_line(outcome, as_json=True)
    assert 1 <= len(ran) < len(outcomes)  # they met: at least one was refused
    assert all(data["complete"] for data in ran)
    assert added(ran) == changes(expected)
    nothing_left(race)


def test_a_killed_run_leaves_the_job_free_and_is_resumed(
    shop: tuple[Url, dict[str, Any]], spawn: Spawn, tmp_path: Path
) -> None:
    """PRV-2: SIGKILL in the middle of a run (no clean-up runs) does not keep the job
    claimed: the next run starts at once, resumes the killed one and reports the single
    sweep's counts, carried over the crash."""
    race, expected = shop
    marker = tmp_path / "first-batch"
    victim, successor = spawn(race, "--json", pause=marker), spawn(race, "--json")
    go(victim)
    paused(marker, victim, race)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=PATIENCE)
    go(successor)
    resumed = report(finish(successor))
    assert resumed["resumed"] is True
    assert resumed["complete"] is True
    assert changes(resumed) == changes(expected)
    nothing_left(race)


@pytest.mark.postgres
def test_workers_on_postgres_give_one_sweeps_counts(
    postgres_reference: dict[str, Any], spawn: Spawn
) -> None:
    """PRV-2: ``--workers 3`` on PostgreSQL sweeps categories at once and reports, per
    category, exactly what a single run reports."""
    with postgres_schema_url(postgres_url_or_skip(), prefix="klickit_workers") as race:
        _seeded(race)
        parallel = spawn(race, "--json", "--workers", "3")
        go(parallel)
        data = report(finish(parallel))
        assert data["complete"] is True
        assert data["categories"] == postgres_reference["categories"]
        assert data["totals"] == postgres_reference["totals"]
        nothing_left(race)
