"""The privacy notice as Markdown (SPEC PRV-8), for a shop whose site is built from
Markdown pages (a static-site generator, a CMS) or for review in a pull request.

Every text is escaped (:func:`escape_markdown`) before it reaches the page: a
configuration text such as ``**Klickit** <script>`` or ``[click](javascript:…)`` is shown
as typed, never turned into emphasis, raw HTML or a link, and a ``|`` cannot break a
table. Line breaks inside a text become spaces, since a table cell or a list item is one
line. The template (``templates/notice.md.j2``) holds markup only; every word comes from
the :class:`~klickit_core.policy.notice.PrivacyNotice`.
"""

from __future__ import annotations

import re

import jinja2

from klickit_core.policy.notice import PrivacyNotice

__all__ = ["escape_markdown", "render_notice_markdown"]

#: Characters that start inline markup anywhere in a line (CommonMark and GFM: emphasis,
#: code, links, raw HTML and autolinks, entities, tables, strikethrough, headings).
_INLINE = re.compile(r"([\\`*_\[\]<>|~&#])")
#: What turns the start of a line into a block (list item, heading underline, quote).
_LINE_START = re.compile(r"^([-+=]|\d+[.)])")


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown inline text, on one line: ``**Klickit**`` becomes
    ``\\*\\*Klickit\\*\\*``, a leading ``1.`` becomes ``1\\.``."""
    flat = " ".join(str(text).split())
    escaped = _INLINE.sub(r"\\\1", flat)
    return _LINE_START.sub(lambda match: _escape_start(match.group(1)), escaped)


def _escape_start(marker: str) -> str:
    # "1." stays readable as "1\." (CommonMark: an escaped "." is not a list marker).
    return f"{marker[:-1]}\\{marker[-1]}"


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("klickit_core.adapters.policy", "templates"),
        autoescape=False,  # noqa: S701 - Markdown, not HTML: every value goes through `md`
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = escape_markdown
    return environment


_ENVIRONMENT = _environment()

#: How a label and its value are joined (French puts a space before the colon).
_COLON = {"fr": " : ", "en": ": "}


def render_notice_markdown(notice: PrivacyNotice) -> str:
    """``notice`` as a CommonMark document with GFM tables (``#`` title, ``##`` sections)."""
    text = _ENVIRONMENT.get_template("notice.md.j2").render(
        notice=notice, colon=_COLON.get(notice.locale, ": ")
    )
    return re.sub(r"\n{3,}", "\n\n", text)
