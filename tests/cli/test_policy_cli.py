"""PRV-7, PRV-8, X-8: ``klickit privacy register``, ``notice`` and ``check`` on policy
configuration files: outputs, exit statuses (0, 1 for a check with items missing, 2 for a
file that cannot be used) and one line on standard error, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from klickit_core.bootstrap import default_privacy_registry
from klickit_core.cli import main
from klickit_core.policy import load_policy
from klickit_core.policy.completeness import missing_items

ROOT = Path(__file__).resolve().parents[2]
KLICKIT_TOML = ROOT / "examples" / "policy" / "klickit.toml"
PUBLISHED_TOML = ROOT / "tests" / "policy" / "data" / "klickit-published.toml"


def _published_gaps() -> int:
    """How many items the published text lacks, by the library's own check (30 before
    issue #19 named more categories; tests/policy/test_completeness.py lists them)."""
    config = load_policy(PUBLISHED_TOML)
    count = len(missing_items(config, default_privacy_registry().bind(config.schedule())))
    assert count >= 30
    return count


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _error(err: str) -> dict[str, Any]:
    """The one line a failed command run with ``--json`` writes on standard error, read
    as JSON (without ``--json`` the line is a sentence: tests/cli/test_bad_input.py)."""
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    data: dict[str, Any] = json.loads(err)
    return data


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    """Klickit's configuration with one piece of text replaced."""
    text = KLICKIT_TOML.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "variant.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------- register
def test_register_writes_html_and_json_and_prints_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """PRV-7: ``--out DIR`` writes register.html and register.json (15 sheets) and prints a
    one-line summary."""
    folder = tmp_path / "register"
    code, out, err = run(
        capsys,
        "privacy",
        "register",
        "--config",
        str(KLICKIT_TOML),
        "--out",
        str(folder),
        "--plain",
    )
    assert (code, err) == (0, "")
    html_path, json_path = folder / "register.html", folder / "register.json"
    assert out == f"15 fiches de traitement écrites dans {html_path} et {json_path}.\n"
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert [sheet["id"] for sheet in document["sheets"]][:3] == [
        "orders",
        "payments",
        "fraud_prevention",
    ]
    assert len(document["sheets"]) == 15
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert html.count('<section class="sheet"') == 15


def test_register_json_on_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-7: ``--json`` prints the register's JSON only, in the chosen language."""
    code, out, err = run(
        capsys, "privacy", "register", "--config", str(KLICKIT_TOML), "--json", "--locale", "en"
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["locale"] == "en"
    orders = document["sheets"][0]
    completed = next(i for i in orders["retention"] if i["category"] == "orders.completed")
    assert (completed["period"], completed["period_iso"]) == ("10 years", "P10Y")


def test_register_json_summary_with_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """PRV-7: ``--json --out DIR`` writes the files and prints where, as JSON."""
    code, out, err = run(
        capsys,
        "privacy",
        "register",
        "--config",
        str(KLICKIT_TOML),
        "--out",
        str(tmp_path),
        "--json",
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "sheets": 15,
        "html": str(tmp_path / "register.html"),
        "json": str(tmp_path / "register.json"),
    }


def test_register_html_on_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-7: without ``--out`` nor ``--json`` the HTML page goes to standard output."""
    code, out, err = run(capsys, "privacy", "register", "--config", str(KLICKIT_TOML))
    assert (code, err) == (0, "")
    assert out.startswith('<!DOCTYPE html>\n<html lang="fr">')
    assert out.endswith("</html>\n")
    assert "Registre des activités de traitement" in out


def test_register_follows_a_period_changed_in_the_configuration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """PRV-7: the shop the command builds runs on the configuration's schedule, so twelve
    years in the file are twelve years in the register."""
    path = _variant(tmp_path, '"orders.completed" = "P10Y"', '"orders.completed" = "P12Y"')
    code, out, err = run(capsys, "privacy", "register", "--config", str(path), "--json")
    assert (code, err) == (0, "")
    orders = json.loads(out)["sheets"][0]
    completed = next(i for i in orders["retention"] if i["category"] == "orders.completed")
    assert (completed["period"], completed["period_iso"]) == ("12 ans", "P12Y")


def test_register_of_an_incomplete_configuration_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PRV-7: the published text's configuration gives no register: exit 2, the missing
    items on one line."""
    code, out, err = run(capsys, "privacy", "register", "--config", str(PUBLISHED_TOML), "--json")
    assert (code, out) == (2, "")
    error = _error(err)
    assert error["code"] == "policy.incomplete"
    assert "controller_identity" in error["details"]["items"].split(", ")


# ---------------------------------------------------------------------------- notice
@pytest.mark.parametrize(
    ("fmt", "locale", "start", "expected"),
    [
        ("html", "fr", "<!DOCTYPE html>", "Politique de confidentialité"),
        ("md", "en", "# Privacy notice", "Klickit SAS"),
    ],
)
def test_notice_on_standard_output(
    capsys: pytest.CaptureFixture[str], fmt: str, locale: str, start: str, expected: str
) -> None:
    """PRV-8: the notice as HTML or Markdown, in the chosen language."""
    code, out, err = run(
        capsys,
        "privacy",
        "notice",
        "--config",
        str(KLICKIT_TOML),
        "--format",
        fmt,
        "--locale",
        locale,
    )
    assert (code, err) == (0, "")
    assert out.startswith(start)
    assert expected in out


def test_notice_written_to_a_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """PRV-8: ``--out FILE`` writes the notice and prints one line."""
    path = tmp_path / "notice.md"
    code, out, err = run(
        capsys,
        "privacy",
        "notice",
        "--config",
        str(KLICKIT_TOML),
        "--format",
        "md",
        "--out",
        str(path),
        "--locale",
        "en",
        "--plain",
    )
    assert (code, err) == (0, "")
    assert out == f"Privacy notice written to {path}.\n"
    assert path.read_text(encoding="utf-8").startswith("# Privacy notice")


def test_notice_of_an_incomplete_configuration_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PRV-8: no notice from the published text's configuration (exit 2, one line)."""
    code, out, err = run(capsys, "privacy", "notice", "--config", str(PUBLISHED_TOML), "--json")
    assert (code, out) == (2, "")
    assert _error(err)["code"] == "policy.incomplete"


def test_notice_format_is_checked_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: an unknown format is a usage error (exit 2), before any file is read."""
    with pytest.raises(SystemExit) as caught:
        main.main(["privacy", "notice", "--config", str(KLICKIT_TOML), "--format", "pdf"])
    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


# ---------------------------------------------------------------------------- check
def test_check_of_the_published_text_exits_1_and_lists_the_items(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """PRV-8: the published text's configuration lacks items: exit 1, one line per item
    with its article, and the categories no purpose covers."""
    code, out, err = run(capsys, "privacy", "check", "--config", str(PUBLISHED_TOML), "--plain")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    gaps = _published_gaps()
    assert lines[0] == f"Il manque {gaps} éléments à la configuration de la politique :"
    assert lines[1] == (
        "- controller_identity: L’identité et les coordonnées du responsable du traitement "
        "(art. 13(1)(a))"
    )
    items = [line[2:].split(": ", 1)[0] for line in lines[1:] if line.startswith("- ")]
    assert len(items) == gaps
    assert {"privacy_contact", "transfers", "right:portability", "complaint"} <= set(items)
    assert "retention:orders.cancelled_after_payment" in items  # issue #19
    assert "retention:sessions.visitor" in "\n".join(lines)
    assert lines[-1].startswith("Catégories de données qu’aucune finalité ne couvre : ")
    assert "staff.access_log" in lines[-1]


def test_check_json_of_the_published_text(capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-8: ``--json``: ``complete`` false, each item with its article and message."""
    code, out, err = run(
        capsys, "privacy", "check", "--config", str(PUBLISHED_TOML), "--json", "--locale", "en"
    )
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert report["complete"] is False
    assert report["missing"][0] == {
        "item": "controller_identity",
        "article": "13(1)(a)",
        "message": "The controller's identity and contact details (art. 13(1)(a))",
    }
    assert len(report["missing"]) == _published_gaps()
    assert "consents.ledger" in report["uncovered_categories"]


def test_check_of_a_complete_configuration_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """PRV-8: Klickit's configuration gives every item: exit 0."""
    code, out, err = run(capsys, "privacy", "check", "--config", str(KLICKIT_TOML), "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {"complete": True, "missing": [], "uncovered_categories": []}
    code, out, err = run(
        capsys, "privacy", "check", "--config", str(KLICKIT_TOML), "--plain", "--locale", "en"
    )
    assert (code, err) == (0, "")
    assert out == "The policy configuration gives every item GDPR art. 13 requires.\n"


def test_check_refuses_an_inconsistent_configuration(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """PRV-8: a category nobody declares is an invalid configuration (exit 2), not an item."""
    path = _variant(
        tmp_path,
        'categories = ["reviews.authors", "reviews.published"]',
        'categories = ["reviews.nowhere", "reviews.published"]',
    )
    code, out, err = run(capsys, "privacy", "check", "--config", str(path), "--json")
    assert (code, out) == (2, "")
    error = _error(err)
    assert error["code"] == "policy.invalid_config"
    assert [(e["field"], e["code"]) for e in error["errors"]] == [
        ("purposes.reviews.categories.0", "policy.unknown_category")
    ]


# ---------------------------------------------------------------------------- bad files
JOBS = [
    ["privacy", "register"],
    ["privacy", "notice"],
    ["privacy", "check"],
]


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job[1])
def test_a_missing_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, job: list[str]
) -> None:
    """X-8, X-9 (issue #16): a configuration that cannot be read (missing, a folder): exit
    2, one line naming the path and why."""
    for path, reason in ((tmp_path / "nowhere.toml", "no_such_file"), (tmp_path, "is_a_folder")):
        code, out, err = run(capsys, *job, "--config", str(path), "--json")
        assert (code, out) == (2, "")
        error = _error(err)
        assert error["code"] == "cli.cannot_read"
        assert error["details"] == {"what": "policy", "path": str(path), "reason": reason}
        assert error["message"].startswith(f"Could not read {path}: ")


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job[1])
def test_a_file_that_is_not_toml_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, job: list[str]
) -> None:
    """X-8: invalid TOML: exit 2, ``policy.not_toml`` on one line."""
    path = tmp_path / "broken.toml"
    path.write_text('created = 2024-01-15\n[controller\nname = "x"\n', encoding="utf-8")
    code, out, err = run(capsys, *job, "--config", str(path), "--json")
    assert (code, out) == (2, "")
    error = _error(err)
    assert error["code"] == "policy.invalid_config"
    assert [e["code"] for e in error["errors"]] == ["policy.not_toml"]


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job[1])
def test_an_invalid_field_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, job: list[str]
) -> None:
    """X-8: a wrong value (an unknown right, a period below the legal minimum): exit 2,
    every problem named by its path on one line."""
    path = _variant(tmp_path, '"orders.completed" = "P10Y"', '"orders.completed" = "P2Y"')
    text = path.read_text(encoding="utf-8").replace('"access",', '"telepathy",', 1)
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, *job, "--config", str(path), "--json")
    assert (code, out) == (2, "")
    error = _error(err)
    assert error["code"] == "policy.invalid_config"
    assert sorted((e["field"], e["code"]) for e in error["errors"]) == [
        ("retention.orders.completed", "retention.below_minimum"),
        ("rights.0", "policy.unknown_value"),
    ]


def test_config_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: ``--config`` is required (usage error, exit 2)."""
    with pytest.raises(SystemExit) as caught:
        main.main(["privacy", "check"])
    assert caught.value.code == 2
    assert "--config" in capsys.readouterr().err
