"""How a shop configures its privacy work: one :class:`PrivacySettings` value.

:class:`~klickit_core.bootstrap.Shop` carries one (``shop.privacy_settings``); the request flows
(:mod:`klickit_core.privacy.requests`), the erasure ledger
(:mod:`klickit_core.privacy.ledger`) and the ``klickit`` commands read it. Links are not
configured here: they are built from the shop's one base URL
(``SecuritySettings.links``), never from a request's ``Host`` header (SEC-6).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import attrs

from klickit_core.privacy.records import (
    ANSWER_PERIOD,
    EXTENSION_PERIOD,
    MIN_ERASURE_KEY_LENGTH,
    ErasureKey,
    ExportFormat,
    InvalidErasureKeyError,
)
from klickit_core.privacy.retention import Period, PeriodUnit, RetentionSchedule
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.tokens import LinkBuilder

__all__ = [
    "DEFAULT_SHOP_NAME",
    "InvalidPrivacySettingsError",
    "PrivacySettings",
]

DEFAULT_SHOP_NAME = "Klickit"
#: The longest shop or staff name a setting takes: it heads every export and mail.
_MAX_NAME = 200


class InvalidPrivacySettingsError(KlickitError):
    """A privacy setting is out of range (``setting`` names it)."""

    code = "privacy.invalid_settings"
    message_template = N_("Invalid privacy setting {setting}.")


def _positive(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, timedelta):
        good = value > timedelta(0)
    else:
        good = isinstance(value, int) and not isinstance(value, bool) and value > 0
    if not good:
        raise InvalidPrivacySettingsError(setting=attribute.name)


def _export_format(value: object) -> ExportFormat:
    """``"html"``, ``"zip"`` or an :class:`ExportFormat`; anything else is refused."""
    if isinstance(value, str):
        try:
            return ExportFormat(value.strip().lower())
        except ValueError:
            pass
    raise InvalidPrivacySettingsError(setting="export_format")


def _path(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    try:
        LinkBuilder.check_path(value)
    except KlickitError:
        raise InvalidPrivacySettingsError(setting=attribute.name) from None


@attrs.frozen(slots=True)
class PrivacySettings:
    """Everything the privacy flows are configured with, with the law's defaults.

    * ``erasure_key`` — the secret of the erasure ledger (PRV-6). ``None`` by default:
      an erasure through a request, ``klickit privacy erase`` and
      ``klickit privacy reapply-erasures`` then refuse to run, because an erasure the
      ledger cannot record would come back with the next restored backup.
    * ``schedule`` — the retention schedule the registry is bound to (PRV-1).
    * ``answer_within`` / ``extension`` — GDPR art. 12(3): one month from receipt,
      extendable by two further months (counted from the end of the first). A shop may
      answer sooner, never later: longer periods are refused.
    * ``confirmation_ttl`` — how long the emailed confirmation link works.
    * ``download_ttl`` — how long the single-use download link (and the stored bundle)
      lives; at most the ``privacy.export_bundles`` period, so that the sweep never
      removes a bundle whose link still works.
    * ``export_format`` — the file the download link gives (PRV-3,
      :class:`~klickit_core.privacy.records.ExportFormat`): ``"html"`` by default, one
      HTML page with the JSON inside it, which is what Klickit's policy promises (« le
      fichier comportant l'extension HTML »); ``"zip"`` for the archive of the HTML and
      JSON files. The privacy notice states the one the shop delivers.
    * ``shop_name`` — the shop's name, as the person's export and the mails say it.
    * ``staff_name`` — how the person's export names the shop's staff where a record says
      who read or changed their data (issue #16): ``"Service client Klickit"``, say.
      ``None`` by default: « l'équipe Klickit » / "the Klickit team" in the file's
      language. The access and audit logs keep each staff member's or operator's id;
      the person's file never shows a login.
    * ``requests_per_window`` / ``window`` — at most that many confirmation mails for one
      address per window; further requests get the same answer and send nothing.
    * the paths of the app's pages that receive the tokens (``?token=…``).
    """

    erasure_key: ErasureKey | None = None
    schedule: RetentionSchedule = attrs.field(factory=RetentionSchedule.defaults)
    answer_within: Period = ANSWER_PERIOD
    extension: Period = EXTENSION_PERIOD
    confirmation_ttl: timedelta = attrs.field(default=timedelta(days=7), validator=_positive)
    download_ttl: timedelta = attrs.field(default=timedelta(days=7), validator=_positive)
    requests_per_window: int = attrs.field(default=3, validator=_positive)
    window: timedelta = attrs.field(default=timedelta(days=1), validator=_positive)
    export_confirmation_path: str = attrs.field(
        default="/mes-donnees/export/confirmer", validator=_path
    )
    erasure_confirmation_path: str = attrs.field(
        default="/mes-donnees/effacement/confirmer", validator=_path
    )
    download_path: str = attrs.field(default="/mes-donnees/telecharger", validator=_path)
    shop_name: str = DEFAULT_SHOP_NAME
    export_format: ExportFormat = attrs.field(default=ExportFormat.HTML, converter=_export_format)
    staff_name: str | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.erasure_key, ErasureKey | None):
            raise InvalidPrivacySettingsError(setting="erasure_key")
        if not isinstance(self.schedule, RetentionSchedule):
            raise InvalidPrivacySettingsError(setting="schedule")
        for name, legal in (("answer_within", ANSWER_PERIOD), ("extension", EXTENSION_PERIOD)):
            period = getattr(self, name)
            if not isinstance(period, Period) or period.is_zero or not legal.at_least(period):
                raise InvalidPrivacySettingsError(setting=name)
        shop: object = self.shop_name
        if not isinstance(shop, str) or not shop.strip() or len(shop) > _MAX_NAME:
            raise InvalidPrivacySettingsError(setting="shop_name")
        staff: object = self.staff_name
        if staff is not None and (
            not isinstance(staff, str) or not staff.strip() or len(staff) > _MAX_NAME
        ):
            raise InvalidPrivacySettingsError(setting="staff_name")
        if "privacy.export_bundles" in self.schedule:
            kept = self.schedule.rule("privacy.export_bundles").period
            if kept.unit is PeriodUnit.DAYS and self.download_ttl > timedelta(days=kept.amount):
                raise InvalidPrivacySettingsError(setting="download_ttl")

    def require_key(self) -> ErasureKey:
        """The erasure key, or :class:`~klickit_core.privacy.records.InvalidErasureKeyError`
        (``reason="missing"``)."""
        if self.erasure_key is None:
            raise InvalidErasureKeyError(reason="missing", minimum=MIN_ERASURE_KEY_LENGTH)
        return self.erasure_key
