"""The privacy notice (SPEC PRV-8, GDPR art. 13), built from declarations, never from prose.

Klickit's published notice was written apart from the code and drifted from it (decision
0015). :func:`build_notice` assembles the notice in one language from three sources only:

* the shop's :class:`~klickit_core.policy.config.PolicyConfig`: what the code cannot know
  (controller, contact, purposes, processors, rights, authority, security measures);
* the bound privacy registry: every category of personal data, its label, and the
  period of the :class:`~klickit_core.privacy.retention.RetentionRule` that the sweep
  enforces, printed with :meth:`~klickit_core.privacy.retention.Period.label` and the
  clock event's label. No sentence here writes a duration: what the notice says is what
  the sweep does;
* :class:`NoticeFacts`, read from the running shop by :func:`notice_facts`: the cart
  cookie exactly as its codec sets it, whether the fraud screen can refuse an order
  on its own (an automated decision, GDPR art. 22), and the file an access request is
  answered with (``PrivacySettings.export_format``, PRV-3).

The result is plain values (:class:`PrivacyNotice` of :class:`NoticeSection` made of
blocks) in the requested language; :mod:`klickit_core.adapters.policy` renders them as
HTML or Markdown, and the shared converter as JSON. Every sentence is an ``N_`` msgid
with its French translation in the catalogue; configuration texts are already in both
languages (:class:`~klickit_core.policy.config.LocalText`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta
from typing import Any, Literal, Protocol

import attrs
from babel import Locale
from babel.dates import format_date
from babel.units import format_unit

from klickit_core.cart.domain.cookie import CartCookieCodec
from klickit_core.payments.fraud import (
    AmountThresholdRule,
    CountryMismatchRule,
    EmailVelocityRule,
    FailedPaymentBurstRule,
    FraudRule,
    FraudScreen,
    FraudVerdict,
    IpVelocityRule,
)
from klickit_core.personal_data import (
    CLOCK_EVENT_LABELS,
    RETENTION_ACTION_LABELS,
)
from klickit_core.policy.completeness import require_complete
from klickit_core.policy.config import (
    RIGHT_LABELS,
    CartCookieLifetime,
    PolicyConfig,
    Processor,
    Purpose,
    Requirement,
    Right,
    check_policy,
)
from klickit_core.privacy.records import ExportFormat
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.settings import PrivacySettings
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import locale_language, normalise_locale

__all__ = [
    "COOKIE_CONTENT",
    "EXPORT_FILES",
    "RULE_DESCRIPTIONS",
    "SECTION_IDS",
    "BulletList",
    "CookieFacts",
    "Fact",
    "FactList",
    "NoticeFacts",
    "NoticeSection",
    "NoticeSources",
    "Paragraph",
    "PrivacyNotice",
    "ScreenRule",
    "Table",
    "TableRow",
    "UnknownNoticeSectionError",
    "build_notice",
    "notice_facts",
]

_EMPTY = "—"


class UnknownNoticeSectionError(KlickitError):
    """The notice has no section with this id (see :data:`SECTION_IDS`)."""

    code = "policy.unknown_notice_section"
    message_template = N_("The privacy notice has no section {section}.")


# ---------------------------------------------------------------------------- facts
#: What the cart cookie holds (CRT-3: SKUs and quantities only, signed).
COOKIE_CONTENT = N_(
    "Only the references and quantities of the products in your cart, signed so that they "
    "cannot be altered: no name, no price, no other information."
)


@attrs.frozen(slots=True)
class CookieFacts:
    """The cart cookie as the codec sets it: the notice prints these, nothing else.

    ``content`` is an ``N_`` msgid (the codec's wire format holds SKUs and quantities
    only). :attr:`attributes` is the ``Set-Cookie`` attribute list in the codec's order.
    ``lifetime`` is how long the server accepts the cookie after the cart's last change;
    ``session`` says the browser is sent no ``Max-Age`` and drops it when it closes.
    """

    name: str
    lifetime: timedelta
    secure: bool
    http_only: bool
    same_site: str
    path: str = "/"
    domain: str | None = None
    content: str = COOKIE_CONTENT
    session: bool = False

    @classmethod
    def from_codec(cls, codec: CartCookieCodec) -> CookieFacts:
        """The facts of ``codec``'s cookie. The flags come from the cookie value the codec
        itself builds (:meth:`~CartCookieCodec.cleared_cookie`), so they cannot differ
        from what it sends."""
        made = codec.cleared_cookie()
        return cls(
            name=made.name,
            lifetime=codec.max_age,
            secure=made.secure,
            http_only=made.httponly,
            same_site=made.samesite,
            path=made.path,
            domain=made.domain,
            session=codec.session_cookie,
        )

    @property
    def max_age(self) -> int:
        """The lifetime in whole seconds, as ``Max-Age`` carries it (a session cookie's
        header carries none: then it is the server's bound alone)."""
        return int(self.lifetime.total_seconds())

    @property
    def attributes(self) -> str:
        """``Path=/; Max-Age=2592000; Secure; HttpOnly; SameSite=Lax``: the attributes of
        the ``Set-Cookie`` header, in the codec's order (no ``Max-Age`` for a session
        cookie)."""
        parts = [f"Path={self.path}"]
        if not self.session:
            parts.append(f"Max-Age={self.max_age}")
        if self.domain:
            parts.append(f"Domain={self.domain}")
        if self.secure:
            parts.append("Secure")
        if self.http_only:
            parts.append("HttpOnly")
        parts.append(f"SameSite={self.same_site}")
        return "; ".join(parts)


#: What each library rule looks at (GDPR art. 13(2)(f): "meaningful information about the
#: logic involved"). Thresholds are left out on purpose: printing them would tell a
#: fraudster how many attempts are free.
RULE_DESCRIPTIONS: Mapping[type, str] = {
    EmailVelocityRule: N_(
        "how many orders were placed with the same email address in a short time"
    ),
    IpVelocityRule: N_("how many orders were placed from the same IP address in a short time"),
    FailedPaymentBurstRule: N_(
        "how many payments failed for the same email address or from the same IP address "
        "in the last few minutes"
    ),
    CountryMismatchRule: N_("whether the billing and delivery countries differ"),
    AmountThresholdRule: N_("the amount of the order"),
}
_OTHER_RULE = N_("another check specific to the shop")
_ALL_VERDICTS = frozenset({FraudVerdict.REVIEW, FraudVerdict.DENY})


def _rule_verdicts(rule: FraudRule) -> frozenset[FraudVerdict]:
    """The verdicts ``rule`` can give. A rule the library does not know may declare
    ``verdicts``; without it, it is taken to be able to deny: a notice must never say
    "no automated decision" on a guess."""
    if isinstance(rule, EmailVelocityRule | IpVelocityRule):
        if rule.review_at < rule.deny_at:
            return _ALL_VERDICTS
        return frozenset({FraudVerdict.DENY})
    if isinstance(rule, FailedPaymentBurstRule):
        return frozenset({FraudVerdict.DENY})
    if isinstance(rule, CountryMismatchRule | AmountThresholdRule):
        return frozenset({rule.verdict})
    declared: object = getattr(rule, "verdicts", None)
    if isinstance(declared, Iterable) and not isinstance(declared, str | bytes):
        found = tuple(declared)
        if all(isinstance(verdict, FraudVerdict) for verdict in found):
            return frozenset(found)
    return _ALL_VERDICTS


def _rule_description(rule: FraudRule) -> str:
    for kind, description in RULE_DESCRIPTIONS.items():
        if isinstance(rule, kind):
            return description
    declared: object = getattr(rule, "description", None)
    if isinstance(declared, str) and declared.strip():
        return declared
    return _OTHER_RULE


@attrs.frozen(slots=True)
class ScreenRule:
    """One rule of the fraud screen: its name, what it looks at (an ``N_`` msgid) and the
    verdicts it can give."""

    name: str
    looks_at: str
    verdicts: frozenset[FraudVerdict]

    @classmethod
    def of(cls, rule: FraudRule) -> ScreenRule:
        """The facts of a library rule, or of a shop's own rule (which may declare
        ``verdicts`` and ``description``, an ``N_`` msgid)."""
        return cls(rule.name, _rule_description(rule), _rule_verdicts(rule))

    @property
    def can_deny(self) -> bool:
        """Whether the rule alone can refuse an order (the payment fails, nobody looks)."""
        return FraudVerdict.DENY in self.verdicts

    @property
    def can_hold(self) -> bool:
        """Whether the rule can hold an order for staff review."""
        return FraudVerdict.REVIEW in self.verdicts


@attrs.frozen(slots=True)
class NoticeFacts:
    """What the notice reads from the running shop rather than from configuration: the
    cart cookie (:class:`CookieFacts`), the fraud screen's rules (:class:`ScreenRule`) and
    the file the shop answers an access request with (``export_format``, the shop's
    ``PrivacySettings.export_format``; the library's default, HTML, when not given).

    Build it with :func:`notice_facts`.
    """

    cookie: CookieFacts
    screen: tuple[ScreenRule, ...] = ()
    export_format: ExportFormat = attrs.field(default=ExportFormat.HTML, converter=ExportFormat)

    @classmethod
    def from_parts(
        cls,
        cart_cookie: CartCookieCodec,
        fraud: FraudScreen,
        export_format: ExportFormat | str = ExportFormat.HTML,
    ) -> NoticeFacts:
        """The facts of a cookie codec, a fraud screen and an export format."""
        return cls(
            CookieFacts.from_codec(cart_cookie),
            tuple(ScreenRule.of(r) for r in fraud.rules),
            ExportFormat(export_format),
        )

    @property
    def can_deny(self) -> bool:
        """Whether the fraud screen can refuse an order without a person: an automated
        decision within GDPR art. 22, which the notice must disclose."""
        return any(rule.can_deny for rule in self.screen)

    @property
    def deny_rules(self) -> tuple[str, ...]:
        """What each rule that can refuse an order looks at (``N_`` msgids)."""
        return _unique(rule.looks_at for rule in self.screen if rule.can_deny)

    @property
    def review_rules(self) -> tuple[str, ...]:
        """What each rule that can only hold an order for review looks at."""
        return _unique(rule.looks_at for rule in self.screen if rule.can_hold and not rule.can_deny)

    @property
    def holds_for_review(self) -> bool:
        """Whether some order can be held for a person to decide (``approve_held_order``
        / ``reject_held_order``)."""
        return any(rule.can_hold for rule in self.screen)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


class NoticeSources(Protocol):
    """What :func:`notice_facts` reads: a :class:`~klickit_core.bootstrap.Shop` has all
    three (the policy layer sits below the composition root, so it names the shape, not
    the class)."""

    @property
    def privacy_settings(self) -> PrivacySettings:
        """The shop's privacy settings (the export format, PRV-3)."""
        ...

    @property
    def cart_cookie(self) -> CartCookieCodec:
        """The cart cookie codec."""
        ...

    @property
    def fraud(self) -> FraudScreen:
        """The fraud screen run before a payment."""
        ...


def notice_facts(
    shop: NoticeSources | None = None,
    *,
    cart_cookie: CartCookieCodec | None = None,
    fraud: FraudScreen | None = None,
    export_format: ExportFormat | str | None = None,
) -> NoticeFacts:
    """The facts of a shop (``notice_facts(shop)``), or of its parts
    (``notice_facts(cart_cookie=..., fraud=...)``, with the library's default export
    format unless ``export_format`` says otherwise); a part given by name replaces the
    shop's."""
    if shop is not None:
        cart_cookie = shop.cart_cookie if cart_cookie is None else cart_cookie
        fraud = shop.fraud if fraud is None else fraud
        if export_format is None:
            export_format = shop.privacy_settings.export_format
    if cart_cookie is None or fraud is None:
        raise TypeError("notice_facts needs a shop, or both cart_cookie and fraud")
    return NoticeFacts.from_parts(cart_cookie, fraud, export_format or ExportFormat.HTML)


# ---------------------------------------------------------------------------- model
def _kind(expected: str) -> Any:
    """``kind`` says which block a value is, for the templates and for JSON readers; it
    is a field (so the shared converter writes it) that only takes its own value."""
    return attrs.validators.in_((expected,))


@attrs.frozen(slots=True)
class Paragraph:
    """A paragraph of text."""

    text: str
    kind: Literal["paragraph"] = attrs.field(default="paragraph", validator=_kind("paragraph"))


@attrs.frozen(slots=True)
class BulletList:
    """An unordered list."""

    items: tuple[str, ...]
    kind: Literal["list"] = attrs.field(default="list", validator=_kind("list"))


@attrs.frozen(slots=True)
class Fact:
    """A labelled value; ``key`` is stable (``"name"``, ``"lifetime"``)."""

    key: str
    label: str
    value: str


@attrs.frozen(slots=True)
class FactList:
    """Labelled values (a definition list)."""

    facts: tuple[Fact, ...]
    kind: Literal["facts"] = attrs.field(default="facts", validator=_kind("facts"))

    def value(self, key: str) -> str:
        """The value of the fact ``key``."""
        for fact in self.facts:
            if fact.key == key:
                return fact.value
        raise KeyError(key)


@attrs.frozen(slots=True)
class TableRow:
    """One row; ``key`` is stable (a category, purpose or processor id)."""

    key: str
    cells: tuple[str, ...]


@attrs.frozen(slots=True)
class Table:
    """A table with a header row."""

    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]
    kind: Literal["table"] = attrs.field(default="table", validator=_kind("table"))

    def row(self, key: str) -> TableRow:
        """The row ``key``."""
        for row in self.rows:
            if row.key == key:
                return row
        raise KeyError(key)


Block = Paragraph | BulletList | FactList | Table


@attrs.frozen(slots=True)
class NoticeSection:
    """One section: a stable ``id`` (an anchor), the translated title, the article of the
    GDPR it answers and its blocks in reading order."""

    id: str
    title: str
    article: str
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Every text of the section, one per line (for search and tests)."""
        lines = [self.title]
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines.append(block.text)
            elif isinstance(block, BulletList):
                lines.extend(block.items)
            elif isinstance(block, FactList):
                lines.extend(f"{fact.label}: {fact.value}" for fact in block.facts)
            else:
                lines.append(" | ".join(block.headers))
                lines.extend(" | ".join(row.cells) for row in block.rows)
        return "\n".join(lines)

    def table(self) -> Table:
        """The section's (first) table."""
        return next(block for block in self.blocks if isinstance(block, Table))

    def facts(self) -> FactList:
        """The section's (first) list of facts."""
        return next(block for block in self.blocks if isinstance(block, FactList))


@attrs.frozen(slots=True)
class PrivacyNotice:
    """The notice in one language (``locale``: ``"fr"`` or ``"en"``)."""

    locale: str
    title: str
    controller: str
    updated: str
    updated_iso: str
    intro: tuple[str, ...]
    contents_title: str
    sections: tuple[NoticeSection, ...]

    def section(self, section_id: str) -> NoticeSection:
        """The section ``section_id`` (:class:`UnknownNoticeSectionError` if absent)."""
        for section in self.sections:
            if section.id == section_id:
                return section
        raise UnknownNoticeSectionError(section=section_id if section_id.isidentifier() else "?")

    @property
    def section_ids(self) -> tuple[str, ...]:
        """The ids of the sections, in order."""
        return tuple(section.id for section in self.sections)


#: Every section a notice can have, in order. ``sources`` appears only when the
#: configuration names data obtained from elsewhere (art. 14), ``security`` only when it
#: lists measures.
SECTION_IDS = (
    "controller",
    "purposes",
    "legitimate_interests",
    "recipients",
    "transfers",
    "retention",
    "rights",
    "requirement",
    "cookies",
    "automated_decisions",
    "security",
    "sources",
)

# ---------------------------------------------------------------------------- wording
_T = {
    "title": N_("Privacy notice"),
    "intro": N_(
        "This notice explains which personal data {controller} processes about you, why, "
        "for how long, who receives it and what your rights are."
    ),
    "updated": N_("Last updated: {date}"),
    "contents": N_("Contents"),
    # controller
    "controller": N_("Who is responsible for your data"),
    "controller_intro": N_("The controller of your personal data is:"),
    "name": N_("Name"),
    "address": N_("Postal address"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "siren": N_("SIREN number"),
    "contact": N_(
        "For any question about your personal data, and to exercise your rights, write to {email}."
    ),
    "contact_post": N_("You can also write to us by post: {address}."),
    "dpo": N_("Our data protection officer, {name}, can be reached at the same address."),
    # purposes
    "purposes": N_("Why we use your data, and on what legal basis"),
    "purpose": N_("Purpose"),
    "basis": N_("Legal basis"),
    "data_used": N_("Data used"),
    # legitimate interests
    "interests": N_("Our legitimate interests"),
    "interests_intro": N_(
        "Where we rely on our legitimate interests (GDPR art. 6(1)(f)), they are the following:"
    ),
    "interests_none": N_("None of our purposes relies on our legitimate interests."),
    "interest_item": N_("{purpose}: {interest}"),
    # recipients
    "recipients": N_("Who receives your data"),
    "staff": N_(
        "Within the shop, only the staff members whose work requires it can see your data."
    ),
    "staff_logged": N_("Each time a staff member looks at your data, it is recorded."),
    "processors_intro": N_(
        "The following service providers receive data to perform a service for us, on our "
        "behalf and on our instructions:"
    ),
    "processors_none": N_("No service provider receives your data."),
    "recipient": N_("Recipient"),
    "service": N_("What it does for us"),
    "receives": N_("Data it receives"),
    "country": N_("Country"),
    # transfers
    "transfers": N_("Transfers outside the European Economic Area"),
    "transfers_none": N_("Your data is not transferred outside the European Economic Area."),
    "transfers_intro": N_(
        "The following recipients are outside the European Economic Area; each transfer is "
        "covered by the safeguard shown:"
    ),
    "safeguard": N_("Safeguard"),
    # retention
    "retention": N_("How long we keep your data"),
    "retention_intro": N_(
        "Each kind of data is kept for the period shown, counted from the event shown; at "
        "the end of the period it is deleted or anonymised."
    ),
    "data": N_("Data"),
    "period": N_("How long"),
    "counted": N_("Counted"),
    # rights
    "rights": N_("Your rights"),
    "rights_intro": N_("You have the following rights over your data:"),
    "exercise": N_("To exercise your rights, write to {email}."),
    "access_file": N_(
        "When you ask for a copy of your data, we first email you a link to confirm that "
        "you made the request, then a link that works once to download {file}."
    ),
    # requirement
    "requirement": N_("Do you have to give us your data?"),
    "required": N_("Required?"),
    "consequence": N_("If you do not give it"),
    # cookies
    "cookies": N_("Cookies we place"),
    "cookies_intro": N_(
        "To keep your cart while you visit the shop, we place the following cookie in your browser."
    ),
    "cookie_name": N_("Name"),
    "cookie_content": N_("What it holds"),
    "cookie_lifetime": N_("Lifetime"),
    "cookie_lifetime_value": N_("{lifetime}, counted from its last update"),
    "cookie_lifetime_session": N_(
        "Kept until you close your browser (and at most {lifetime} after your last change)"
    ),
    "cookie_secure": N_("Sent over secure connections (HTTPS) only"),
    "cookie_http_only": N_("Out of reach of scripts in the page"),
    "cookie_same_site": N_("Sent with requests from other sites"),
    "cookie_attributes": N_("Technical attributes"),
    "cookie_consent": N_(
        "This cookie is strictly necessary to provide the cart, a service you expressly ask "
        "for, so it needs no consent (French Data Protection Act, art. 82)."
    ),
    # automated decisions
    "automated": N_("Automated decisions"),
    "automated_none": N_(
        "We take no decision about you based solely on automated processing, including "
        "profiling, that produces legal effects concerning you or similarly significantly "
        "affects you (GDPR art. 22)."
    ),
    "screen_review_only": N_(
        "Before payment, orders are checked automatically for signs of fraud. An order the "
        "checks flag is held until a member of our staff reviews it: only a person can "
        "refuse it. The checks look at:"
    ),
    "screen_deny": N_(
        "Before payment, each order is checked automatically for signs of fraud. Some of "
        "these checks can refuse an order, and its payment, without anyone looking at it: "
        "this is a decision based solely on automated processing (GDPR art. 22). The checks "
        "that can refuse an order look at:"
    ),
    "screen_held": N_(
        "An order the checks flag without refusing it is held until a member of our staff "
        "reviews it; a person then decides whether it goes ahead."
    ),
    "screen_held_rules": N_("The checks that can only hold an order look at:"),
    "screen_human": N_(
        "If one of your orders was refused by these checks, you may ask for a member of our "
        "staff to review the decision, express your point of view and contest the decision, "
        "by writing to {email}."
    ),
    # security, sources
    "security": N_("How we protect your data"),
    "sources": N_("Data we obtain from other sources"),
    "sources_intro": N_("We also obtain data about you from the following sources:"),
    "sources_categories": N_("The data we obtain this way: {categories}."),
}

#: What each right lets the person do; printed after the right's name and article
#: (:data:`~klickit_core.policy.config.RIGHT_LABELS`).
_RIGHTS: Mapping[Right, str] = {
    Right.ACCESS: N_(
        "you may obtain confirmation that we process data about you, and a copy of it."
    ),
    Right.RECTIFICATION: N_(
        "you may have inaccurate data about you corrected, and incomplete data completed."
    ),
    Right.ERASURE: N_(
        "you may have your data erased, except what the law requires us to keep, which is "
        "kept only for the period shown above."
    ),
    Right.RESTRICTION: N_(
        "you may have the use of your data restricted, for instance while its accuracy is "
        "being checked."
    ),
    Right.OBJECTION: N_(
        "you may object at any time, on grounds relating to your particular situation, to "
        "the use of your data based on our legitimate interests."
    ),
    Right.PORTABILITY: N_(
        "where we use data you gave us on the basis of your consent or of a contract, you may "
        "receive it in a structured, commonly used and machine-readable format, and have it "
        "passed on to another organisation."
    ),
    Right.WITHDRAW_CONSENT: N_(
        "where we rely on your consent, you may withdraw it; this does not affect the "
        "lawfulness of the processing based on your consent before you withdrew it."
    ),
    Right.COMPLAINT: N_(
        "you may lodge a complaint with the supervisory authority ({authority}, {url}), in "
        "particular if you think your rights have not been respected."
    ),
}
_RIGHT_ITEM = N_("{right}: {explanation}")

#: The file an access request is answered with, as the notice names it (PRV-3): read
#: from ``PrivacySettings.export_format``, never written by hand.
EXPORT_FILES: Mapping[ExportFormat, str] = {
    ExportFormat.HTML: N_(
        "an HTML file you can open in any web browser, with the same data in JSON inside "
        "it, to take it to another service"
    ),
    ExportFormat.ZIP: N_(
        "a ZIP archive holding an HTML page you can open in any web browser and a JSON "
        "file with the same data, to take it to another service"
    ),
}

_REQUIREMENTS: Mapping[Requirement, str] = {
    Requirement.CONTRACT: N_("Yes, to conclude or perform the contract"),
    Requirement.LEGAL: N_("Yes, the law requires it"),
    Requirement.NONE: N_("No"),
}

_SAME_SITE: Mapping[str, str] = {
    "lax": N_("Only when you follow a link to the shop"),
    "strict": N_("No"),
    "none": N_("Yes"),
}
_YES, _NO = N_("Yes"), N_("No")

#: The category whose presence means every staff read is logged (SEC, access log).
_ACCESS_LOG_CATEGORY = "staff.access_log"


# ---------------------------------------------------------------------------- building
class _Words:
    """Translations in one language, with ``{placeholders}`` filled."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **params: str) -> str:
        text = translate(_T[key], self.language)
        return text.format(**params) if params else text

    def msg(self, msgid: str, **params: str) -> str:
        text = translate(msgid, self.language)
        return text.format(**params) if params else text


def _country(code: str, language: str) -> str:
    territories: Mapping[str, str] = Locale.parse(normalise_locale(language)).territories
    return territories.get(code.upper(), code)


def _lifetime(lifetime: timedelta, language: str) -> str:
    """``30 days`` / ``30 jours``; hours, minutes or seconds when not a whole number of
    days (Babel's units: the figure comes from the codec, never from a sentence)."""
    seconds = int(lifetime.total_seconds())
    units = (("duration-day", 86_400), ("duration-hour", 3_600), ("duration-minute", 60))
    for unit, size in units:
        if seconds and seconds % size == 0:
            return str(
                format_unit(seconds // size, unit, length="long", locale=normalise_locale(language))
            )
    return str(
        format_unit(seconds, "duration-second", length="long", locale=normalise_locale(language))
    )


def _category_labels(
    config: PolicyConfig, registry: BoundRegistry[Any], language: str
) -> dict[str, str]:
    labels = {
        entry.category.id: translate(entry.category.label, language) for entry in registry.entries()
    }
    for external in config.external_categories:
        labels.setdefault(external.id, external.label.get(language))
    return labels


def _labels(ids: Iterable[str], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(category_id, category_id) for category_id in ids) or _EMPTY


def _controller(config: PolicyConfig, words: _Words) -> NoticeSection:
    controller, contact = config.controller, config.privacy_contact
    assert controller is not None  # noqa: S101 - require_complete checked it
    assert contact is not None  # noqa: S101
    facts = [
        Fact("name", words("name"), controller.name),
        Fact("address", words("address"), controller.address),
        Fact("email", words("email"), controller.email),
    ]
    if controller.phone:
        facts.append(Fact("phone", words("phone"), controller.phone))
    if controller.siren:
        facts.append(Fact("siren", words("siren"), controller.siren))
    blocks: list[Block] = [
        Paragraph(words("controller_intro")),
        FactList(tuple(facts)),
        Paragraph(words("contact", email=contact.email)),
    ]
    if contact.postal_address:
        blocks.append(Paragraph(words("contact_post", address=contact.postal_address)))
    if contact.dpo_name:
        blocks.append(Paragraph(words("dpo", name=contact.dpo_name)))
    return NoticeSection("controller", words("controller"), "13(1)(a), 13(1)(b)", tuple(blocks))


def _purposes(config: PolicyConfig, labels: Mapping[str, str], words: _Words) -> NoticeSection:
    rows = tuple(
        TableRow(
            purpose.id,
            (
                purpose.label.get(words.language),
                words.msg(purpose.basis.label) if purpose.basis else _EMPTY,
                _labels(purpose.categories, labels),
            ),
        )
        for purpose in config.purposes
    )
    table = Table((words("purpose"), words("basis"), words("data_used")), rows)
    return NoticeSection("purposes", words("purposes"), "13(1)(c)", (table,))


def _interests(config: PolicyConfig, words: _Words) -> NoticeSection:
    relied: list[Purpose] = [p for p in config.purposes if p.legitimate_interest is not None]
    blocks: tuple[Block, ...]
    if relied:
        items = tuple(
            words(
                "interest_item",
                purpose=purpose.label.get(words.language),
                interest=purpose.legitimate_interest.get(words.language),
            )
            for purpose in relied
            if purpose.legitimate_interest is not None
        )
        blocks = (Paragraph(words("interests_intro")), BulletList(items))
    else:
        blocks = (Paragraph(words("interests_none")),)
    return NoticeSection("legitimate_interests", words("interests"), "13(1)(d)", blocks)


def _recipients(
    config: PolicyConfig,
    registry: BoundRegistry[Any],
    labels: Mapping[str, str],
    words: _Words,
) -> NoticeSection:
    blocks: list[Block] = [Paragraph(words("staff"))]
    if any(entry.category.id == _ACCESS_LOG_CATEGORY for entry in registry.entries()):
        blocks.append(Paragraph(words("staff_logged")))
    if config.processors:
        rows = tuple(
            TableRow(
                processor.id,
                (
                    processor.name,
                    processor.service.get(words.language),
                    _labels(processor.receives, labels),
                    _country(processor.country or "", words.language),
                ),
            )
            for processor in config.processors
        )
        headers = (words("recipient"), words("service"), words("receives"), words("country"))
        blocks += [Paragraph(words("processors_intro")), Table(headers, rows)]
    else:
        blocks.append(Paragraph(words("processors_none")))
    return NoticeSection("recipients", words("recipients"), "13(1)(e)", tuple(blocks))


def _transfers(config: PolicyConfig, words: _Words) -> NoticeSection:
    abroad: list[Processor] = [p for p in config.processors if p.outside_eea]
    blocks: tuple[Block, ...]
    if abroad:
        rows = tuple(
            TableRow(
                processor.id,
                (
                    processor.name,
                    _country(processor.country or "", words.language),
                    processor.safeguard.get(words.language) if processor.safeguard else _EMPTY,
                ),
            )
            for processor in abroad
        )
        headers = (words("recipient"), words("country"), words("safeguard"))
        blocks = (Paragraph(words("transfers_intro")), Table(headers, rows))
    else:
        blocks = (Paragraph(words("transfers_none")),)
    return NoticeSection("transfers", words("transfers"), "13(1)(f)", blocks)


def _retention(config: PolicyConfig, registry: BoundRegistry[Any], words: _Words) -> NoticeSection:
    language = words.language
    rows: list[TableRow] = []
    for entry in registry.entries():
        rule = registry.rule_for(entry.category.id)
        period = f"{rule.period.label(language)}, {words.msg(RETENTION_ACTION_LABELS[rule.action])}"
        rows.append(
            TableRow(
                entry.category.id,
                (
                    translate(entry.category.label, language),
                    period,
                    words.msg(CLOCK_EVENT_LABELS[rule.starts]),
                ),
            )
        )
    rows.extend(
        TableRow(
            external.id,
            (
                external.label.get(language),
                external.period.label(language) if external.period else _EMPTY,
                external.starts.get(language) if external.starts else _EMPTY,
            ),
        )
        for external in config.external_categories
    )
    table = Table((words("data"), words("period"), words("counted")), tuple(rows))
    return NoticeSection(
        "retention", words("retention"), "13(2)(a)", (Paragraph(words("retention_intro")), table)
    )


def _rights(config: PolicyConfig, facts: NoticeFacts, words: _Words) -> NoticeSection:
    contact, authority = config.privacy_contact, config.authority
    assert contact is not None  # noqa: S101 - require_complete checked it
    items: list[str] = []
    for right in Right:  # the enum's order, whatever the configuration's
        if right not in config.rights:
            continue
        if right is Right.COMPLAINT:
            assert authority is not None  # noqa: S101 - require_complete checked it
            explanation = words.msg(_RIGHTS[right], authority=authority.name, url=authority.url)
        else:
            explanation = words.msg(_RIGHTS[right])
        label = words.msg(RIGHT_LABELS[right])
        items.append(words.msg(_RIGHT_ITEM, right=label, explanation=explanation))
    blocks: list[Block] = [
        Paragraph(words("rights_intro")),
        BulletList(tuple(items)),
        Paragraph(words("exercise", email=contact.email)),
    ]
    if contact.postal_address:
        blocks.append(Paragraph(words("contact_post", address=contact.postal_address)))
    if Right.ACCESS in config.rights or Right.PORTABILITY in config.rights:
        the_file = words.msg(EXPORT_FILES[facts.export_format])
        blocks.append(Paragraph(words("access_file", file=the_file)))
    return NoticeSection("rights", words("rights"), "13(2)(b), 13(2)(c), 13(2)(d)", tuple(blocks))


def _requirement(config: PolicyConfig, words: _Words) -> NoticeSection:
    rows = tuple(
        TableRow(
            purpose.id,
            (
                purpose.label.get(words.language),
                words.msg(_REQUIREMENTS[purpose.requirement]) if purpose.requirement else _EMPTY,
                purpose.consequence.get(words.language) if purpose.consequence else _EMPTY,
            ),
        )
        for purpose in config.purposes
    )
    table = Table((words("purpose"), words("required"), words("consequence")), rows)
    return NoticeSection("requirement", words("requirement"), "13(2)(e)", (table,))


def _cookies(cookie: CookieFacts, words: _Words) -> NoticeSection:
    def yes_no(flag: bool, attribute: str) -> str:
        # The attribute's name only when the header carries it: "Yes (Secure)", "No".
        return f"{words.msg(_YES)} ({attribute})" if flag else words.msg(_NO)

    same_site = _SAME_SITE.get(cookie.same_site.lower())
    same_site_text = words.msg(same_site) if same_site else _EMPTY
    facts = (
        Fact("name", words("cookie_name"), cookie.name),
        Fact("content", words("cookie_content"), words.msg(cookie.content)),
        Fact(
            "lifetime",
            words("cookie_lifetime"),
            words(
                "cookie_lifetime_session" if cookie.session else "cookie_lifetime_value",
                lifetime=_lifetime(cookie.lifetime, words.language),
            ),
        ),
        Fact("secure", words("cookie_secure"), yes_no(cookie.secure, "Secure")),
        Fact("http_only", words("cookie_http_only"), yes_no(cookie.http_only, "HttpOnly")),
        Fact(
            "same_site",
            words("cookie_same_site"),
            f"{same_site_text} (SameSite={cookie.same_site})",
        ),
        Fact("attributes", words("cookie_attributes"), cookie.attributes),
    )
    blocks = (
        Paragraph(words("cookies_intro")),
        FactList(facts),
        Paragraph(words("cookie_consent")),
    )
    return NoticeSection("cookies", words("cookies"), "ePrivacy 5(3)", blocks)


def _automated(config: PolicyConfig, facts: NoticeFacts, words: _Words) -> NoticeSection:
    contact = config.privacy_contact
    assert contact is not None  # noqa: S101 - require_complete checked it
    blocks: list[Block] = []
    if facts.can_deny:
        blocks += [
            Paragraph(words("screen_deny")),
            BulletList(tuple(words.msg(rule) for rule in facts.deny_rules)),
        ]
        if facts.holds_for_review:
            blocks.append(Paragraph(words("screen_held")))
        if facts.review_rules:
            blocks += [
                Paragraph(words("screen_held_rules")),
                BulletList(tuple(words.msg(rule) for rule in facts.review_rules)),
            ]
        blocks.append(Paragraph(words("screen_human", email=contact.email)))
    else:
        blocks.append(Paragraph(words("automated_none")))
        if facts.review_rules:
            blocks += [
                Paragraph(words("screen_review_only")),
                BulletList(tuple(words.msg(rule) for rule in facts.review_rules)),
            ]
    return NoticeSection("automated_decisions", words("automated"), "13(2)(f)", tuple(blocks))


def _sources(config: PolicyConfig, labels: Mapping[str, str], words: _Words) -> NoticeSection:
    blocks: list[Block] = [
        Paragraph(words("sources_intro")),
        BulletList(tuple(source.get(words.language) for source in config.sources)),
    ]
    if config.source_categories:
        categories = _labels(config.source_categories, labels)
        blocks.append(Paragraph(words("sources_categories", categories=categories)))
    return NoticeSection("sources", words("sources"), "14(1)(d), 14(2)(f)", tuple(blocks))


def build_notice(
    config: PolicyConfig,
    registry: BoundRegistry[Any],
    facts: NoticeFacts,
    *,
    locale: str,
) -> PrivacyNotice:
    """The privacy notice in ``locale`` (any form of ``fr`` or ``en``).

    Raises:
        IncompletePolicyError: the configuration misses an item art. 13 (or 14) requires;
            every missing item is listed.
        InvalidPolicyConfigError: the configuration does not fit the registry
            (:func:`~klickit_core.policy.config.check_policy`): an unknown category, a
            period the shop's schedule does not apply, a ``[cart_cookie]`` lifetime the
            facts' cookie does not have.
        UnsupportedLocaleError: for a locale the shop does not speak.
    """
    language = locale_language(locale)
    require_complete(config, registry)
    cookie = facts.cookie
    check_policy(config, registry, cart_cookie=CartCookieLifetime(cookie.lifetime, cookie.session))
    words = _Words(language)
    labels = _category_labels(config, registry, language)
    controller = config.controller
    assert controller is not None  # noqa: S101 - require_complete checked it
    sections = [
        _controller(config, words),
        _purposes(config, labels, words),
        _interests(config, words),
        _recipients(config, registry, labels, words),
        _transfers(config, words),
        _retention(config, registry, words),
        _rights(config, facts, words),
        _requirement(config, words),
        _cookies(facts.cookie, words),
        _automated(config, facts, words),
    ]
    if config.security_measures:
        measures = tuple(measure.get(language) for measure in config.security_measures)
        sections.append(NoticeSection("security", words("security"), "32", (BulletList(measures),)))
    if config.sources:
        sections.append(_sources(config, labels, words))
    return PrivacyNotice(
        locale=language,
        title=words("title"),
        controller=controller.name,
        updated=words(
            "updated",
            date=str(format_date(config.updated, "long", locale=normalise_locale(language))),
        ),
        updated_iso=config.updated.isoformat(),
        intro=(words("intro", controller=controller.name),),
        contents_title=words("contents"),
        sections=tuple(sections),
    )
