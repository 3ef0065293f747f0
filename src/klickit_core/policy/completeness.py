"""What GDPR art. 13 (and 14) asks that a configuration does not say (SPEC PRV-8).

Loading a configuration checks that what it says is right; this module checks that it says
everything, so it runs on a partial configuration too (the one built from Klickit's
published text alone) and lists each gap by a stable id, with its article. The notice and
the register call :func:`require_complete` before rendering.

The items, in the order of the articles (art. 13 unless said):

========================  ==========  =====================================================
item                      article     missing when
========================  ==========  =====================================================
``controller_identity``   13(1)(a)    there is no ``[controller]``
``privacy_contact``       13(1)(b)    there is no ``[privacy_contact]`` (a DPO is optional)
``purposes_and_bases``    13(1)(c)    no purpose, a purpose without a legal basis, or a
                                      category (the registry's or external) no purpose covers
``legitimate_interests``  13(1)(d)    a purpose without a basis (it may rest on them), or a
                                      registry category held on legitimate interests that no
                                      ``gdpr.6_1_f`` purpose (which names them) covers
``recipients:<role>``     13(1)(e)    no processor of the role receives a category: one item
                                      per role among ``payment_gateway``, ``mail_host``,
                                      ``web_host``, ``backup_store``, and ``contact_form``
                                      when the shop takes messages through a form (a
                                      registry category governed by ``contact.messages``,
                                      or a processor with that role)
``transfers``             13(1)(f)    a processor without a country (outside the EEA the
                                      safeguard is already required when loading)
``retention:<id>``        13(2)(a)    a rule governing a registry category is not stated
                                      (with ``library_periods = false``, only the rules under
                                      ``[retention]`` are), or an external category has no
                                      period: one item per rule or external category
``right:<right>``         13(2)(b)    one item per right of access, rectification, erasure,
                                      restriction, objection, portability not offered
``withdraw_consent``      13(2)(c)    some processing rests on consent (a purpose on
                                      ``gdpr.6_1_a``, a purpose without a basis, a registry
                                      category held on consent or its proof) and the right
                                      to withdraw it is not offered
``complaint``             13(2)(d)    the right to complain or the authority is not given
``requirement``           13(2)(e)    no purpose, or a purpose that does not say whether the
                                      data is required
``source_categories``     14(1)(d)    ``sources`` is not empty but ``source_categories`` is
========================  ==========  =====================================================

Art. 13(2)(f), automated decisions, is never missing: the code answers it (the notice reads
the shop's fraud screen). Art. 14(2)(f), the source, is the ``sources`` text itself.
"""

from __future__ import annotations

from typing import Any, Final

import attrs

from klickit_core.consents.personal_data import CONSENT_PROOF
from klickit_core.personal_data.legal_bases import CONSENT, LEGITIMATE_INTEREST
from klickit_core.policy.config import RIGHT_LABELS as _RIGHT_LABELS
from klickit_core.policy.config import ROLE_LABELS, PolicyConfig, ProcessorRole, Right
from klickit_core.privacy.registry import BoundRegistry
from klickit_core.privacy.retention import RetentionSchedule
from klickit_core.shared.errors import KlickitError
from klickit_core.shared.i18n import N_, translate
from klickit_core.shared.locales import locale_language

__all__ = [
    "ART_13_2_B_RIGHTS",
    "CONTACT_FORM_RULE",
    "REQUIRED_ROLES",
    "IncompletePolicyError",
    "MissingItem",
    "missing_items",
    "require_complete",
]

#: The roles every shop needs a processor for (it takes payments, sends mail, is hosted
#: and backed up); ``contact_form`` is added when the shop takes messages through a form.
REQUIRED_ROLES: Final = (
    ProcessorRole.PAYMENT_GATEWAY,
    ProcessorRole.MAIL_HOST,
    ProcessorRole.WEB_HOST,
    ProcessorRole.BACKUP_STORE,
)
#: The retention rule of messages sent through the contact form: a registry category it
#: governs means the shop takes such messages.
CONTACT_FORM_RULE: Final = "contact.messages"
#: The rights art. 13(2)(b) lists (withdrawal and complaint have their own points).
ART_13_2_B_RIGHTS: Final = (
    Right.ACCESS,
    Right.RECTIFICATION,
    Right.ERASURE,
    Right.RESTRICTION,
    Right.OBJECTION,
    Right.PORTABILITY,
)
#: Legal-basis codes that mean some processing rests on consent: consent itself and the
#: proof of consent a consent ledger keeps (GDPR art. 7(1)).
_CONSENT_CODES: Final = frozenset({CONSENT.code, CONSENT_PROOF.code})

_CONTROLLER = N_("The controller's identity and contact details")
_CONTACT = N_("A contact point for requests about personal data")
_PURPOSES = N_("The purposes of the processing and the legal basis of each")
_INTERESTS = N_("The legitimate interests the shop relies on")
_RECIPIENTS = N_("The recipients of the data")
_TRANSFERS = N_("Where each processor is, and the safeguard of a transfer outside the EEA")
_RETENTION = N_("How long the data is kept")
_RIGHTS = N_("The rights of the person")
_WITHDRAW = N_("The right to withdraw consent at any time")
_COMPLAINT = N_("The right to complain to a supervisory authority, and which one")
_REQUIREMENT = N_("Whether giving the data is required, and what happens if it is not")
_SOURCE_CATEGORIES = N_("The categories of data obtained from elsewhere")


@attrs.frozen(slots=True)
class MissingItem:
    """One thing the configuration does not say.

    ``item`` is a stable id (``"controller_identity"``, ``"retention:sessions.visitor"``,
    ``"right:portability"``), ``article`` the GDPR article (``"13(1)(a)"``), ``label`` an
    ``N_`` msgid saying what is missing; ``subject`` names the rule, role or right it is
    about (an ``N_`` msgid), when the library knows one.
    """

    item: str
    article: str
    label: str
    subject: str | None = None

    def message(self, locale: str = "fr") -> str:
        """``label`` (and ``subject``) in ``locale``, with the article: for a report."""
        text = translate(self.label, locale)
        if self.subject is not None:
            colon = " : " if locale_language(locale) == "fr" else ": "  # French typography
            text = f"{text}{colon}{translate(self.subject, locale)}"
        return f"{text} (art. {self.article})"


class IncompletePolicyError(KlickitError):
    """The configuration lacks items GDPR art. 13 or 14 requires; ``missing`` lists them.

    The details hold the count and the item ids (stable names, never personal data).
    """

    code = "policy.incomplete"
    message_template = N_("The privacy policy configuration lacks {count} items: {items}.")

    def __init__(self, missing: tuple[MissingItem, ...]) -> None:
        self.missing = missing
        super().__init__(count=len(missing), items=", ".join(m.item for m in missing))


def missing_items(
    config: PolicyConfig, registry: BoundRegistry[Any] | None = None
) -> tuple[MissingItem, ...]:
    """Every item of art. 13 (and 14) ``config`` does not give, in the articles' order.

    With ``registry`` (the shop's bound registry) the check also knows which categories the
    shop holds, under which rules and on which bases; without it, only the configuration is
    examined. Never raises on an inconsistent configuration: that is :func:`check_policy`'s
    work; this one names gaps.
    """
    found: list[MissingItem] = []
    if config.controller is None:
        found.append(MissingItem("controller_identity", "13(1)(a)", _CONTROLLER))
    if config.privacy_contact is None:
        found.append(MissingItem("privacy_contact", "13(1)(b)", _CONTACT))
    if _purposes_missing(config, registry):
        found.append(MissingItem("purposes_and_bases", "13(1)(c)", _PURPOSES))
    if _interests_missing(config, registry):
        found.append(MissingItem("legitimate_interests", "13(1)(d)", _INTERESTS))
    found.extend(
        MissingItem(f"recipients:{role}", "13(1)(e)", _RECIPIENTS, ROLE_LABELS[role])
        for role in _roles(config, registry)
        if not any(p.role is role and p.receives for p in config.processors)
    )
    if any(p.country is None for p in config.processors):
        found.append(MissingItem("transfers", "13(1)(f)", _TRANSFERS))
    found.extend(_retention(config, registry))
    found.extend(
        MissingItem(f"right:{right}", "13(2)(b)", _RIGHTS, _RIGHT_LABELS[right])
        for right in ART_13_2_B_RIGHTS
        if right not in config.rights
    )
    if Right.WITHDRAW_CONSENT not in config.rights and _rests_on_consent(config, registry):
        found.append(MissingItem("withdraw_consent", "13(2)(c)", _WITHDRAW))
    if Right.COMPLAINT not in config.rights or config.authority is None:
        found.append(MissingItem("complaint", "13(2)(d)", _COMPLAINT))
    if not config.purposes or any(p.requirement is None for p in config.purposes):
        found.append(MissingItem("requirement", "13(2)(e)", _REQUIREMENT))
    if config.sources and not config.source_categories:
        found.append(MissingItem("source_categories", "14(1)(d)", _SOURCE_CATEGORIES))
    return tuple(found)


def require_complete(config: PolicyConfig, registry: BoundRegistry[Any] | None = None) -> None:
    """Raise :class:`IncompletePolicyError` listing :func:`missing_items`, if there are any."""
    missing = missing_items(config, registry)
    if missing:
        raise IncompletePolicyError(missing)


def _covered(config: PolicyConfig) -> set[str]:
    return {category_id for purpose in config.purposes for category_id in purpose.categories}


def _purposes_missing(config: PolicyConfig, registry: BoundRegistry[Any] | None) -> bool:
    if not config.purposes or any(p.legal_basis is None for p in config.purposes):
        return True
    held = {category.id for category in config.external_categories}
    if registry is not None:
        held |= {entry.category.id for entry in registry.entries()}
    return not held <= _covered(config)


def _interests_missing(config: PolicyConfig, registry: BoundRegistry[Any] | None) -> bool:
    if any(p.legal_basis is None for p in config.purposes):
        return True
    if registry is None:
        return False
    on_interests = {
        category_id
        for purpose in config.purposes
        if purpose.legal_basis == LEGITIMATE_INTEREST.code
        for category_id in purpose.categories
    }
    return any(
        entry.category.legal_basis.code == LEGITIMATE_INTEREST.code
        and entry.category.id not in on_interests
        for entry in registry.entries()
    )


def _roles(config: PolicyConfig, registry: BoundRegistry[Any] | None) -> tuple[ProcessorRole, ...]:
    takes_messages = any(p.role is ProcessorRole.CONTACT_FORM for p in config.processors) or (
        registry is not None
        and any(entry.category.retention_rule == CONTACT_FORM_RULE for entry in registry.entries())
    )
    return (*REQUIRED_ROLES, ProcessorRole.CONTACT_FORM) if takes_messages else REQUIRED_ROLES


def _retention(config: PolicyConfig, registry: BoundRegistry[Any] | None) -> list[MissingItem]:
    schedule = registry.schedule if registry is not None else RetentionSchedule.defaults()
    if registry is not None:
        rule_ids = list(dict.fromkeys(e.category.retention_rule for e in registry.entries()))
    else:
        rule_ids = list(schedule.ids)
    found = [
        MissingItem(
            f"retention:{rule_id}",
            "13(2)(a)",
            _RETENTION,
            schedule.rule(rule_id).label if rule_id in schedule else None,
        )
        for rule_id in rule_ids
        if not config.library_periods and rule_id not in config.retention
    ]
    found.extend(
        MissingItem(f"retention:{category.id}", "13(2)(a)", _RETENTION)
        for category in config.external_categories
        if category.period is None
    )
    return found


def _rests_on_consent(config: PolicyConfig, registry: BoundRegistry[Any] | None) -> bool:
    if any(p.legal_basis in (None, CONSENT.code) for p in config.purposes):
        return True
    return registry is not None and any(
        entry.category.legal_basis.code in _CONSENT_CODES for entry in registry.entries()
    )
