"""Why personal data is kept: the legal bases categories and kept records cite.

A legal basis is shown to the person (in a notice, an export bundle, an erasure report),
so it carries a translatable label beside its stable code. A label names the rule, never
a duration: the period a person reads is always the retention rule's, printed with
``Period.label`` (decision 0015), so a label cannot disagree with what the sweep enforces.
:func:`legal_basis` finds one of the bases below by its code (a policy configuration
names them by code).
"""

from __future__ import annotations

import attrs

from klickit_core.personal_data import _checks
from klickit_core.personal_data.identifiers import is_identifier
from klickit_core.shared.errors import NotFoundError
from klickit_core.shared.i18n import N_

__all__ = [
    "ACCOUNTING_OBLIGATION",
    "CIVIL_LIMITATION",
    "CONSENT",
    "CONTRACT",
    "LEGAL_BASES",
    "LEGAL_OBLIGATION",
    "LEGITIMATE_INTEREST",
    "LegalBasis",
    "UnknownLegalBasisError",
    "legal_basis",
]


class UnknownLegalBasisError(NotFoundError):
    """No legal basis of this module has the code (``code``: the code if it is a stable
    identifier, else ``"?"``)."""

    code = "legal_basis.unknown"
    message_template = N_("Unknown legal basis {code}.")


@attrs.frozen(slots=True)
class LegalBasis:
    """Why something is kept: a stable ``code`` and a translatable ``label`` (an ``N_`` msgid)."""

    code: str = attrs.field(validator=_checks.identifier("legal_basis.code"))
    label: str = attrs.field(validator=_checks.label("legal_basis.label"))


#: Code de commerce L123-22: accounting documents and their supporting records (the law
#: says ten years; the period shown is the retention rule's).
ACCOUNTING_OBLIGATION = LegalBasis(
    "fr.commerce.l123_22",
    N_("Accounting obligation (Code de commerce, art. L123-22)"),
)
#: Code civil 2224: the general limitation (proof of consent, disputes; the law says five
#: years; the period shown is the retention rule's).
CIVIL_LIMITATION = LegalBasis(
    "fr.civil.2224",
    N_("Limitation period for legal claims (Code civil, art. 2224)"),
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

#: Every basis above, in a stable order (the GDPR's own first).
LEGAL_BASES: tuple[LegalBasis, ...] = (
    CONSENT,
    CONTRACT,
    LEGAL_OBLIGATION,
    LEGITIMATE_INTEREST,
    ACCOUNTING_OBLIGATION,
    CIVIL_LIMITATION,
)
_BY_CODE = {basis.code: basis for basis in LEGAL_BASES}


def legal_basis(code: str) -> LegalBasis:
    """The basis of :data:`LEGAL_BASES` whose code is ``code`` (``"gdpr.6_1_b"``).

    Raises:
        UnknownLegalBasisError: for any other code, or a value that is not a string.
    """
    given: object = code  # from a configuration file: may be anything
    found = _BY_CODE.get(given) if isinstance(given, str) else None
    if found is None:
        raise UnknownLegalBasisError(code=code if is_identifier(code) else "?")
    return found
