"""X-8: the ``klickit`` command line (demo in French and English, exit codes, JSON errors)
and X-2 (the story is told in both languages)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from klickit_core.catalogue.ports import ProductNotFoundError
from klickit_core.cli import database, demo, main
from klickit_core.cli.output import Output
from klickit_core.shared.i18n import translate
from klickit_core.shared.locales import UnsupportedLocaleError

FRENCH = [
    "1. Un visiteur arrive et parcourt le catalogue",
    "2. Produits récemment consultés",
    "3. Le panier",
    "4. Estimation des frais de livraison avant la commande",
    "5. Panier tarifé (prix TTC)",
    "6. Le panier voyage dans un cookie signé",
    "7. Un produit est épuisé avant le retour du visiteur",
    "8. Validation de commande : toutes les erreurs signalées d'un coup",
    "9. La commande est passée et payée via la passerelle de test",
    "10. Une commande annulée rend son stock",
]
ENGLISH = [
    "1. A visitor arrives and browses the catalogue",
    "2. Recently viewed products",
    "3. The cart",
    "4. Shipping estimate before checkout",
    "5. Priced cart (prices include VAT)",
    "6. The cart travels in a signed cookie",
    "7. A product sells out before the visitor comes back",
    "8. Checkout: every mistake reported at once",
    "9. The order is placed and paid through the sandbox gateway",
    "10. A cancelled order gives its stock back",
]


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich cuts titles wider than the terminal; give it room so titles stay whole."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize(
    ("argv", "titles", "other"),
    [
        (["demo", "--plain"], FRENCH, ENGLISH),
        (["demo", "--locale", "fr", "--plain"], FRENCH, ENGLISH),
        (["demo", "--locale", "en", "--plain"], ENGLISH, FRENCH),
        (["demo", "--locale", "en-GB", "--plain"], ENGLISH, FRENCH),
        (["demo", "--locale", "fr_FR", "--plain"], FRENCH, ENGLISH),
    ],
)
def test_plain_demo_prints_every_section(
    capsys: pytest.CaptureFixture[str], argv: list[str], titles: list[str], other: list[str]
) -> None:
    """X-8, X-2: ``klickit demo --plain`` exits 0 with the ten titles, in order, in the
    chosen language (French by default)."""
    assert main.main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    headings = [line for line in out.splitlines() if line.startswith("== ")]
    assert headings == [f"== {title} ==" for title in titles]
    assert not any(title in out for title in other[1:])


def test_plain_demo_tells_the_story_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8, X-1, CAT-3, CRT-1, CRT-3: French money formats, newest-first views, the stock
    refusal, the forged cookie and the sold-out poster; the priced cart names its shipping
    method (issue #16)."""
    assert main.main(["demo", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "MUG-BDX, LIVRE-CUISINE, THE-VERT-100" in out
    assert "14,90\xa0€" in out
    assert "Il ne reste que 2 en stock pour AFFICHE-A2." in out
    assert "AFFICHE-A2" in out.split("== 7.")[1]
    assert "klickit_cart=1." in out
    assert "Livraison (Colissimo domicile) : 13,95\xa0€ - Total : 107,04\xa0€" in out


def test_plain_demo_tells_the_story_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8, X-2: the same story in English with English number formats."""
    assert main.main(["demo", "--locale", "en", "--plain"]) == 0
    out = capsys.readouterr().out
    assert "€14.90" in out
    assert "Only 2 left in stock for AFFICHE-A2." in out
    assert "Refused" in out
    assert "Il ne reste" not in out


def test_the_demos_amounts_agree_from_step_to_step(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8 (issue #16), CRT-2, SES-2: the priced cart names its shipping method and
    price; the re-priced cart and the order placed after it show the same total, with the
    same method."""
    assert main.main(["demo", "--locale", "en", "--plain"]) == 0
    out = capsys.readouterr().out
    step = {int(part.split(".", 1)[0]): part for part in out.split("\n== ")[1:]}
    assert "Colissimo domicile  €13.95" in step[4]
    assert "Shipping (Colissimo domicile): €13.95 - Total: €107.04" in step[5]
    repriced = "Re-priced from the catalogue: €87.05 for 6 items, shipping (Colissimo domicile)"
    assert repriced in step[7]
    assert "Order KL-2026-000001: €87.05, Pending payment" in step[9]


def test_the_demo_shows_one_webhook_applied_and_one_ignored(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """X-8 (issue #16), PAY-3, PAY-4: the gateway's answer is lost, so the first webhook
    delivery is seen applying the payment and the second changes nothing; step 10 shows
    its order placed before it is cancelled."""
    assert main.main(["demo", "--locale", "en", "--plain"]) == 0
    out = capsys.readouterr().out
    step9, step10 = out.split("\n== 9. ")[1].split("\n== 10. ")
    assert "answer was lost (timeout): the order is still Pending payment." in step9
    assert (
        "Webhook delivery 1: payment applied, the order is now Processing (€87.05 paid)\n"
        "Webhook delivery 2: no change (already applied)\n"
    ) in step9
    lines = step10.splitlines()[1:]
    assert lines == [
        "Order KL-2026-000002: €87.05, Pending payment",
        "The shop cancels order KL-2026-000002: Cancelled.",
        "Mug stock while the order awaited payment: 21; after cancelling: 23",
    ]


@pytest.mark.parametrize(
    ("argv", "titles"),
    [(["demo"], FRENCH), (["demo", "--locale", "en"], ENGLISH)],
)
def test_rich_demo_prints_every_section(
    capsys: pytest.CaptureFixture[str], argv: list[str], titles: list[str]
) -> None:
    """X-8: with rich installed the default output shows the same titles as rules."""
    assert main.main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    positions = [out.find(title) for title in titles]
    assert -1 not in positions
    assert positions == sorted(positions)
    assert "== " not in out  # not the plain rendering
    assert "AFFICHE-A2" in out


def test_demo_leaves_the_poster_sold_out() -> None:
    """X-8, CRT-1, CHK-4: after the demo the poster's stock is 0; the mug sold 2 in the paid
    order, and the cancelled order's 2 came back; the catalogue is the demo's."""
    shop = demo.run_demo("en", Output(io.StringIO(), plain=True))
    with shop.unit_of_work() as uow:
        poster = uow.products.get("AFFICHE-A2")
        mug = uow.products.get("MUG-BDX")
        listed = uow.products.list(published_only=False)
        statuses = sorted(str(o.status) for o in uow.orders.list())
    assert poster is not None
    assert poster.stock == 0
    assert mug is not None
    assert mug.stock == 23
    assert statuses == ["cancelled", "processing"]
    assert [p.sku for p in listed] == sorted(p.sku for p in demo.DEMO_PRODUCTS)


def test_demo_output_goes_to_the_given_stream(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: run_demo writes to its Output, not to stdout."""
    stream = io.StringIO()
    demo.run_demo("fr", Output(stream, plain=True))
    assert capsys.readouterr().out == ""
    assert "== 3. Le panier ==" in stream.getvalue()


def test_an_unsupported_locale_is_refused() -> None:
    """X-2: run_demo takes the locale forms the library accepts, and refuses any other
    rather than guessing."""
    with pytest.raises(UnsupportedLocaleError):
        demo.run_demo("de_DE", Output(io.StringIO(), plain=True))


def test_klickit_error_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-8, X-9 (issue #16): a KlickitError in a command gives exit code 2 and one
    sentence on stderr, in the command's language (French by default), not JSON."""

    def failing(*_args: object, **_kwargs: object) -> None:
        raise ProductNotFoundError(sku="MUG-BDX")

    monkeypatch.setattr(demo, "run_demo", failing)
    assert main.main(["demo", "--plain"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == translate("Product {sku} was not found.", "fr").format(sku="MUG-BDX") + "\n"


def test_klickit_error_exits_2_with_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-8, X-9: with ``--json``, the error's JSON on stderr (its message in English)."""

    def failing(*_args: object, **_kwargs: object) -> None:
        raise ProductNotFoundError(sku="MUG-BDX")

    monkeypatch.setattr(database, "run_upgrade", failing)
    assert main.main(["db", "upgrade", "--db", "sqlite://", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    payload = json.loads(err)
    assert payload == {
        "code": "catalogue.product_not_found",
        "message": "Product MUG-BDX was not found.",
        "details": {"sku": "MUG-BDX"},
    }


def test_klickit_error_json_keeps_non_ascii(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X-8: the JSON is UTF-8 text, not \\u escapes."""

    def failing(*_args: object, **_kwargs: object) -> None:
        raise ProductNotFoundError(sku="THÉ-VERT")

    monkeypatch.setattr(database, "run_upgrade", failing)
    assert main.main(["db", "upgrade", "--db", "sqlite://", "--json"]) == 2
    err = capsys.readouterr().err
    assert "THÉ-VERT" in err
    assert "\\u" not in err
    assert json.loads(err)["details"] == {"sku": "THÉ-VERT"}


def test_broken_pipe_exits_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """X-8: ``klickit demo | head``: the reader left, exit 0, stderr closed."""
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)

    def failing(*_args: object, **_kwargs: object) -> None:
        raise BrokenPipeError

    monkeypatch.setattr(demo, "run_demo", failing)
    assert main.main(["demo", "--plain"]) == 0
    assert stderr.closed


def test_other_exceptions_are_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """X-8: a bug is not reported as a user error."""

    def failing(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(demo, "run_demo", failing)
    with pytest.raises(RuntimeError, match="bug"):
        main.main(["demo"])


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["demo", "--locale", "de"],
        ["demo", "--locale"],
        ["demo", "--unknown"],
        ["demo", "extra"],
    ],
)
def test_invalid_arguments_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """X-8: argparse refuses bad arguments with exit status 2 and one line that names the
    command and where its usage is (issue #16)."""
    with pytest.raises(SystemExit) as caught:
        main.main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("klickit")
    assert err.endswith(" --help)\n")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """X-8: ``--help`` lists the demo command."""
    with pytest.raises(SystemExit) as caught:
        main.main(["--help"])
    assert caught.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_parser_defaults() -> None:
    """X-8: rich output by default; no locale unless given (``main`` then takes the
    environment's, else French: tests/cli/test_cli_options.py)."""
    args = main.build_parser().parse_args(["demo"])
    assert (args.command, args.locale, args.plain) == ("demo", None, False)


def test_the_sweeps_default_batch_size_is_the_librarys() -> None:
    """PRV-2: ``klickit retention sweep`` batches as the service does by default (the
    parser writes the figure out so that ``klickit --help`` stays light to start)."""
    from klickit_core.cli.main import build_parser
    from klickit_core.privacy.sweep import DEFAULT_BATCH_SIZE

    args = build_parser().parse_args(["retention", "sweep", "--db", "sqlite:///x.db"])
    assert args.batch_size == DEFAULT_BATCH_SIZE
