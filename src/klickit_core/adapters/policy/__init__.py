"""Renderers of the privacy notice and the record of processing (SPEC PRV-7, PRV-8; decision 0015).

:mod:`klickit_core.policy` builds plain values in one language; these turn them into
documents, with Jinja2 (autoescape on, ``StrictUndefined``), from templates shipped in the
package (``templates/``):

* :func:`~klickit_core.adapters.policy.register_html.render_register_html` — the record of
  processing (art. 30) as one printable HTML page, one sheet per printed page;
* :func:`~klickit_core.adapters.policy.notice_html.render_notice_html` — the privacy notice
  (art. 13) as one self-contained HTML page;
* :func:`~klickit_core.adapters.policy.notice_markdown.render_notice_markdown` — the same
  notice as Markdown, for a site that publishes Markdown.

The JSON forms need no adapter: the shared converter writes both
(:func:`~klickit_core.shared.serialisation.to_json`).
"""

from klickit_core.adapters.policy.notice_html import render_notice_html
from klickit_core.adapters.policy.notice_markdown import render_notice_markdown
from klickit_core.adapters.policy.register_html import render_register_html

__all__ = ["render_notice_html", "render_notice_markdown", "render_register_html"]
