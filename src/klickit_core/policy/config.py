"""The shop's policy configuration: what the code cannot know (SPEC PRV-7, PRV-8; decision 0015).

The privacy providers declare what personal data the shop holds, why, and under which
retention rule. Some facts no code can know: who the controller is, whom to write to about
one's data, which processors the shop uses and where they are, the purposes it pursues,
the rights it offers, the security measures it takes. They live in one TOML file a lawyer
or an operator can review, read with :func:`load_policy` (or :func:`policy_from_mapping`
for data already parsed). The notice and the register are rendered from it and from the
bound registry; nothing else states a period or a legal basis.

Layout (every text a person reads is an inline table ``{ fr = "…", en = "…" }``)::

    created = 2024-01-15            # a TOML date (or "2024-01-15")
    updated = 2025-06-01
    library_periods = true          # rules not under [retention] keep the library's period
    rights = ["access", "rectification", "erasure", "restriction", "objection",
              "portability", "withdraw_consent", "complaint"]
    security_measures = [{ fr = "…", en = "…" }]
    sources = []                    # art. 14: data obtained from elsewhere, if any
    source_categories = []          # the category ids obtained that way

    [controller]                    # name, address, email required; phone, siren optional
    name = "Klickit SAS"
    address = "…"
    email = "contact@example.fr"
    siren = "…"                     # checked with python-stdnum

    [privacy_contact]               # email required; postal_address, dpo_name optional
    email = "…"

    [authority]                     # both keys default to the CNIL
    name = "CNIL"
    url = "https://www.cnil.fr"

    [retention]                     # rule id = ISO 8601 period, checked like
    "orders.completed" = "P10Y"     # RetentionSchedule.with_overrides

    [cart_cookie]                   # optional: the cart cookie's lifetime the shop states
    session = true                  # a session cookie (default false: Max-Age is sent)
    max_age = "P1D"                 # P<n>D, P<n>W or PT<n>H: how long a signed cart stays
                                    # valid after its last change (the server's check)

    [[processors]]
    id = "payment_gateway"
    name = "…"
    role = "payment_gateway"        # payment_gateway | mail_host | web_host |
                                    # backup_store | contact_form | other
    receives = ["payments.details"] # category ids (the registry's or external ones)
    country = "FR"                  # ISO 3166-1 alpha-2; outside the EEA a safeguard
    service = { fr = "…", en = "…" }
    safeguard = { fr = "…", en = "…" }

    [[purposes]]
    id = "orders"
    label = { fr = "…", en = "…" }
    legal_basis = "gdpr.6_1_b"      # gdpr.6_1_a | gdpr.6_1_b | gdpr.6_1_c | gdpr.6_1_f
    categories = ["orders.completed"]
    requirement = "contract"        # contract | legal | none
    consequence = { fr = "…", en = "…" }   # required unless requirement = "none"
    legitimate_interest = { fr = "…", en = "…" }  # required iff gdpr.6_1_f

    [[external_categories]]         # data the shop holds outside the library
    id = "backups.site"
    label = { fr = "…", en = "…" }
    period = "P30D"
    starts = { fr = "…", en = "…" }
    legal_basis = "gdpr.6_1_f"      # any code of personal_data.legal_bases.LEGAL_BASES

A *partial* configuration may leave out what a text does not say (the controller, the
privacy contact, the authority, a processor's country, a purpose's legal basis and
requirement, an external category's period): loading accepts it, and
:func:`~klickit_core.policy.completeness.missing_items` names each gap with its article.
What is given must be right: every problem is one :class:`~klickit_core.shared.errors.FieldError`
in one :class:`InvalidPolicyConfigError`. A field path names a list item by its ``id`` when
that id is a valid identifier seen for the first time, by its position otherwise:
``("processors", "google_drive", "safeguard")``, ``("purposes", 3, "id")``.

:func:`check_policy` then checks the configuration against the shop's bound registry
(unknown category ids, a category no purpose covers, an external id that clashes with a
declared one, a period the registry's schedule does not apply) and, given the shop's cart
cookie codec, a ``[cart_cookie]`` the codec does not apply.
"""

from __future__ import annotations

import enum
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import attrs
from stdnum.fr import siren as _siren

from klickit_core.cart.domain.cookie import CartCookieCodec
from klickit_core.personal_data import is_identifier
from klickit_core.personal_data.legal_bases import (
    CONSENT,
    CONTRACT,
    LEGAL_BASES,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTEREST,
    LegalBasis,
    legal_basis,
)
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import (
    InvalidPeriodError,
    InvalidRetentionScheduleError,
    Period,
    RetentionSchedule,
)
from klickit_core.shared.addresses import is_known_country
from klickit_core.shared.emails import check_email
from klickit_core.shared.errors import FieldError, ValidationError
from klickit_core.shared.i18n import N_
from klickit_core.shared.locales import locale_language
from klickit_core.shipping.presets import EU_COUNTRIES

__all__ = [
    "CNIL",
    "EEA_COUNTRIES",
    "PURPOSE_BASES",
    "RIGHT_LABELS",
    "ROLE_LABELS",
    "CartCookieLifetime",
    "Controller",
    "ExternalCategory",
    "InvalidPolicyConfigError",
    "LocalText",
    "PolicyConfig",
    "PrivacyContact",
    "Processor",
    "ProcessorRole",
    "Purpose",
    "Requirement",
    "Right",
    "SupervisoryAuthority",
    "check_policy",
    "is_in_eea",
    "load_policy",
    "policy_from_mapping",
]

_Path = tuple[str | int, ...]
E = TypeVar("E", bound=enum.StrEnum)
T = TypeVar("T")

#: The European Economic Area: the 27 EU states, Iceland, Liechtenstein and Norway. A
#: transfer anywhere else needs a safeguard (GDPR chapter V, art. 13(1)(f)).
EEA_COUNTRIES: Final = frozenset(EU_COUNTRIES | {"IS", "LI", "NO"})

#: The art. 6(1) bases a purpose may rest on (a purpose is a processing; the French
#: codes of :mod:`~klickit_core.personal_data.legal_bases` say why a *record* is kept).
PURPOSE_BASES: Final = frozenset(
    basis.code for basis in (CONSENT, CONTRACT, LEGAL_OBLIGATION, LEGITIMATE_INTEREST)
)


def is_in_eea(country: str) -> bool:
    """Whether ``country`` (ISO 3166-1 alpha-2) is in the European Economic Area."""
    return country in EEA_COUNTRIES


class InvalidPolicyConfigError(ValidationError):
    """A policy configuration is malformed or does not fit the shop; every problem is listed.

    Field paths locate the problem in the file (``("processors", "drive", "safeguard")``,
    ``("retention", "orders.completed")``, ``("controller", "siren")``); codes are
    ``policy.*``, or the retention schedule's ``retention.*`` for a period override, or
    ``email.*`` for an address.
    """

    code = "policy.invalid_config"
    message_template = N_("The privacy policy configuration has problems ({count}).")


# ---------------------------------------------------------------------------- values
class ProcessorRole(enum.StrEnum):
    """What a processor does for the shop; the completeness check wants one of each of
    the first four, and a contact-form service when the shop takes contact messages."""

    PAYMENT_GATEWAY = "payment_gateway"
    MAIL_HOST = "mail_host"
    WEB_HOST = "web_host"
    BACKUP_STORE = "backup_store"
    CONTACT_FORM = "contact_form"
    OTHER = "other"


#: How each role is named to a person (``N_`` msgids).
ROLE_LABELS: Final[Mapping[ProcessorRole, str]] = MappingProxyType(
    {
        ProcessorRole.PAYMENT_GATEWAY: N_("Payment gateway"),
        ProcessorRole.MAIL_HOST: N_("Mail host"),
        ProcessorRole.WEB_HOST: N_("Web host"),
        ProcessorRole.BACKUP_STORE: N_("Backup storage"),
        ProcessorRole.CONTACT_FORM: N_("Contact form service"),
        ProcessorRole.OTHER: N_("Other service provider"),
    }
)


class Right(enum.StrEnum):
    """A right of the person the shop tells them about (GDPR art. 13(2)(b) to (d))."""

    ACCESS = "access"
    RECTIFICATION = "rectification"
    ERASURE = "erasure"
    RESTRICTION = "restriction"
    OBJECTION = "objection"
    PORTABILITY = "portability"
    WITHDRAW_CONSENT = "withdraw_consent"
    COMPLAINT = "complaint"


#: How each right is named to a person, with its article (``N_`` msgids).
RIGHT_LABELS: Final[Mapping[Right, str]] = MappingProxyType(
    {
        Right.ACCESS: N_("Access to your data (GDPR art. 15)"),
        Right.RECTIFICATION: N_("Rectification of your data (GDPR art. 16)"),
        Right.ERASURE: N_("Erasure of your data (GDPR art. 17)"),
        Right.RESTRICTION: N_("Restriction of processing (GDPR art. 18)"),
        Right.OBJECTION: N_("Objection to processing (GDPR art. 21)"),
        Right.PORTABILITY: N_("Portability of your data (GDPR art. 20)"),
        Right.WITHDRAW_CONSENT: N_("Withdrawal of your consent at any time (GDPR art. 7(3))"),
        Right.COMPLAINT: N_("A complaint to the supervisory authority (GDPR art. 77)"),
    }
)


class Requirement(enum.StrEnum):
    """Whether giving the data is required (art. 13(2)(e)): by the contract, by law, or not."""

    CONTRACT = "contract"
    LEGAL = "legal"
    NONE = "none"


def _check_local(_instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidPolicyConfigError(
            [FieldError((attribute.name,), "policy.blank", N_("This text cannot be blank."))]
        )


@attrs.frozen(slots=True)
class LocalText:
    """A text a person reads, in French and English (both non-blank, or
    :class:`InvalidPolicyConfigError`)."""

    fr: str = attrs.field(validator=_check_local)
    en: str = attrs.field(validator=_check_local)

    def get(self, locale: str) -> str:
        """The text in ``locale`` (``"fr"``, ``"en_GB"``, ``"fr-FR"``…).

        Raises:
            UnsupportedLocaleError: for a locale the shop does not speak.
        """
        return self.fr if locale_language(locale) == "fr" else self.en


@attrs.frozen(slots=True)
class Controller:
    """Who decides what is done with the data (art. 13(1)(a))."""

    name: str
    address: str
    email: str
    phone: str | None = None
    siren: str | None = None


@attrs.frozen(slots=True)
class PrivacyContact:
    """Where a person writes about their data (art. 13(1)(b); a DPO only if there is one)."""

    email: str
    postal_address: str | None = None
    dpo_name: str | None = None


@attrs.frozen(slots=True)
class Processor:
    """A service provider that receives personal data for the shop (art. 13(1)(e), (f)).

    ``receives`` are category ids (the registry's or external ones), never free text: what
    a processor receives is tied to the declarations and checked. ``country`` is ``None``
    only in a partial configuration (the completeness check names it); ``safeguard`` is
    required when the country is outside the EEA.
    """

    id: str
    name: str
    role: ProcessorRole
    receives: tuple[str, ...]
    country: str | None
    service: LocalText
    safeguard: LocalText | None = None

    @property
    def outside_eea(self) -> bool:
        """Whether the processor is known to be outside the European Economic Area."""
        return self.country is not None and not is_in_eea(self.country)


@attrs.frozen(slots=True)
class Purpose:
    """Why the shop processes some categories (art. 13(1)(c), (d); 13(2)(e)).

    ``legal_basis`` is an art. 6(1) code (:data:`PURPOSE_BASES`) and ``requirement`` whether
    the data is required; either is ``None`` only in a partial configuration.
    ``legitimate_interest`` is given exactly when the basis is ``gdpr.6_1_f``;
    ``consequence`` (what happens without the data) whenever the requirement is not ``none``.
    """

    id: str
    label: LocalText
    legal_basis: str | None
    categories: tuple[str, ...]
    legitimate_interest: LocalText | None = None
    requirement: Requirement | None = None
    consequence: LocalText | None = None

    @property
    def basis(self) -> LegalBasis | None:
        """The :class:`LegalBasis` of :attr:`legal_basis` (with its translatable label)."""
        return None if self.legal_basis is None else legal_basis(self.legal_basis)


@attrs.frozen(slots=True)
class ExternalCategory:
    """Personal data the shop holds outside the library (backups, a mailbox, server logs).

    Its ``period`` is written here because no retention rule of the library governs it;
    ``None`` only in a partial configuration (the completeness check names it).
    """

    id: str
    label: LocalText
    period: Period | None
    starts: LocalText | None
    legal_basis: str | None

    @property
    def basis(self) -> LegalBasis | None:
        """The :class:`LegalBasis` of :attr:`legal_basis`."""
        return None if self.legal_basis is None else legal_basis(self.legal_basis)


@attrs.frozen(slots=True)
class CartCookieLifetime:
    """The cart cookie's lifetime a shop states (``[cart_cookie]``, CRT-3, issue #19).

    ``max_age`` is how long a signed cart stays valid after its last change (the codec's
    ``max_age``, checked by the server); ``session`` says the cookie is a session cookie
    (no ``Max-Age`` sent: the browser drops it when it closes). The notice prints the
    codec's own facts; :func:`check_policy` refuses a configuration whose statement the
    shop's codec does not apply, as it does for retention periods.
    """

    max_age: timedelta
    session: bool = False

    @classmethod
    def of(cls, codec: CartCookieCodec) -> CartCookieLifetime:
        """What ``codec`` applies."""
        return cls(codec.max_age, codec.session_cookie)

    def shop_options(self) -> dict[str, Any]:
        """The :func:`~klickit_core.bootstrap.build_shop` options that apply this lifetime:
        ``build_shop(url, **lifetime.shop_options())``."""
        return {"cart_max_age": self.max_age, "cart_session_cookie": self.session}


@attrs.frozen(slots=True)
class SupervisoryAuthority:
    """Where a person may complain (art. 13(2)(d), art. 77); the CNIL by default."""

    name: str = "CNIL"
    url: str = "https://www.cnil.fr"


#: The French supervisory authority.
CNIL: Final = SupervisoryAuthority()


@attrs.frozen(slots=True)
class PolicyConfig:
    """A shop's policy configuration, as loaded (see the module docstring for the file).

    ``retention`` holds the periods the shop states, as overrides of the library's schedule
    (:meth:`schedule`). With ``library_periods`` the rules it does not list keep the
    library's period and count as stated; without, only the listed ones are stated (the
    completeness check names the others) — the sweep still needs a period for every rule,
    so :meth:`schedule` keeps the library's for them. ``cart_cookie`` is the cart cookie's
    lifetime the shop states, ``None`` when the file has no ``[cart_cookie]``.
    """

    controller: Controller | None
    privacy_contact: PrivacyContact | None
    purposes: tuple[Purpose, ...]
    processors: tuple[Processor, ...]
    external_categories: tuple[ExternalCategory, ...]
    retention: Mapping[str, Period]
    library_periods: bool
    rights: frozenset[Right]
    authority: SupervisoryAuthority | None
    security_measures: tuple[LocalText, ...]
    sources: tuple[LocalText, ...]
    created: date
    updated: date
    source_categories: tuple[str, ...] = ()
    cart_cookie: CartCookieLifetime | None = None

    def schedule(self, base: RetentionSchedule | None = None) -> RetentionSchedule:
        """``base`` (the library's defaults if ``None``) with this configuration's periods:
        the schedule the shop's ``PrivacySettings`` must use, so the sweep enforces the
        periods the notice prints.

        Raises:
            InvalidRetentionScheduleError: if ``base`` lacks a rule or refuses a period.
        """
        return (base or RetentionSchedule.defaults()).with_overrides(self.retention)

    def purposes_for(self, category_id: str) -> tuple[Purpose, ...]:
        """The purposes that process ``category_id``, in file order."""
        return tuple(p for p in self.purposes if category_id in p.categories)

    def processors_for(self, category_id: str) -> tuple[Processor, ...]:
        """The processors that receive ``category_id``, in file order."""
        return tuple(p for p in self.processors if category_id in p.receives)

    def external_category(self, category_id: str) -> ExternalCategory | None:
        """The external category ``category_id``, if the configuration declares it."""
        return next((c for c in self.external_categories if c.id == category_id), None)

    def processor(self, processor_id: str) -> Processor | None:
        """The processor ``processor_id``, if there is one."""
        return next((p for p in self.processors if p.id == processor_id), None)


# ---------------------------------------------------------------------------- reading
_BLANK = N_("This text cannot be blank.")  # also in _check_local
_REQUIRED = N_("This item is required.")
_WRONG_TYPE = N_("This item has the wrong type ({expected}).")
_MAX_TEXT = 2_000
_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_ROOT_KEYS = frozenset(
    {
        "controller",
        "privacy_contact",
        "purposes",
        "processors",
        "external_categories",
        "retention",
        "library_periods",
        "rights",
        "authority",
        "security_measures",
        "sources",
        "source_categories",
        "created",
        "updated",
        "cart_cookie",
    }
)


class _Reader:
    """Reads plain TOML values, collecting every problem as a :class:`FieldError`."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def error(
        self, path: _Path, code: str, template: str, **params: str | int | bool | None
    ) -> None:
        self.errors.append(FieldError(path, code, template, params))

    def wrong_type(self, path: _Path, expected: str) -> None:
        self.error(path, "policy.wrong_type", _WRONG_TYPE, expected=expected)

    def keys(self, table: Mapping[str, Any], allowed: Iterable[str], path: _Path) -> None:
        known = frozenset(allowed)
        for key in table:
            if key not in known:
                shown = key if is_identifier(key) else "?"
                self.error(
                    (*path, shown),
                    "policy.unknown_key",
                    N_("Unknown item: check its spelling."),
                )

    def table(
        self, parent: Mapping[str, Any], key: str, path: _Path, *, required: bool
    ) -> Mapping[str, Any] | None:
        value = parent.get(key)
        if value is None:
            if required:
                self.error((*path, key), "policy.required", _REQUIRED)
            return None
        if not isinstance(value, Mapping):
            self.wrong_type((*path, key), "table")
            return None
        return value

    def text(
        self, parent: Mapping[str, Any], key: str, path: _Path, *, required: bool = True
    ) -> str | None:
        value = parent.get(key)
        where = (*path, key)
        if value is None:
            if required:
                self.error(where, "policy.required", _REQUIRED)
            return None
        if not isinstance(value, str):
            self.wrong_type(where, "text")
            return None
        if not value.strip():
            self.error(where, "policy.blank", _BLANK)
            return None
        if len(value) > _MAX_TEXT:
            self.error(where, "policy.too_long", N_("This text is too long."))
            return None
        return value.strip()

    def local(
        self, parent: Mapping[str, Any], key: str, path: _Path, *, required: bool = True
    ) -> LocalText | None:
        value = parent.get(key)
        where = (*path, key)
        if value is None:
            if required:
                self.error(where, "policy.required", _REQUIRED)
            return None
        return self.local_value(value, where)

    def local_value(self, value: object, where: _Path) -> LocalText | None:
        if not isinstance(value, Mapping):
            self.wrong_type(where, "{fr, en}")
            return None
        self.keys(value, ("fr", "en"), where)
        fr = self.text(value, "fr", where)
        en = self.text(value, "en", where)
        return None if fr is None or en is None else LocalText(fr, en)

    def flag(self, parent: Mapping[str, Any], key: str, default: bool) -> bool:
        value = parent.get(key, default)
        if not isinstance(value, bool):
            self.wrong_type((key,), "true or false")
            return default
        return value

    def day(self, parent: Mapping[str, Any], key: str) -> date | None:
        value = parent.get(key)
        if value is None:
            self.error((key,), "policy.required", _REQUIRED)
            return None
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.error((key,), "policy.invalid_date", N_("Give a date such as 2025-01-31."))
        return None

    def choice(
        self, parent: Mapping[str, Any], key: str, path: _Path, kind: type[E], *, required: bool
    ) -> E | None:
        value = parent.get(key)
        where = (*path, key)
        if value is None:
            if required:
                self.error(where, "policy.required", _REQUIRED)
            return None
        return self.choice_value(value, where, kind)

    def choice_value(self, value: object, where: _Path, kind: type[E]) -> E | None:
        if not isinstance(value, str):
            self.wrong_type(where, "text")
            return None
        try:
            return kind(value)
        except ValueError:
            self.error(
                where,
                "policy.unknown_value",
                N_("Unknown value: use one of {choices}."),
                choices=", ".join(member.value for member in kind),
            )
            return None

    def ids(self, parent: Mapping[str, Any], key: str, path: _Path) -> tuple[str, ...]:
        """A list of category ids (may be empty; absent means empty)."""
        value = parent.get(key, [])
        where = (*path, key)
        if not isinstance(value, list):
            self.wrong_type(where, "list")
            return ()
        found: list[str] = []
        for index, item in enumerate(value):
            if not is_identifier(item):
                self.error(
                    (*where, index),
                    "policy.invalid_id",
                    N_("Give an identifier such as orders.completed."),
                )
            elif item in found:
                self.error((*where, index), "policy.duplicate_id", N_("Listed twice."))
            else:
                found.append(item)
        return tuple(found)

    def texts(self, parent: Mapping[str, Any], key: str) -> tuple[LocalText, ...]:
        value = parent.get(key, [])
        if not isinstance(value, list):
            self.wrong_type((key,), "list")
            return ()
        found = [self.local_value(item, (key, index)) for index, item in enumerate(value)]
        return tuple(item for item in found if item is not None)

    def basis(self, parent: Mapping[str, Any], path: _Path, allowed: Iterable[str]) -> str | None:
        code = self.text(parent, "legal_basis", path, required=False)
        known = frozenset(allowed)
        if code is not None and code not in known:
            self.error(
                (*path, "legal_basis"),
                "policy.unknown_legal_basis",
                N_("Unknown legal basis: use one of {choices}."),
                choices=", ".join(sorted(known)),
            )
            return None
        return code

    def items(
        self,
        data: Mapping[str, Any],
        key: str,
        read: Callable[[_Reader, Mapping[str, Any], _Path], T | None],
    ) -> tuple[T, ...]:
        """Each table of the array ``key``, read by ``read`` at its path (by id or index)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            self.wrong_type((key,), "array of tables")
            return ()
        seen: set[str] = set()
        found: list[T] = []
        for index, item in enumerate(value):
            if not isinstance(item, Mapping):
                self.wrong_type((key, index), "table")
                continue
            item_id = item.get("id")
            first = isinstance(item_id, str) and is_identifier(item_id) and item_id not in seen
            path: _Path = (key, item_id) if first and isinstance(item_id, str) else (key, index)
            if item_id is None:
                self.error((key, index, "id"), "policy.required", _REQUIRED)
            elif not is_identifier(item_id):
                self.error(
                    (key, index, "id"),
                    "policy.invalid_id",
                    N_("Give an identifier such as orders.completed."),
                )
            elif item_id in seen:
                self.error((key, index, "id"), "policy.duplicate_id", N_("This id is used twice."))
            if isinstance(item_id, str):
                seen.add(item_id)
            result = read(self, item, path)
            if result is not None and first:
                found.append(result)
        return tuple(found)


def _controller(reader: _Reader, data: Mapping[str, Any]) -> Controller | None:
    table = reader.table(data, "controller", (), required=False)
    if table is None:
        return None
    path: _Path = ("controller",)
    reader.keys(table, ("name", "address", "email", "phone", "siren"), path)
    name = reader.text(table, "name", path)
    address = reader.text(table, "address", path)
    email = _email(reader, table, path, required=True)
    phone = reader.text(table, "phone", path, required=False)
    siren = reader.text(table, "siren", path, required=False)
    if siren is not None:
        compact = _siren.compact(siren)
        if not _siren.is_valid(compact):
            reader.error(
                (*path, "siren"),
                "policy.invalid_siren",
                N_("This is not a valid SIREN number (nine digits, Luhn checked)."),
            )
            siren = None
        else:
            siren = compact
    if name is None or address is None or email is None:
        return None
    return Controller(name, address, email, phone, siren)


def _email(reader: _Reader, table: Mapping[str, Any], path: _Path, *, required: bool) -> str | None:
    value = table.get("email")
    if value is None and not required:
        return None
    checked = check_email(value, (*path, "email"))
    if isinstance(checked, FieldError):
        reader.errors.append(checked)
        return None
    return checked


def _privacy_contact(reader: _Reader, data: Mapping[str, Any]) -> PrivacyContact | None:
    table = reader.table(data, "privacy_contact", (), required=False)
    if table is None:
        return None
    path: _Path = ("privacy_contact",)
    reader.keys(table, ("email", "postal_address", "dpo_name"), path)
    email = _email(reader, table, path, required=True)
    postal = reader.text(table, "postal_address", path, required=False)
    dpo = reader.text(table, "dpo_name", path, required=False)
    return None if email is None else PrivacyContact(email, postal, dpo)


def _authority(reader: _Reader, data: Mapping[str, Any]) -> SupervisoryAuthority | None:
    table = reader.table(data, "authority", (), required=False)
    if table is None:
        return None
    path: _Path = ("authority",)
    reader.keys(table, ("name", "url"), path)
    name = reader.text(table, "name", path, required=False) or CNIL.name
    url = reader.text(table, "url", path, required=False) or CNIL.url
    if _URL.fullmatch(url) is None:
        reader.error((*path, "url"), "policy.invalid_url", N_("Give a web address (https://…)."))
        return None
    return SupervisoryAuthority(name, url)


def _processor(reader: _Reader, table: Mapping[str, Any], path: _Path) -> Processor | None:
    reader.keys(table, ("id", "name", "role", "receives", "country", "service", "safeguard"), path)
    name = reader.text(table, "name", path)
    role = reader.choice(table, "role", path, ProcessorRole, required=True)
    receives = reader.ids(table, "receives", path)
    country = reader.text(table, "country", path, required=False)
    if country is not None and not is_known_country(country):
        reader.error(
            (*path, "country"),
            "policy.invalid_country",
            N_("Give a country as an ISO 3166-1 code in capitals (FR, IE, US…)."),
        )
        country = None
    service = reader.local(table, "service", path)
    safeguard = reader.local(table, "safeguard", path, required=False)
    if country is not None and not is_in_eea(country) and table.get("safeguard") is None:
        reader.error(
            (*path, "safeguard"),
            "policy.safeguard_required",
            N_(
                "This processor is outside the European Economic Area: say which safeguard "
                "covers the transfer (adequacy decision, standard contractual clauses…)."
            ),
        )
    item_id = table.get("id")
    if name is None or role is None or service is None or not is_identifier(item_id):
        return None
    return Processor(str(item_id), name, role, receives, country, service, safeguard)


def _purpose(reader: _Reader, table: Mapping[str, Any], path: _Path) -> Purpose | None:
    reader.keys(
        table,
        (
            "id",
            "label",
            "legal_basis",
            "categories",
            "legitimate_interest",
            "requirement",
            "consequence",
        ),
        path,
    )
    label = reader.local(table, "label", path)
    basis = reader.basis(table, path, PURPOSE_BASES)
    categories = reader.ids(table, "categories", path)
    if not categories and isinstance(table.get("categories", []), list):
        reader.error(
            (*path, "categories"),
            "policy.required",
            N_("A purpose processes at least one category of data."),
        )
    interest = reader.local(table, "legitimate_interest", path, required=False)
    requirement = reader.choice(table, "requirement", path, Requirement, required=False)
    consequence = reader.local(table, "consequence", path, required=False)
    given_interest = table.get("legitimate_interest") is not None
    if basis == LEGITIMATE_INTEREST.code and not given_interest:
        reader.error(
            (*path, "legitimate_interest"),
            "policy.interest_required",
            N_("This purpose rests on legitimate interests: say which ones."),
        )
    elif basis is not None and basis != LEGITIMATE_INTEREST.code and given_interest:
        reader.error(
            (*path, "legitimate_interest"),
            "policy.interest_unexpected",
            N_("Only a purpose resting on legitimate interests (gdpr.6_1_f) names them."),
        )
    if (
        requirement in (Requirement.CONTRACT, Requirement.LEGAL)
        and table.get("consequence") is None
    ):
        reader.error(
            (*path, "consequence"),
            "policy.consequence_required",
            N_("The data is required: say what happens if it is not given."),
        )
    item_id = table.get("id")
    if label is None or not categories or not is_identifier(item_id):
        return None
    return Purpose(str(item_id), label, basis, categories, interest, requirement, consequence)


def _external(reader: _Reader, table: Mapping[str, Any], path: _Path) -> ExternalCategory | None:
    reader.keys(table, ("id", "label", "period", "starts", "legal_basis"), path)
    label = reader.local(table, "label", path)
    raw = reader.text(table, "period", path, required=False)
    period: Period | None = None
    if raw is not None:
        try:
            period = Period.parse(raw)
        except InvalidPeriodError:
            reader.error(
                (*path, "period"),
                "policy.invalid_period",
                N_("Give a period such as P10D, P6M or P10Y (no negative values)."),
            )
    starts = reader.local(table, "starts", path, required=False)
    if period is not None and table.get("starts") is None:
        reader.error(
            (*path, "starts"),
            "policy.required",
            N_("Say from which event the period runs."),
        )
    basis = reader.basis(table, path, (b.code for b in LEGAL_BASES))
    item_id = table.get("id")
    if label is None or not is_identifier(item_id):
        return None
    return ExternalCategory(str(item_id), label, period, starts, basis)


def _retention(
    reader: _Reader, data: Mapping[str, Any], base: RetentionSchedule
) -> dict[str, Period]:
    table = reader.table(data, "retention", (), required=False)
    if table is None:
        return {}
    texts: dict[str, str] = {}
    for rule_id, value in table.items():
        if not isinstance(value, str):
            shown = rule_id if is_identifier(rule_id) else "?"
            reader.wrong_type(("retention", shown), "ISO 8601 period such as P10Y")
        else:
            texts[rule_id] = value
    try:
        schedule = base.with_overrides(texts)
    except InvalidRetentionScheduleError as error:
        # The schedule's own checks (unknown rule, format, zero, legal minimum), each
        # under the rule it is about.
        reader.errors.extend(
            attrs.evolve(problem, path=("retention", problem.path[0])) for problem in error.errors
        )
        return {}
    return {rule_id: schedule.rule(rule_id).period for rule_id in texts}


#: A cookie lifetime: whole days, weeks or hours (ISO 8601), never months or years (a
#: cookie's ``Max-Age`` is in seconds, and a month has no fixed number of them).
_COOKIE_LIFETIME = re.compile(r"P(?:([0-9]{1,5})D|([0-9]{1,4})W|T([0-9]{1,6})H)")
_COOKIE_LIFETIME_HELP = N_(
    "Give the cookie's lifetime in days, weeks or hours, more than zero: P1D, P2W or PT12H."
)


def _cookie_lifetime(text: str) -> timedelta | None:
    """``P1D`` / ``P2W`` / ``PT12H`` as a duration; ``None`` if malformed or zero."""
    match = _COOKIE_LIFETIME.fullmatch(text.strip().upper())
    if match is None:
        return None
    days, weeks, hours = (int(group) if group else 0 for group in match.groups())
    lifetime = timedelta(days=days, weeks=weeks, hours=hours)
    return lifetime if lifetime > timedelta(0) else None


def _cart_cookie(reader: _Reader, data: Mapping[str, Any]) -> CartCookieLifetime | None:
    table = reader.table(data, "cart_cookie", (), required=False)
    if table is None:
        return None
    path: _Path = ("cart_cookie",)
    reader.keys(table, ("session", "max_age"), path)
    session = table.get("session", False)
    if not isinstance(session, bool):
        reader.wrong_type((*path, "session"), "true or false")
    raw = reader.text(table, "max_age", path)
    lifetime = None if raw is None else _cookie_lifetime(raw)
    if raw is not None and lifetime is None:
        reader.error((*path, "max_age"), "policy.invalid_cookie_lifetime", _COOKIE_LIFETIME_HELP)
    if lifetime is None or not isinstance(session, bool):
        return None
    return CartCookieLifetime(lifetime, session)


def _rights(reader: _Reader, data: Mapping[str, Any]) -> frozenset[Right]:
    value = data.get("rights", [])
    if not isinstance(value, list):
        reader.wrong_type(("rights",), "list")
        return frozenset()
    found = (reader.choice_value(item, ("rights", i), Right) for i, item in enumerate(value))
    return frozenset(right for right in found if right is not None)


def policy_from_mapping(
    data: Mapping[str, Any], *, base: RetentionSchedule | None = None
) -> PolicyConfig:
    """The configuration in ``data`` (a parsed TOML document), checked for shape.

    ``base`` is the schedule the ``[retention]`` periods override (the library's defaults
    unless the app adds rules of its own): an unknown rule id or a period below a legal
    minimum is refused there.

    Raises:
        InvalidPolicyConfigError: listing every problem at once.
    """
    reader = _Reader()
    given: object = data  # parsed from a file: may be anything
    if not isinstance(given, Mapping):
        reader.wrong_type((), "table")
        raise InvalidPolicyConfigError(reader.errors)
    reader.keys(data, _ROOT_KEYS, ())
    controller = _controller(reader, data)
    contact = _privacy_contact(reader, data)
    authority = _authority(reader, data)
    purposes = reader.items(data, "purposes", _purpose)
    processors = reader.items(data, "processors", _processor)
    externals = reader.items(data, "external_categories", _external)
    retention = _retention(reader, data, base or RetentionSchedule.defaults())
    cart_cookie = _cart_cookie(reader, data)
    library_periods = reader.flag(data, "library_periods", True)
    rights = _rights(reader, data)
    measures = reader.texts(data, "security_measures")
    sources = reader.texts(data, "sources")
    source_categories = reader.ids(data, "source_categories", ())
    if source_categories and not sources:
        reader.error(
            ("sources",),
            "policy.required",
            N_("Say where the data obtained from elsewhere comes from."),
        )
    created = reader.day(data, "created")
    updated = reader.day(data, "updated")
    if created is not None and updated is not None and updated < created:
        reader.error(
            ("updated",),
            "policy.updated_before_created",
            N_("The update date is before the creation date."),
        )
    InvalidPolicyConfigError.raise_if_any(reader.errors)
    assert created is not None  # noqa: S101 - the errors were raised above
    assert updated is not None  # noqa: S101
    return PolicyConfig(
        controller=controller,
        privacy_contact=contact,
        purposes=purposes,
        processors=processors,
        external_categories=externals,
        retention=MappingProxyType(retention),
        library_periods=library_periods,
        rights=rights,
        authority=authority,
        security_measures=measures,
        sources=sources,
        created=created,
        updated=updated,
        source_categories=source_categories,
        cart_cookie=cart_cookie,
    )


def load_policy(path: str | Path, *, base: RetentionSchedule | None = None) -> PolicyConfig:
    """The configuration in the TOML file at ``path`` (see :func:`policy_from_mapping`).

    Raises:
        InvalidPolicyConfigError: for a file that is not TOML (code ``policy.not_toml``,
            with the line in the message parameters) or any problem of its content.
        OSError: when the file cannot be read.
    """
    with Path(path).open("rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            line = getattr(error, "lineno", None)
            raise InvalidPolicyConfigError(
                [
                    FieldError(
                        (),
                        "policy.not_toml",
                        N_("The file is not valid TOML (line {line})."),
                        {"line": line if isinstance(line, int) else _line_of(str(error))},
                    )
                ]
            ) from None
    return policy_from_mapping(data, base=base)


def _line_of(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 0


# ---------------------------------------------------------------------------- consistency
def check_policy(
    config: PolicyConfig,
    registry: BoundRegistry[Any],
    *,
    cart_cookie: CartCookieCodec | CartCookieLifetime | None = None,
) -> None:
    """Check ``config`` against the shop's bound registry (and, given it, the shop's cart
    cookie codec or what it applies); every problem at once.

    * every category id a purpose, a processor or ``source_categories`` names is declared
      by a provider or by the configuration's external categories
      (``policy.unknown_category``);
    * every category of the registry is covered by a purpose (``policy.uncovered_category``,
      path ``("registry", category id)``): nothing is stored that the notice does not name;
    * no external category reuses a declared category id (``policy.category_clash``);
    * every period of ``[retention]`` is the one the registry's schedule applies
      (``policy.schedule_mismatch``): the shop's ``PrivacySettings`` must use
      :meth:`PolicyConfig.schedule`, or the notice would print what the sweep does not do;
    * given ``cart_cookie``, the configuration's ``[cart_cookie]`` (if any) is what the
      codec applies: a session cookie or not, and the same ``max_age``
      (``policy.cookie_mismatch``, path ``("cart_cookie", "session")`` or
      ``("cart_cookie", "max_age")``): build the shop with
      :meth:`CartCookieLifetime.shop_options`.

    Raises:
        InvalidPolicyConfigError: listing every problem.
    """
    declared = {entry.category.id for entry in registry.entries()}
    external = {category.id for category in config.external_categories}
    known = declared | external
    problems: list[FieldError] = []
    unknown = N_("No provider and no external category declares the category {category}.")

    def check_ids(ids: Iterable[str], where: _Path) -> None:
        for index, category_id in enumerate(ids):
            if category_id not in known:
                problems.append(
                    FieldError(
                        (*where, index),
                        "policy.unknown_category",
                        unknown,
                        {"category": category_id},
                    )
                )

    for purpose in config.purposes:
        check_ids(purpose.categories, ("purposes", purpose.id, "categories"))
    for processor in config.processors:
        check_ids(processor.receives, ("processors", processor.id, "receives"))
    check_ids(config.source_categories, ("source_categories",))
    problems.extend(
        FieldError(
            ("external_categories", category.id, "id"),
            "policy.category_clash",
            N_("A provider already declares this category: use another id."),
        )
        for category in config.external_categories
        if category.id in declared
    )
    covered = {category_id for purpose in config.purposes for category_id in purpose.categories}
    problems.extend(
        FieldError(
            ("registry", entry.category.id),
            "policy.uncovered_category",
            N_("No purpose of the configuration covers this category of data."),
        )
        for entry in registry.entries()
        if entry.category.id not in covered
    )
    for rule_id, period in config.retention.items():
        applied = registry.schedule.rule(rule_id).period if rule_id in registry.schedule else None
        if applied != period:
            problems.append(
                FieldError(
                    ("retention", rule_id),
                    "policy.schedule_mismatch",
                    N_(
                        "The shop's retention schedule does not apply this period: build its "
                        "privacy settings from the configuration's schedule."
                    ),
                )
            )
    problems.extend(_cookie_problems(config.cart_cookie, cart_cookie))
    InvalidPolicyConfigError.raise_if_any(problems)


def _cookie_problems(
    stated: CartCookieLifetime | None, applied: CartCookieCodec | CartCookieLifetime | None
) -> list[FieldError]:
    """Where the stated cart cookie lifetime differs from the one the codec applies."""
    if stated is None or applied is None:
        return []
    actual = CartCookieLifetime.of(applied) if isinstance(applied, CartCookieCodec) else applied
    message = N_(
        "The shop's cart cookie does not apply this setting: build the shop with the "
        "configuration's cart cookie lifetime (cart_session_cookie, cart_max_age)."
    )
    return [
        FieldError(("cart_cookie", key), "policy.cookie_mismatch", message)
        for key, differs in (
            ("session", stated.session != actual.session),
            ("max_age", stated.max_age != actual.max_age),
        )
        if differs
    ]
