"""X-8: terminal output, plain text (works without the ``cli`` extra) and rich."""

from __future__ import annotations

import io

import pytest

from klickit_core.cli.output import Output


def plain() -> tuple[Output, io.StringIO]:
    stream = io.StringIO()
    return Output(stream, plain=True), stream


def test_plain_table_pads_every_column_to_its_widest_cell() -> None:
    """X-8: columns are left-aligned, two spaces apart, as wide as their widest cell; the
    last one is not padded (issue #16: no trailing blanks)."""
    out, stream = plain()
    out.table(["SKU", "Name", "Price"], [["A", "Mug", "14,90 €"], ["LONG-SKU", "Thé", "8 €"]])
    assert stream.getvalue().splitlines() == [
        "SKU       Name  Price",
        "A         Mug   14,90 €",
        "LONG-SKU  Thé   8 €",
    ]


def test_plain_table_with_headers_only() -> None:
    """X-8: an empty table still shows its headers."""
    out, stream = plain()
    out.table(["Method", "Price"], [])
    assert stream.getvalue() == "Method  Price\n"


def test_plain_table_cells_are_converted_to_text() -> None:
    """X-8: non-string cells are printed with str()."""
    out, stream = plain()
    out.table(["n", "ok"], [[10, True]])  # type: ignore[list-item]
    assert stream.getvalue().splitlines() == ["n   ok", "10  True"]


def test_plain_table_refuses_ragged_rows() -> None:
    """X-8: a row with a missing cell is a programming error, not a silent misalignment."""
    out, _ = plain()
    with pytest.raises(ValueError, match="zip"):
        out.table(["a", "b"], [["only one"]])


def test_plain_heading_and_lines() -> None:
    """X-8: headings are ``== title ==`` after a blank line; lines are printed as given."""
    out, stream = plain()
    out.heading("1. Le panier")
    out.line("[bold]not markup[/bold]")
    out.line()
    assert stream.getvalue() == "\n== 1. Le panier ==\n[bold]not markup[/bold]\n\n"


def test_rich_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """X-8: with rich, the same content as a rule and a boxed table; markup in lines is not
    interpreted."""
    monkeypatch.setenv("COLUMNS", "120")
    stream = io.StringIO()
    out = Output(stream, plain=False)
    out.heading("1. Le panier")
    out.line("[bold]kept as typed[/bold]")
    out.table(["SKU", "Prix"], [["MUG-BDX", "14,90 €"]])
    text = stream.getvalue()
    assert "1. Le panier" in text
    assert "== " not in text
    assert "[bold]kept as typed[/bold]" in text
    assert "MUG-BDX" in text
    assert "14,90 €" in text
    assert "│" in text or "|" in text


def test_default_output_uses_rich_when_installed() -> None:
    """X-8: without ``plain`` the output picks rich when it is importable."""
    stream = io.StringIO()
    Output(stream).table(["A"], [["x"]])
    assert "┃" in stream.getvalue() or "|" in stream.getvalue()
