"""A page opened from disk in Chromium, as the tests of the files a person opens offline use
it (the privacy notice, PRV-8; the personal data export, PRV-3): every request recorded and
any but the page itself refused, every console error, page error and dialog noted; and the
two helpers their docs screenshots need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The window a page is opened in unless a test says otherwise.
VIEWPORT = {"width": 1024, "height": 768}


class Visit:
    """A page opened from disk with every request recorded, and any other than the page
    itself refused (so a stray resource could not even reach the network), and every
    console error or warning, page error or dialog noted in :attr:`problems`."""

    def __init__(
        self, browser: Any, page_file: Path, viewport: dict[str, int] | None = None
    ) -> None:
        self.url = page_file.as_uri()
        self.context = browser.new_context(viewport=viewport or VIEWPORT)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: (
                self.problems.append(f"console {message.type}: {message.text}")
                if message.type in {"error", "warning"}
                else None
            ),
        )
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.page.on("dialog", lambda dialog: (self.problems.append("dialog"), dialog.dismiss()))

    def _route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            route.abort()

    def open(self) -> Any:
        """Load the page (and let its layout settle) and return it."""
        self.page.goto(self.url, wait_until="load")
        self.page.wait_for_timeout(200)
        return self.page


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its IHDR chunk."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def keep_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` unless the file already holds these very bytes, so that a
    run on the same machine leaves the docs' image (and the work tree) untouched. Returns
    whether it wrote."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True
