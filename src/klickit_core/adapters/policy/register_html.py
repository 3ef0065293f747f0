"""The record of processing as one printable, self-contained HTML page (SPEC PRV-7).

The register is kept by the controller and shown to the CNIL on request (GDPR art. 30(4)),
mostly on paper or as a PDF printed from a browser, so the page is made to be printed:

* **one sheet per page**: each processing starts a new page when printed
  (``break-before: page``), its tables are not split across pages where it can be helped,
  and table headers repeat;
* **self-contained**: inline CSS only; no script, no ``<link>``, no image, no remote font,
  and a Content-Security-Policy ``<meta>`` (``default-src 'none'``) that makes any of those
  inert even if one slipped in;
* **escaped**: Jinja2 with autoescape always on and ``StrictUndefined``; every text of the
  configuration (a purpose, a processor's name, a safeguard) is text, never markup.

The values come from :class:`~klickit_core.policy.register.ProcessingRegister`, already in
its language; the headings are ``N_`` msgids here, translated in the register's language,
so the gettext catalogues cover the whole page.
"""

from __future__ import annotations

from typing import Any

import jinja2
from babel.dates import format_date

from klickit_core.policy.register import ProcessingRegister
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import normalise_locale

__all__ = ["render_register_html"]

_EMPTY = "—"
_TEXT = {
    "title": N_("Record of processing activities"),
    "intro": N_(
        "Kept by the controller under GDPR art. 30: one sheet per processing, drawn from the "
        "shop's policy configuration and from the retention rules the shop applies."
    ),
    "controller": N_("Controller"),
    "name": N_("Name"),
    "address": N_("Address"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "siren": N_("SIREN number"),
    "contact": N_("Contact for personal data"),
    "postal_address": N_("Postal address"),
    "dpo": N_("Data protection officer"),
    "created": N_("Created on"),
    "updated": N_("Updated on"),
    "contents": N_("Processing activities"),
    "sheet": N_("Processing sheet"),
    "purposes": N_("Purposes"),
    "basis": N_("Legal basis"),
    "interest": N_("Legitimate interests"),
    "people": N_("Categories of people"),
    "data": N_("Categories of data"),
    "category": N_("Category"),
    "fields": N_("Personal data"),
    "category_basis": N_("Why it is kept"),
    "outside": N_("held outside the shop's software"),
    "retention": N_("Retention"),
    "period": N_("Period"),
    "starts": N_("Counted"),
    "end": N_("At the end"),
    "handled": N_("handled by the shop"),
    "recipients": N_("Recipients"),
    "internal": N_("Internal recipients"),
    "processor": N_("Processor"),
    "role": N_("Role"),
    "service": N_("Service"),
    "country": N_("Country"),
    "receives": N_("Receives"),
    "transfers": N_("Transfers outside the European Economic Area"),
    "safeguard": N_("Safeguard"),
    "no_transfer": N_("None: every recipient is in the European Economic Area."),
    "no_processor": N_("No processor receives this data."),
    "security": N_("Security measures"),
    "none": N_("None"),
}


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


def render_register_html(register: ProcessingRegister) -> str:
    """The complete HTML document of ``register`` (UTF-8 text, ``<!DOCTYPE html>`` first)."""
    language = register.locale
    babel_locale = normalise_locale(language)
    text = {key: translate(msgid, language) for key, msgid in _TEXT.items()}
    labels = {
        category.id: category.label for sheet in register.sheets for category in sheet.categories
    }

    def day(value: Any) -> str:
        return str(format_date(value, "long", locale=babel_locale))

    return _ENVIRONMENT.get_template("register.html.j2").render(
        register=register,
        text=text,
        labels=labels,
        day=day,
        empty=_EMPTY,
    )
