"""The privacy plug-in point (SPEC PRV-1 … PRV-4).

Every context that stores personal data says so *in code*, by implementing a
:class:`PersonalDataProvider`. The provider declares:

* its **data categories** (:class:`DataCategory`): what personal fields each holds, the
  retention rule that governs it, the event that starts its clock (an order's completion,
  a session's last activity — not merely the creation) and the legal basis for keeping it;
* an **exporter**: the person's records as typed, labelled items
  (:class:`ExportSection` ⟶ :class:`ExportRecord` ⟶ :class:`ExportField`), never loose
  strings and never a password hash or a token;
* an **eraser**: erase or anonymise the person's data, and for what must be kept, the legal
  basis and the date until which it is kept (:class:`ErasureOutcome`);
* a **sweeper**: one bounded, keyset-paged batch of deletion or anonymisation of what is
  past its period (:meth:`PersonalDataProvider.sweep_batch`), which a SQL backend answers
  with set-based statements.

The :mod:`klickit_core.privacy` engine walks a registry of providers and knows no context
by name; a downstream app registers its own providers the same way. Everything here is a
pure value (frozen attrs, no I/O): a provider is given its unit of work and the instant by
the engine.

Why the unit of work is a type parameter: each provider needs only its own context's
repositories (``OrdersUnitOfWork``, ``SessionUnitOfWork``…), while the engine holds the
shop's one unit of work that carries them all. ``PersonalDataProvider`` is *contravariant*
in that parameter, so a ``PersonalDataProvider[OrdersUnitOfWork]`` is accepted wherever a
``PersonalDataProvider[MemoryUnitOfWork]`` is expected (the memory unit of work satisfies
``OrdersUnitOfWork`` structurally) and ``mypy --strict`` checks the wiring without a cast.
"""

from __future__ import annotations

import abc
import enum
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, Protocol, TypeVar

import attrs

from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_
from klickit_core.shared.money import is_known_currency
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "ACCOUNTING_OBLIGATION",
    "CIVIL_LIMITATION",
    "CLOCK_EVENT_LABELS",
    "CONSENT",
    "CONTRACT",
    "LEGAL_OBLIGATION",
    "LEGITIMATE_INTEREST",
    "MAX_RECORD_DEPTH",
    "CategoryErasure",
    "ClockEvent",
    "DataCategory",
    "DataSubject",
    "ErasureOutcome",
    "ExportField",
    "ExportRecord",
    "ExportSection",
    "ExportValue",
    "FieldKind",
    "InvalidCategoryError",
    "InvalidDataSubjectError",
    "InvalidExportItemError",
    "InvalidSweepDataError",
    "KeepReason",
    "KeptCount",
    "KeptRecord",
    "LegalBasis",
    "PersonalDataProvider",
    "PersonalField",
    "RetentionAction",
    "RetentionTerms",
    "SweepBatch",
    "SweepCursor",
    "SweepTask",
    "is_identifier",
]

#: Stable identifiers: ``orders.completed``, ``fr.commerce.l123_22``, ``billing_address``.
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*(?:[.-][a-z0-9_]+)*")
_MAX_IDENTIFIER = 80
_MAX_CURSOR = 512
_MAX_REFERENCE = 200
_MAX_TEXT = 100_000
#: Export records nest (an order, its lines) but not without end.
MAX_RECORD_DEPTH = 4


def is_identifier(value: object) -> bool:
    """Whether ``value`` is a stable identifier: lower-case ASCII words joined by ``.``,
    ``-`` or ``_``, 80 characters at most (``"orders.completed"``)."""
    return (
        isinstance(value, str)
        and len(value) <= _MAX_IDENTIFIER
        and _IDENTIFIER.fullmatch(value) is not None
    )


def _text(value: object, *, max_length: int = _MAX_TEXT, blank: bool = False) -> bool:
    """Whether ``value`` is a string of at most ``max_length`` characters (non-blank unless
    ``blank``). Checks run on ``object``: values come from providers and may be anything."""
    return isinstance(value, str) and len(value) <= max_length and (blank or bool(value.strip()))


def _tuple_of(value: object, kind: type) -> bool:
    """Whether ``value`` is a tuple whose items are all ``kind``."""
    return isinstance(value, tuple) and all(isinstance(item, kind) for item in value)


# ---------------------------------------------------------------------------- errors
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


# ---------------------------------------------------------------------------- subject
def _check_customer_id(_instance: Any, _attribute: Any, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 200):
        raise InvalidDataSubjectError(reason="customer_id")


@attrs.frozen(slots=True)
class DataSubject:
    """The person a request is about: a normalised email, and their account if they have one.

    The email is the key that finds "everything about this person" across contexts (guest
    orders, reviews and consents carry an email, not an account), so it must already be
    normalised: build one with :meth:`of`. It is kept out of ``repr``.
    """

    email: str = attrs.field(repr=False)
    customer_id: str | None = attrs.field(default=None, validator=_check_customer_id)

    def __attrs_post_init__(self) -> None:
        email: object = self.email
        if not isinstance(email, str) or check_email(email, ("email",)) != email:
            raise InvalidDataSubjectError(reason="email")

    @classmethod
    def of(cls, email: str, customer_id: str | None = None) -> DataSubject:
        """A subject from an email as typed (it is checked and normalised first)."""
        checked = check_email(email, ("email",))
        if not isinstance(checked, str):
            raise InvalidDataSubjectError(reason="email")
        return cls(checked, customer_id)


# ---------------------------------------------------------------------------- categories
class ClockEvent(enum.StrEnum):
    """The event that starts a retention clock (PRV-1: not merely the creation)."""

    CREATION = "creation"  # recorded or received
    LAST_ACTIVITY = "last_activity"  # a session's or an account's last activity
    COMPLETION = "completion"  # an order completed, a payment settled
    CANCELLATION = "cancellation"
    FAILURE = "failure"
    CLOSURE = "closure"  # a request answered and closed
    EXPIRY = "expiry"  # a token or a download link expired
    WITHDRAWAL = "withdrawal"  # a consent withdrawn or replaced by a newer one
    ERASURE = "erasure"  # the person's own data was erased (their reviews, for instance)


#: Labels for notices and bundles (translate with ``translate(label, locale)``).
CLOCK_EVENT_LABELS: dict[ClockEvent, str] = {
    ClockEvent.CREATION: N_("from when it is recorded"),
    ClockEvent.LAST_ACTIVITY: N_("from the last activity"),
    ClockEvent.COMPLETION: N_("from completion"),
    ClockEvent.CANCELLATION: N_("from cancellation"),
    ClockEvent.FAILURE: N_("from the failure"),
    ClockEvent.CLOSURE: N_("from the closing of the request"),
    ClockEvent.EXPIRY: N_("from expiry"),
    ClockEvent.WITHDRAWAL: N_("from withdrawal or replacement"),
    ClockEvent.ERASURE: N_("from the erasure of the author"),
}


class RetentionAction(enum.StrEnum):
    """What happens to a record at the end of its period."""

    DELETE = "delete"
    ANONYMISE = "anonymise"


def _identifier(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not is_identifier(value):
            raise InvalidCategoryError(field=field)

    return check


def _label(field: str) -> Any:
    def check(_instance: Any, _attribute: Any, value: Any) -> None:
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise InvalidCategoryError(field=field)

    return check


@attrs.frozen(slots=True)
class LegalBasis:
    """Why something is kept: a stable ``code`` and a translatable ``label`` (an N_ msgid)."""

    code: str = attrs.field(validator=_identifier("legal_basis.code"))
    label: str = attrs.field(validator=_label("legal_basis.label"))


#: Code de commerce L123-22: accounting documents and their supporting records, ten years.
ACCOUNTING_OBLIGATION = LegalBasis(
    "fr.commerce.l123_22",
    N_("Accounting obligation (Code de commerce, art. L123-22): ten years"),
)
#: Code civil 2224: the general five-year limitation (proof of consent, disputes).
CIVIL_LIMITATION = LegalBasis(
    "fr.civil.2224",
    N_("Limitation period for legal claims (Code civil, art. 2224): five years"),
)
#: GDPR art. 6(1)(a).
CONSENT = LegalBasis("gdpr.6_1_a", N_("Your consent (GDPR art. 6(1)(a))"))
#: GDPR art. 6(1)(b).
CONTRACT = LegalBasis("gdpr.6_1_b", N_("Performance of a contract with you (GDPR art. 6(1)(b))"))
#: GDPR art. 6(1)(c).
LEGAL_OBLIGATION = LegalBasis(
    "gdpr.6_1_c", N_("A legal obligation of the shop (GDPR art. 6(1)(c))")
)
#: GDPR art. 6(1)(f).
LEGITIMATE_INTEREST = LegalBasis(
    "gdpr.6_1_f", N_("The shop's legitimate interests (GDPR art. 6(1)(f))")
)


@attrs.frozen(slots=True)
class PersonalField:
    """One personal field a category holds: a stable ``key`` and a translatable label."""

    key: str = attrs.field(validator=_identifier("field.key"))
    label: str = attrs.field(validator=_label("field.label"))


def _check_fields(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(item, PersonalField) for item in value)
    ):
        raise InvalidCategoryError(field="fields")
    keys = [item.key for item in value]
    if len(set(keys)) != len(keys):
        raise InvalidCategoryError(field="fields")


def _check_actions(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, frozenset)
        or not value
        or not all(isinstance(item, RetentionAction) for item in value)
    ):
        raise InvalidCategoryError(field="actions")


def _check_clock(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, ClockEvent):
        raise InvalidCategoryError(field="clock_starts")


def _check_basis(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, LegalBasis):
        raise InvalidCategoryError(field="legal_basis")


@attrs.frozen(slots=True)
class DataCategory:
    """A kind of personal data one provider holds.

    ``id`` is stable (``"orders.completed"``) and unique across the registry;
    ``retention_rule`` names the rule of the shop's retention schedule that governs it;
    ``clock_starts`` is the event its clock starts from (checked against the rule when the
    registry is bound to a schedule); ``legal_basis`` is why it is held; ``actions`` are what
    the provider's sweeper can do at the end of the period (the schedule chooses one).
    """

    id: str = attrs.field(validator=_identifier("id"))
    label: str = attrs.field(validator=_label("label"))
    description: str = attrs.field(validator=_label("description"))
    fields: tuple[PersonalField, ...] = attrs.field(validator=_check_fields)
    retention_rule: str = attrs.field(validator=_identifier("retention_rule"))
    clock_starts: ClockEvent = attrs.field(validator=_check_clock)
    legal_basis: LegalBasis = attrs.field(validator=_check_basis)
    actions: frozenset[RetentionAction] = attrs.field(
        default=frozenset({RetentionAction.DELETE}), validator=_check_actions
    )


# ---------------------------------------------------------------------------- export items
#: The types an exported value may have. Floats are refused: money and quantities are exact.
ExportValue = str | int | bool | datetime | date | Decimal | None


class FieldKind(enum.StrEnum):
    """What an exported value *is*, for display. ``PLAIN`` follows the Python type."""

    PLAIN = "plain"
    MULTILINE = "multiline"  # free text with line breaks (a review, a message)
    EMAIL = "email"
    PHONE = "phone"
    ADDRESS = "address"  # a postal address as lines of text
    IDENTIFIER = "identifier"  # an order number, an account id
    IP_ADDRESS = "ip_address"
    MONEY = "money"  # a Decimal amount with its currency


_TEXT_KINDS = frozenset(
    {
        FieldKind.MULTILINE,
        FieldKind.EMAIL,
        FieldKind.PHONE,
        FieldKind.ADDRESS,
        FieldKind.IDENTIFIER,
        FieldKind.IP_ADDRESS,
    }
)


def _normalise_value(value: object) -> object:
    if isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    return value


def _value_problem(value: object) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        return "too_long" if len(value) > _MAX_TEXT else None
    if isinstance(value, datetime):
        return "naive_datetime" if value.tzinfo is None else None
    if isinstance(value, date):
        return None
    if isinstance(value, Decimal):
        return None if value.is_finite() else "not_finite"
    return "type"


@attrs.frozen(slots=True)
class ExportField:
    """One labelled, typed value of a record.

    ``key`` is stable and machine-readable (``"billing_address"``); ``label`` is an N_ msgid
    shown to the person in their language; ``value`` keeps its type (a ``datetime`` stays a
    datetime, aware and in UTC; money is a ``Decimal`` with ``currency``). It is kept out of
    ``repr``: it is personal data.
    """

    key: str
    label: str
    value: ExportValue = attrs.field(repr=False, converter=_normalise_value)
    kind: FieldKind = FieldKind.PLAIN
    currency: str | None = None

    def __attrs_post_init__(self) -> None:
        key = self.key if is_identifier(self.key) else "?"
        if key == "?":
            raise InvalidExportItemError(key=key, reason="key")
        if not _text(self.label, max_length=500):
            raise InvalidExportItemError(key=key, reason="label")
        if not isinstance(self.kind, FieldKind):
            raise InvalidExportItemError(key=key, reason="kind")
        problem = _value_problem(self.value)
        if problem is not None:
            raise InvalidExportItemError(key=key, reason=problem)
        if self.kind is FieldKind.MONEY:
            if not isinstance(self.value, Decimal | None):
                raise InvalidExportItemError(key=key, reason="money_value")
            if not isinstance(self.currency, str) or not is_known_currency(self.currency):
                raise InvalidExportItemError(key=key, reason="currency")
        elif self.currency is not None:
            raise InvalidExportItemError(key=key, reason="currency")
        if self.kind in _TEXT_KINDS and not isinstance(self.value, str | None):
            raise InvalidExportItemError(key=key, reason="text_value")


def _record_depth(record: ExportRecord) -> int:
    return 1 + max((_record_depth(child) for child in record.children), default=0)


@attrs.frozen(slots=True)
class ExportRecord:
    """One record of the person's data: an order, a review, a session.

    ``label`` is an N_ msgid naming the kind of record (``"Order"``); ``reference`` tells
    the person which one (an order number, a date, an id); ``children`` hold parts of it
    (an order's lines), at most :data:`MAX_RECORD_DEPTH` levels deep.
    """

    label: str
    reference: str = attrs.field(repr=False)
    fields: tuple[ExportField, ...] = ()
    children: tuple[ExportRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not _text(self.label, max_length=500):
            raise InvalidExportItemError(key="record", reason="label")
        if not _text(self.reference, max_length=_MAX_REFERENCE, blank=True):
            raise InvalidExportItemError(key="record", reason="reference")
        if not _tuple_of(self.fields, ExportField):
            raise InvalidExportItemError(key="record", reason="fields")
        keys = [item.key for item in self.fields]
        if len(set(keys)) != len(keys):
            raise InvalidExportItemError(key="record", reason="duplicate_key")
        if not _tuple_of(self.children, ExportRecord):
            raise InvalidExportItemError(key="record", reason="children")
        if _record_depth(self) > MAX_RECORD_DEPTH:
            raise InvalidExportItemError(key="record", reason="depth")


@attrs.frozen(slots=True)
class ExportSection:
    """What one provider exports for one of its categories."""

    provider: str
    category_id: str
    title: str
    records: tuple[ExportRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not is_identifier(self.provider):
            raise InvalidExportItemError(key="section", reason="provider")
        if not is_identifier(self.category_id):
            raise InvalidExportItemError(key="section", reason="category")
        if not _text(self.title, max_length=500):
            raise InvalidExportItemError(key="section", reason="title")
        if not _tuple_of(self.records, ExportRecord):
            raise InvalidExportItemError(key="section", reason="records")


# ---------------------------------------------------------------------------- erasure
@attrs.frozen(slots=True)
class KeptRecord:
    """A record an erasure had to keep: which, why (its legal basis) and until when.

    ``reference`` is what the person knows the record by (an order number), never a
    name or an email. ``keep_until`` is the last day it is kept (the day after, the
    retention sweep removes or anonymises it).
    """

    category_id: str = attrs.field(validator=_identifier("kept.category_id"))
    reference: str
    legal_basis: LegalBasis
    keep_until: date

    def __attrs_post_init__(self) -> None:
        if not _text(self.reference, max_length=_MAX_REFERENCE, blank=True):
            raise InvalidSweepDataError(reason="reference")
        if not isinstance(self.legal_basis, LegalBasis):
            raise InvalidSweepDataError(reason="legal_basis")
        if isinstance(self.keep_until, datetime) or not isinstance(self.keep_until, date):
            raise InvalidSweepDataError(reason="keep_until")


def _count(_instance: Any, _attribute: Any, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidSweepDataError(reason="count")


@attrs.frozen(slots=True)
class CategoryErasure:
    """What an erasure did in one category: deleted, anonymised, and what it kept."""

    category_id: str = attrs.field(validator=_identifier("erasure.category_id"))
    deleted: int = attrs.field(default=0, validator=_count)
    anonymised: int = attrs.field(default=0, validator=_count)
    kept: tuple[KeptRecord, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not _tuple_of(self.kept, KeptRecord) or any(
            item.category_id != self.category_id for item in self.kept
        ):
            raise InvalidSweepDataError(reason="kept")

    @property
    def is_empty(self) -> bool:
        """Whether nothing was found in this category."""
        return not (self.deleted or self.anonymised or self.kept)


@attrs.frozen(slots=True)
class ErasureOutcome:
    """One provider's answer to an erasure: one entry per category it touched."""

    provider: str
    categories: tuple[CategoryErasure, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not is_identifier(self.provider):
            raise InvalidSweepDataError(reason="provider")
        ids = [item.category_id for item in self.categories]
        if len(set(ids)) != len(ids):
            raise InvalidSweepDataError(reason="duplicate_category")


class RetentionTerms(Protocol):
    """What a provider may ask about the shop's retention schedule during an erasure.

    The privacy engine passes one in (the registry bound to the shop's schedule), so a
    provider states the *configured* keep-until date, not a hard-coded one.
    """

    def keep_until(self, category_id: str, clock_started_at: datetime) -> date:
        """The last day a record of ``category_id`` whose clock started then is kept."""
        ...

    def is_due(self, category_id: str, clock_started_at: datetime, now: datetime) -> bool:
        """Whether such a record is past its period at ``now``."""
        ...


# ---------------------------------------------------------------------------- sweep
@attrs.frozen(slots=True)
class KeepReason:
    """Why a sweep kept a record that is past its period (an open dispute, a legal hold)."""

    code: str = attrs.field(validator=_identifier("reason.code"))
    label: str = attrs.field(validator=_label("reason.label"))


@attrs.frozen(slots=True)
class KeptCount:
    """How many records a sweep kept for one reason."""

    reason: KeepReason
    count: int = attrs.field(validator=_count)


def _check_cursor(_instance: Any, _attribute: Any, value: Any) -> None:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > _MAX_CURSOR
        or not value.isprintable()
    ):
        raise InvalidSweepDataError(reason="cursor")


@attrs.frozen(slots=True)
class SweepCursor:
    """Where a sweep stopped: the key of the last record it examined (keyset paging).

    Opaque to the engine, which stores it between batches and across a crash and gives it
    back as ``after``. A provider must put *keys* in it (ids), never personal data.
    """

    value: str = attrs.field(validator=_check_cursor)


def _aware(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise InvalidSweepDataError(reason=attribute.name)


@attrs.frozen(slots=True)
class SweepTask:
    """What one category's sweep must do, computed by the engine from the schedule.

    A record is *due* when its clock started strictly before ``cutoff``; the provider then
    applies ``action`` to it (or keeps it with a reason). ``now`` is the run's instant.
    """

    category_id: str = attrs.field(validator=_identifier("task.category_id"))
    rule_id: str = attrs.field(validator=_identifier("task.rule_id"))
    cutoff: datetime = attrs.field(validator=_aware)
    action: RetentionAction
    now: datetime = attrs.field(validator=_aware)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.action, RetentionAction):
            raise InvalidSweepDataError(reason="action")
        if self.cutoff > self.now:
            raise InvalidSweepDataError(reason="cutoff_after_now")

    def is_due(self, clock_started_at: datetime) -> bool:
        """Whether a record whose clock started at ``clock_started_at`` is due."""
        return clock_started_at < self.cutoff


@attrs.frozen(slots=True)
class SweepBatch:
    """What one :meth:`PersonalDataProvider.sweep_batch` call did (or, in a dry run, would do).

    ``examined`` due records were selected (at most ``limit``, in key order, after the
    cursor); each was ``deleted``, ``anonymised`` or ``kept`` for a reason, so
    ``examined == deleted + anonymised + sum(kept counts)``. ``last`` is the key of the last
    record examined (``None`` when none was). Fewer than ``limit`` examined means the
    category is exhausted.
    """

    category_id: str = attrs.field(validator=_identifier("batch.category_id"))
    examined: int = attrs.field(validator=_count)
    deleted: int = attrs.field(default=0, validator=_count)
    anonymised: int = attrs.field(default=0, validator=_count)
    kept: tuple[KeptCount, ...] = ()
    last: SweepCursor | None = None

    def __attrs_post_init__(self) -> None:
        if not all(isinstance(item, KeptCount) for item in self.kept):
            raise InvalidSweepDataError(reason="kept")
        codes = [item.reason.code for item in self.kept]
        if len(set(codes)) != len(codes):
            raise InvalidSweepDataError(reason="duplicate_reason")
        if self.examined != self.deleted + self.anonymised + self.kept_total:
            raise InvalidSweepDataError(reason="counts")
        if (self.last is None) != (self.examined == 0):
            raise InvalidSweepDataError(reason="cursor")

    @property
    def kept_total(self) -> int:
        """Records kept, whatever the reason."""
        return sum(item.count for item in self.kept)


# ---------------------------------------------------------------------------- provider
#: The unit of work a provider works in. Contravariant: a provider that needs only its
#: context's repositories accepts any unit of work that carries them.
UoW_contra = TypeVar("UoW_contra", bound=Transaction, contravariant=True)


class PersonalDataProvider(abc.ABC, Generic[UoW_contra]):
    """A context's declaration of the personal data it stores, and how to export, erase and
    sweep it.

    Contract (checked by the engine where it can be):

    * :attr:`name` is a stable identifier, unique in the registry; every category id it
      declares is unique across the registry.
    * :meth:`export` returns sections only for its own categories, holding everything it
      knows about the subject — and never a password hash, a token or a card number.
    * :meth:`erase` deletes or anonymises everything of the subject that need not be kept,
      and reports what it kept with its legal basis and keep-until date (from the
      ``retention`` terms it is given). Erasing twice changes nothing the second time
      (nothing deleted or anonymised; the same records kept). In a dry run it writes
      nothing.
    * :meth:`sweep_batch` selects at most ``limit`` *due* records of one category, in a
      stable key order, strictly after ``after``; it deletes, anonymises or keeps each, and
      returns a :class:`SweepBatch`. A record it already deleted or anonymised is never
      selected again (anonymised records leave the category), so a rerun is a no-op. In a
      dry run it writes nothing. On SQL this is one or two set-based statements
      (``… WHERE clock < :cutoff AND id > :after ORDER BY id LIMIT :limit``, with
      ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), never a Python loop over rows.

    The engine owns the transactions: a provider never commits or rolls back.
    """

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """Stable identifier of the provider (``"orders"``, ``"newsletter"``)."""

    @abc.abstractmethod
    def categories(self) -> Sequence[DataCategory]:
        """The categories this provider holds."""

    @abc.abstractmethod
    def export(self, uow: UoW_contra, subject: DataSubject) -> Sequence[ExportSection]:
        """Everything this provider holds about ``subject``, as typed, labelled sections."""

    @abc.abstractmethod
    def erase(
        self,
        uow: UoW_contra,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        """Erase or anonymise ``subject``'s data; say what was kept, why and until when."""

    @abc.abstractmethod
    def sweep_batch(
        self,
        uow: UoW_contra,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        """Process one bounded batch of due records of ``task.category_id``."""
