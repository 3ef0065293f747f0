"""The privacy notice as one self-contained HTML page (SPEC PRV-8).

A shop publishes the page as it is, or copies its ``<main>`` into its own layout. Like the
export bundle's file (:mod:`klickit_core.adapters.export.html_bundle`) it is safe to open
anywhere:

* **self-contained**: inline CSS only; no script, no ``<link>``, no image, no remote font,
  and a Content-Security-Policy ``<meta>`` (``default-src 'none'``) that makes any of those
  inert even if one slipped in. The supervisory authority's address is printed as text,
  not fetched;
* **escaped**: Jinja2 with autoescape always on and ``StrictUndefined``; every text of the
  configuration (a controller's name, a processor's service) is text, never markup;
* **readable**: ``lang`` set to the notice's language, a table of contents whose anchors
  are the sections' stable ids, and print styles.

Every word on the page comes from the :class:`~klickit_core.policy.notice.PrivacyNotice`:
the template holds markup only, so the gettext catalogues cover the whole text.
"""

from __future__ import annotations

import jinja2

from klickit_core.policy.notice import PrivacyNotice

__all__ = ["render_notice_html"]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("klickit_core.adapters.policy", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


_ENVIRONMENT = _environment()


def render_notice_html(notice: PrivacyNotice) -> str:
    """The complete HTML document of ``notice`` (UTF-8 text, ``<!DOCTYPE html>`` first)."""
    return _ENVIRONMENT.get_template("notice.html.j2").render(notice=notice)
