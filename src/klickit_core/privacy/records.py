"""The records of data-subject requests and of the erasure ledger (SPEC PRV-3, PRV-4, PRV-6).

Pure values, no I/O; the repositories that store them are in
:mod:`klickit_core.privacy.ports`, the use cases in :mod:`klickit_core.privacy.requests`
and :mod:`klickit_core.privacy.ledger`.

* :class:`PrivacyRequest` — an access (PRV-3) or erasure (PRV-4) request: who asked (an
  email, the account if there is one), through which channel, when, and its legal
  deadline. GDPR art. 12(3): « within one month of receipt of the request. That period may
  be extended by two further months where necessary, taking into account the complexity
  and number of the requests. The controller shall inform the data subject of any such
  extension within one month of receipt of the request, together with the reasons for the
  delay. » Months are calendar months, counted as the retention schedule counts them
  (a request received on 31 January is due on 28 or 29 February).
* :class:`StoredBundle` — a delivered export in the shop's :class:`ExportFormat` (one HTML
  file with its JSON inside, or a ZIP of the HTML file and the JSON file), kept until its
  download link is used or expires, then swept (``privacy.export_bundles``).
* :class:`ErasureLedgerEntry` — one erasure, as keyed hashes only (PRV-6): enough to
  recognise the person in a restored backup, nothing to find out who they were.
* :class:`ErasureKey` — the shop's secret for those hashes: HMAC-SHA256, never a plain
  hash, which anyone could compute from a list of likely addresses.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from datetime import date, datetime
from typing import Any

import attrs

from klickit_core.privacy.retention import Period, clock_date
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_

__all__ = [
    "ANSWER_PERIOD",
    "EXTENSION_PERIOD",
    "EXTENSION_REASON_LABELS",
    "MIN_ERASURE_KEY_LENGTH",
    "UNKNOWN_CONTENT_TYPE",
    "ErasureKey",
    "ErasureLedgerEntry",
    "ExportFormat",
    "ExtensionReason",
    "InvalidErasureKeyError",
    "KnownSubject",
    "PrivacyRequest",
    "RequestChannel",
    "RequestKind",
    "RequestStatus",
    "StoredBundle",
    "answer_deadline",
]

#: GDPR art. 12(3): a request is answered within one month of its receipt…
ANSWER_PERIOD = Period.months(1)
#: … which may be extended by two further months, with notice and reasons.
EXTENSION_PERIOD = Period.months(2)
#: An erasure key shorter than this is refused (32 characters of ``token_urlsafe`` hold
#: 192 bits; a passphrase of that length is long enough not to be guessed).
MIN_ERASURE_KEY_LENGTH = 32


def answer_deadline(received_at: datetime, period: Period = ANSWER_PERIOD) -> date:
    """The last day to answer a request received at ``received_at`` (Paris calendar):
    the same day number ``period`` later, or the month's last day when there is none."""
    return period.after(clock_date(received_at))


# ---------------------------------------------------------------------------- requests
class RequestKind(enum.StrEnum):
    """What the person asks for."""

    ACCESS = "access"  # a copy of their data, to read and to take elsewhere (art. 15, 20)
    ERASURE = "erasure"  # erase everything that need not be kept (art. 17)


class RequestChannel(enum.StrEnum):
    """Where the request came from (the policy: « par notre formulaire de contact »)."""

    CONTACT_FORM = "contact_form"
    ACCOUNT = "account"  # a signed-in customer, asking from their account page


class RequestStatus(enum.StrEnum):
    """Where a request stands. An unconfirmed request whose link expired reads as
    :attr:`EXPIRED` (:meth:`PrivacyRequest.status_at`); it is never stored as such."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    CONFIRMED = "confirmed"  # the person clicked the link; the answer is being prepared
    COMPLETED = "completed"  # bundle link mailed, or erasure done and reported
    EXPIRED = "expired"


class ExtensionReason(enum.StrEnum):
    """Why the deadline was extended: the two reasons art. 12(3) allows."""

    COMPLEXITY = "complexity"
    NUMBER_OF_REQUESTS = "number_of_requests"


#: What the person is told (translate with ``translate(label, locale)``).
EXTENSION_REASON_LABELS: dict[ExtensionReason, str] = {
    ExtensionReason.COMPLEXITY: N_("your request is complex to answer"),
    ExtensionReason.NUMBER_OF_REQUESTS: N_("we have received a large number of requests"),
}


class ExportFormat(enum.StrEnum):
    """The file an access request is answered with (PRV-3); a shop chooses it with
    :attr:`~klickit_core.privacy.settings.PrivacySettings.export_format`.

    * :attr:`HTML` — one self-contained HTML page (``.html``) that opens in any browser,
      with the export's JSON inside it as an inert data block (GDPR art. 20 portability).
      What Klickit's policy promises: « ouvrir le fichier comportant l'extension HTML dans
      votre navigateur Web habituel », so it is the default.
    * :attr:`ZIP` — a ZIP archive (``.zip``) holding the HTML page and the JSON file, as
      the library delivered before; a shop whose notice says so may keep it.
    """

    HTML = "html"
    ZIP = "zip"

    @property
    def extension(self) -> str:
        """The file name's extension, without the dot (``"html"``, ``"zip"``)."""
        return self.value

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` an app serves the file with."""
        return _CONTENT_TYPES[self]

    @classmethod
    def of_filename(cls, filename: str) -> ExportFormat | None:
        """The format a delivered file's name says (its extension), or ``None``."""
        _stem, dot, extension = filename.rpartition(".")
        if not dot:
            return None
        try:
            return cls(extension.lower())
        except ValueError:
            return None


_CONTENT_TYPES: dict[ExportFormat, str] = {
    ExportFormat.HTML: "text/html; charset=utf-8",
    ExportFormat.ZIP: "application/zip",
}
#: The content type of a stored file whose name says no known format (none the library
#: writes): served as bytes to save, never rendered.
UNKNOWN_CONTENT_TYPE = "application/octet-stream"


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (
        not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None
    ):
        raise ValueError(f"{attribute.name} must be an aware datetime")


@attrs.frozen(slots=True)
class PrivacyRequest:
    """An access or erasure request, with its legal deadline.

    ``email`` is normalised and hidden from ``repr`` (the request is itself personal data,
    kept as proof one year after it is closed: ``privacy.request_proofs``).
    ``customer_id`` names the account that uses the email, if any. ``due_on`` is the
    one-month deadline; ``extended_to`` replaces it once extended with notice.
    ``confirm_by`` is when the confirmation link expires.
    """

    id: str
    kind: RequestKind
    channel: RequestChannel
    email: str = attrs.field(repr=False)
    locale: str
    received_at: datetime = attrs.field(validator=_aware)
    due_on: date
    confirm_by: datetime = attrs.field(validator=_aware)
    customer_id: str | None = None
    status: RequestStatus = RequestStatus.AWAITING_CONFIRMATION
    confirmed_at: datetime | None = attrs.field(default=None, validator=_aware)
    completed_at: datetime | None = attrs.field(default=None, validator=_aware)
    extended_to: date | None = None
    extension_reason: ExtensionReason | None = None
    extended_at: datetime | None = attrs.field(default=None, validator=_aware)
    extended_by: str | None = None
    bundle_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.status is RequestStatus.EXPIRED:
            raise ValueError("an expired request is stored as awaiting confirmation")
        if self.confirm_by <= self.received_at:
            raise ValueError("the confirmation link expires after the request is received")
        confirmed = self.status in (RequestStatus.CONFIRMED, RequestStatus.COMPLETED)
        if confirmed != (self.confirmed_at is not None):
            raise ValueError("a confirmed request says when it was confirmed")
        if (self.status is RequestStatus.COMPLETED) != (self.completed_at is not None):
            raise ValueError("a completed request says when it was completed")
        extension = (self.extended_to, self.extension_reason, self.extended_at, self.extended_by)
        if any(part is None for part in extension) and any(p is not None for p in extension):
            raise ValueError("an extension has a new date, a reason, a time and an author")
        if self.bundle_id is not None and self.kind is not RequestKind.ACCESS:
            raise ValueError("only an access request has a bundle")

    # ------------------------------------------------------------------ reading
    @property
    def due(self) -> date:
        """The deadline in force: extended, or the original one."""
        return self.extended_to if self.extended_to is not None else self.due_on

    @property
    def is_extended(self) -> bool:
        """Whether the deadline was extended."""
        return self.extended_to is not None

    def status_at(self, now: datetime) -> RequestStatus:
        """The status at ``now``: an unconfirmed request whose link expired is expired."""
        if self.status is RequestStatus.AWAITING_CONFIRMATION and now >= self.confirm_by:
            return RequestStatus.EXPIRED
        return self.status

    def is_open(self, now: datetime) -> bool:
        """Whether the request still waits for the person or for the shop."""
        return self.status_at(now) in (
            RequestStatus.AWAITING_CONFIRMATION,
            RequestStatus.CONFIRMED,
        )

    def closed_at(self, now: datetime) -> datetime | None:
        """When the request was closed (completed, or its link expired), ``None`` if open."""
        if self.completed_at is not None:
            return self.completed_at
        if self.status_at(now) is RequestStatus.EXPIRED:
            return self.confirm_by
        return None

    def is_overdue(self, now: datetime) -> bool:
        """Open, and past the last day of its deadline (Paris calendar)."""
        return self.is_open(now) and clock_date(now) > self.due

    def days_left(self, now: datetime) -> int:
        """Days until the deadline's last day (0 on that day, negative once overdue)."""
        return (self.due - clock_date(now)).days

    # ------------------------------------------------------------------ changes
    def confirmed(self, at: datetime) -> PrivacyRequest:
        """The person clicked the confirmation link at ``at``."""
        return attrs.evolve(self, status=RequestStatus.CONFIRMED, confirmed_at=at)

    def completed(self, at: datetime, *, bundle_id: str | None = None) -> PrivacyRequest:
        """Answered at ``at`` (an access request names the bundle it delivered)."""
        return attrs.evolve(
            self, status=RequestStatus.COMPLETED, completed_at=at, bundle_id=bundle_id
        )

    def extended(self, to: date, reason: ExtensionReason, at: datetime, by: str) -> PrivacyRequest:
        """The deadline moved to ``to`` for ``reason``, by staff member ``by``."""
        return attrs.evolve(
            self, extended_to=to, extension_reason=reason, extended_at=at, extended_by=by
        )


@attrs.frozen(slots=True)
class StoredBundle:
    """A delivered export: the file of the shop's :class:`ExportFormat` (an HTML page with
    its JSON inside, or a ZIP of the HTML and JSON files).

    Kept until its single-use download link is used (then deleted at once) or expires
    (then swept with ``privacy.export_bundles``). ``data`` is the person's data and stays
    out of ``repr``. The format is read from ``filename``'s extension (the library names
    every file it stores), so a bundle made before a shop changed its format is still
    served as what it is.
    """

    id: str
    request_id: str
    created_at: datetime = attrs.field(validator=_aware)
    expires_at: datetime = attrs.field(validator=_aware)
    filename: str
    data: bytes = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.created_at:
            raise ValueError("a bundle expires after it is made")

    @property
    def export_format(self) -> ExportFormat | None:
        """The file's format, from its name (``None`` for a name the library never writes)."""
        return ExportFormat.of_filename(self.filename)

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` to serve the file with."""
        found = self.export_format
        return UNKNOWN_CONTENT_TYPE if found is None else found.content_type


# ---------------------------------------------------------------------------- ledger
class InvalidErasureKeyError(KlickitError):
    """The erasure-ledger key is missing or too short (``reason`` says which)."""

    code = "privacy.invalid_erasure_key"
    message_template = N_(
        "The erasure ledger key is unusable ({reason}): give at least {minimum} characters."
    )


@attrs.frozen(slots=True)
class ErasureKey:
    """The shop's secret for the erasure ledger's keyed hashes (HMAC-SHA256).

    A plain SHA-256 of an email can be reversed by hashing a list of likely addresses; a
    keyed hash cannot without the key, so the ledger holds no personal data for whoever
    reads the database or a backup without it. The key lives in the shop's configuration
    (an environment variable, a key file), never in the database. :attr:`key_id` names the
    key in each entry, so a ledger written under an older key is recognised as such.
    """

    _secret: bytes = attrs.field(repr=False, alias="secret")

    def __attrs_post_init__(self) -> None:
        secret: object = self._secret
        if not isinstance(secret, bytes) or len(secret) < MIN_ERASURE_KEY_LENGTH:
            raise InvalidErasureKeyError(reason="too_short", minimum=MIN_ERASURE_KEY_LENGTH)

    @classmethod
    def from_text(cls, text: str) -> ErasureKey:
        """A key from configuration text (surrounding whitespace ignored)."""
        raw: object = text
        if not isinstance(raw, str) or not raw.strip():
            raise InvalidErasureKeyError(reason="missing", minimum=MIN_ERASURE_KEY_LENGTH)
        return cls(raw.strip().encode("utf-8"))

    def _mac(self, kind: str, value: str) -> str:
        message = f"klickit.erasure-ledger.{kind}\x00{value}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    @property
    def key_id(self) -> str:
        """A fingerprint of the key (16 hex digits) that reveals nothing of it."""
        return self._mac("key-id", "")[:16]

    def email_hash(self, email: str) -> str:
        """The keyed hash of a *normalised* email (``DataSubject.email``)."""
        return self._mac("email", email)

    def customer_hash(self, customer_id: str) -> str:
        """The keyed hash of a customer id."""
        return self._mac("customer", customer_id)


def _hex64(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.name == "customer_hash":
        return
    if not isinstance(value, str) or len(value) != 64 or value.strip("0123456789abcdef"):
        raise ValueError(f"{attribute.name} must be a SHA-256 hex digest")


@attrs.frozen(slots=True)
class ErasureLedgerEntry:
    """One erasure, without personal data: keyed hashes of the email and of the account
    id, the key's fingerprint, when, and the reference of the erasure (a request id or an
    audit entry id).

    Its JSON (the ledger file that travels beside backups) is the converter's: its fields
    by name, the instant in ISO 8601 with its offset.
    """

    id: str
    erased_at: datetime = attrs.field(validator=_aware)
    key_id: str
    email_hash: str = attrs.field(validator=_hex64)
    customer_hash: str | None = attrs.field(default=None, validator=_hex64)
    reference: str = ""


@attrs.frozen(slots=True)
class KnownSubject:
    """A person the store holds data about: an email found in it, and the account that
    uses that email, if any."""

    email: str = attrs.field(repr=False)
    customer_id: str | None = None
