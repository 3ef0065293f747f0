"""Terminal output: rich tables when the ``cli`` extra is installed, plain text otherwise.

The CLI must work on a bare ``pip install klickit-core`` too, so rich is optional.

Output that does not go to a terminal (a pipe, a log file, a cron job's mail) has no width
to fit: rich would lay tables out at 80 columns (or ``$COLUMNS``) and wrap or cut their
cells, so there a table is drawn at its natural width instead, every cell whole (issue
#16). Plain tables pad every column but the last, so a long last cell never pads the
other rows out to its length.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["Output"]

#: The width a table is measured in when nothing bounds it (output that is not a terminal).
_UNBOUNDED = 1_000_000


class Output:
    """Writes headings, lines and tables to a stream."""

    def __init__(self, stream: TextIO | None = None, *, plain: bool | None = None) -> None:
        self._stream = stream or sys.stdout
        use_rich = importlib.util.find_spec("rich") is not None if plain is None else not plain
        self._console = None
        if use_rich:
            from rich.console import Console  # noqa: PLC0415 - optional dependency

            self._console = Console(file=self._stream, highlight=False, soft_wrap=True)

    def heading(self, text: str) -> None:
        """A section title."""
        if self._console is not None:
            self._console.rule(f"[bold]{text}")
        else:
            print(f"\n== {text} ==", file=self._stream)

    def line(self, text: str = "") -> None:
        """A line of text (no markup interpretation)."""
        if self._console is not None:
            self._console.print(text, markup=False)
        else:
            print(text, file=self._stream)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table; numbers are right-aligned by the caller's formatting."""
        if self._console is not None:
            from rich.table import Table  # noqa: PLC0415 - optional dependency

            table = Table(*headers)
            for row in rows:
                table.add_row(*row)
            self._print_table(self._console, table)
            return
        widths = [
            max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)
        ]
        if widths:
            widths[-1] = 0  # the last column is not padded: no trailing blanks on any row
        for row in (headers, *rows):
            print(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)),
                file=self._stream,
            )

    def _print_table(self, console: Console, table: Table) -> None:
        """At a terminal, rich fits the table to its width; elsewhere it is printed at its
        natural width, on a console of that width, so no cell is wrapped or cut."""
        if console.is_terminal:
            console.print(table)
            return
        from rich.console import Console  # noqa: PLC0415 - optional dependency
        from rich.measure import Measurement  # noqa: PLC0415

        natural = Measurement.get(console, console.options.update_width(_UNBOUNDED), table)
        wide = Console(file=self._stream, width=natural.maximum, highlight=False, soft_wrap=True)
        wide.print(table)

    @contextmanager
    def progress(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        """A progress bar for a long job: the block gets ``advance_to(done)``.

        rich draws a live bar on a terminal; plain output prints a line at each tenth so a
        log file shows the job moving without a line per step.
        """
        if self._console is not None:
            from rich.progress import Progress  # noqa: PLC0415 - optional dependency

            with Progress(console=self._console, transient=False) as bar:
                task = bar.add_task(description, total=total)
                yield lambda done: bar.update(task, completed=done)
            return
        shown = -1

        def advance_to(done: int) -> None:
            nonlocal shown
            tenth = done * 10 // max(1, total)
            if tenth > shown:
                shown = tenth
                print(f"{description}: {done}/{total}", file=self._stream)

        yield advance_to
