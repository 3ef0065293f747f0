"""Renderers of the personal data export (SPEC PRV-3).

:class:`~klickit_core.adapters.export.html_bundle.HtmlBundleRenderer` turns an
:class:`~klickit_core.privacy.bundle.ExportBundle` into one self-contained HTML file that a
person opens offline in any browser, in French or English. The JSON form needs no adapter:
:func:`klickit_core.privacy.bundle.bundle_to_json`.
"""

from klickit_core.adapters.export.html_bundle import HtmlBundleRenderer, format_value

__all__ = ["HtmlBundleRenderer", "format_value"]
