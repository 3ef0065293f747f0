"""The typed errors of the privacy plug-in point (SPEC PRV-1 … PRV-4).

Each names what is malformed (a field, a key, a reason), never the value: the value may be
somebody's personal data.
"""

from __future__ import annotations

from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "InvalidCategoryError",
    "InvalidDataSubjectError",
    "InvalidExportItemError",
    "InvalidSweepDataError",
]


class InvalidDataSubjectError(KlickitError):
    """A data subject was built from an invalid email or customer id."""

    code = "privacy.invalid_subject"
    message_template = N_("Invalid data subject ({reason}).")


class InvalidCategoryError(KlickitError):
    """A data category, legal basis or reason is malformed."""

    code = "privacy.invalid_category"
    message_template = N_("Invalid data category declaration ({field}).")


class InvalidExportItemError(KlickitError):
    """An export field, record or section is malformed (a provider bug, never user input).

    The details name the field *key* and the problem, never the value: the value is
    somebody's personal data.
    """

    code = "privacy.invalid_export_item"
    message_template = N_("Invalid export item {key} ({reason}).")


class InvalidSweepDataError(KlickitError):
    """A sweep task, batch, cursor or erasure outcome is malformed."""

    code = "privacy.invalid_sweep_data"
    message_template = N_("Invalid retention data ({reason}).")
