"""Who may run which use case (SPEC X-6, SEC-5): the one table, and the one check.

:data:`~klickit_core.shared.actors.ROLE_PERMISSIONS` says what each role holds;
:data:`USE_CASES` says what each public use case needs and how ownership counts. Together
they are the whole matrix use case × role × ownership, printed in the docs ("Who may do
what") and tested as a whole. Services call :func:`authorize`; none decides alone.
Why it is shaped so: decision 0011.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from klickit_core.shared.actors import Actor, Permission
from klickit_core.shared.errors import PermissionDeniedError

__all__ = ["SERVICE_MODULES", "USE_CASES", "Rule", "authorize"]

P = Permission

#: The modules whose public functions are use cases: each one has a row in
#: :data:`USE_CASES` (a test enumerates them).
SERVICE_MODULES = (
    "accounts.services",
    "accounts.identity",
    "accounts.login",
    "accounts.reset",
    "accounts.lost_credentials",
    "cart.services",
    "catalogue.services",
    "checkout.services",
    "consents.services",
    "orders.services",
    "payments.services",
    "sessions.services",
    "privacy.export",
    "privacy.erasure",
    "privacy.ledger",
    "privacy.requests",
    "privacy.sweep",
)


@attrs.frozen(slots=True)
class Rule:
    """Who may run one use case.

    ``any_of``: holding any one of these permissions allows it, on anyone's records.
    ``own``: a customer holding it may act on records their account owns.
    ``guests``: a record no account owns (a guest's) is open to whoever holds its id.
    ``hides``: a refusal answers "not found", so that ids are not revealed.
    ``proof``: the use case is open to everyone; says what stands in for an identity (a
    password, an emailed token, a signature, a session cookie) or why it is harmless.
    """

    any_of: frozenset[Permission] = frozenset()
    own: Permission | None = None
    guests: bool = False
    hides: bool = False
    proof: str | None = None

    @property
    def needs_actor(self) -> bool:
        """Whether the use case takes an actor (an open one may, to file what it writes)."""
        return self.proof is None or self.proof.startswith(_ANY_ACTOR)


_ANY_ACTOR = "any actor: "


def _staff(*permissions: Permission) -> Rule:
    return Rule(any_of=frozenset(permissions))


def _own_or(own: Permission, *staff: Permission, hides: bool = False) -> Rule:
    return Rule(any_of=frozenset(staff), own=own, hides=hides)


def _open(proof: str) -> Rule:
    return Rule(proof=proof)


def _anyone(why: str) -> Rule:
    """Open to every actor; the actor is taken to file what is written under it."""
    return Rule(proof=_ANY_ACTOR + why)


_CATALOGUE = "the public catalogue and the caller's own cart value: no personal data"
_SESSION = "the session id, a secret of the visitor's signed cookie"
_STEP = "a step inside the caller's transaction, on records the calling use case authorized"
_PURE = "pure: works on values the caller already holds"

#: The one table: every public use case, by ``<module>.<function>`` under ``klickit_core``.
USE_CASES: Mapping[str, Rule] = {
    # accounts (CHK-3, SEC-1 … SEC-5)
    "accounts.services.access_log_entries": _staff(P.READ_ACCESS_LOG),
    "accounts.services.create_account": _open("sign-up: the new account's own password"),
    "accounts.services.customer_by_identifier": _open(_STEP),
    "accounts.services.find_customer": _staff(P.READ_CUSTOMERS),
    "accounts.services.get_customer": _own_or(P.READ_OWN_DATA, P.READ_CUSTOMERS),
    "accounts.services.security_events": _staff(P.READ_SECURITY_EVENTS),
    "accounts.services.update_details": _own_or(P.EDIT_OWN_DATA, P.MANAGE_STAFF),
    "accounts.identity.customer_actor": _open("a verified login result"),
    "accounts.login.login": _open("the password"),
    "accounts.reset.mail_reset_link": _open("mails a link the caller made; reads nothing"),
    "accounts.reset.new_reset_link": _staff(P.RECOVER_ACCOUNTS),
    "accounts.reset.request_password_reset": _open("mails only the account's own address"),
    "accounts.reset.reset_password": _open("the emailed one-time token"),
    "accounts.lost_credentials.open_lost_credentials_request": _anyone("the person cannot log in"),
    "accounts.lost_credentials.lost_credentials_requests": _staff(P.RECOVER_ACCOUNTS),
    "accounts.lost_credentials.get_lost_credentials_request": _staff(P.RECOVER_ACCOUNTS),
    "accounts.lost_credentials.resolve_lost_credentials_request": _staff(P.RECOVER_ACCOUNTS),
    "accounts.lost_credentials.reject_lost_credentials_request": _staff(P.RECOVER_ACCOUNTS),
    # cart (CRT-1 … CRT-3, SES-2)
    "cart.services.add_to_cart": _open(_CATALOGUE),
    "cart.services.change_quantity": _open(_CATALOGUE),
    "cart.services.estimate_shipping": _open(_CATALOGUE),
    "cart.services.price": _open(_CATALOGUE),
    "cart.services.restore_cart": _open("the signed cart cookie; catalogue data only"),
    "cart.services.merge_at_login": Rule(own=P.EDIT_OWN_DATA),
    # catalogue (CAT-1, CAT-2)
    "catalogue.services.add_product": _staff(P.MANAGE_CATALOGUE),
    "catalogue.services.update_product": _staff(P.MANAGE_CATALOGUE),
    "catalogue.services.browse": _open(_CATALOGUE),
    "catalogue.services.product_detail": _open(_CATALOGUE),
    "catalogue.services.approved_reviews": _open("public reviews: display names only"),
    "catalogue.services.submit_review": _staff(P.SUBMIT_REVIEW),
    "catalogue.services.moderation_queue": _staff(P.MODERATE_REVIEWS),
    "catalogue.services.moderate_review": _staff(P.MODERATE_REVIEWS),
    # checkout (CHK-1 … CHK-4, PAY-1 … PAY-6)
    "checkout.services.prefill_checkout": _anyone(
        "a customer gets their own account, anyone else the session they hold"
    ),
    "checkout.services.place_order": _anyone("an order is filed under the actor's own account"),
    "checkout.services.edit_account_details": _own_or(P.EDIT_OWN_DATA, P.MANAGE_STAFF),
    "checkout.services.pay_order": Rule(own=P.EDIT_OWN_DATA, guests=True, hides=True),
    "checkout.services.approve_held_order": _staff(P.MANAGE_ORDERS),
    "checkout.services.reject_held_order": _staff(P.MANAGE_ORDERS),
    "checkout.services.refund_order": _staff(P.MANAGE_ORDERS),
    "checkout.services.sync_order": _staff(P.MANAGE_ORDERS, P.PROCESS_PAYMENTS),
    "checkout.services.handle_webhook": _open("the gateway's signature"),
    # consents (CHK-2, PRV-5)
    "consents.services.current_consents": _own_or(P.READ_OWN_DATA, P.READ_CUSTOMERS),
    "consents.services.withdraw_consent": _own_or(P.EDIT_OWN_DATA, P.MANAGE_STAFF),
    # orders (ORD-1, ORD-2)
    "orders.services.get_order": _own_or(P.READ_OWN_DATA, P.READ_ORDERS, hides=True),
    "orders.services.list_orders": _own_or(P.READ_OWN_DATA, P.READ_ORDERS),
    "orders.services.lookup_guest_order": _open("the order number and the email, together"),
    "orders.services.cancel_order": _own_or(P.EDIT_OWN_DATA, P.MANAGE_ORDERS, hides=True),
    "orders.services.complete_order": _staff(P.MANAGE_ORDERS),
    "orders.services.move_order": _own_or(P.EDIT_OWN_DATA, P.MANAGE_ORDERS, P.PROCESS_PAYMENTS),
    "orders.services.release_stock": _open(_STEP),
    "orders.services.checked_reason": _open(_PURE),
    "orders.services.open_support_request": _own_or(P.READ_OWN_DATA, P.READ_ORDERS, hides=True),
    "orders.services.support_requests": _own_or(P.READ_OWN_DATA, P.READ_ORDERS, hides=True),
    "orders.services.close_support_request": _staff(P.MANAGE_ORDERS),
    # payments (PAY-1, PAY-3, PAY-4): steps the checkout runs as its payment job, once it
    # has authorized the shopper or the staff member (approve, reject, refund)
    "payments.services.start_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.charge_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.authorize_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.capture_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.void_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.refund_payment": _staff(P.PROCESS_PAYMENTS),
    "payments.services.apply_webhook": _staff(P.PROCESS_PAYMENTS),
    # sessions (SES-1, CAT-3)
    "sessions.services.start_session": _open("opens a new, empty session"),
    "sessions.services.record_product_view": _open(_SESSION),
    "sessions.services.remember_shipping_address": _open(_SESSION),
    "sessions.services.recently_viewed_products": _open(_SESSION),
    "sessions.services.end_session": _open(_SESSION),
    "sessions.services.sign_in_session": Rule(own=P.EDIT_OWN_DATA),
    "sessions.services.session_actor": _open(_SESSION),
    # privacy (PRV-2 … PRV-6)
    "privacy.export.export_subject": _staff(P.READ_CUSTOMERS, P.RUN_RETENTION),
    "privacy.export.export_own_data": Rule(own=P.READ_OWN_DATA),
    "privacy.erasure.erase_subject": _staff(P.RUN_RETENTION),
    "privacy.ledger.erase_and_record": _staff(P.RUN_RETENTION),
    "privacy.ledger.reapply_erasures": _staff(P.RUN_RETENTION),
    "privacy.ledger.export_ledger": _staff(P.RUN_RETENTION),
    "privacy.ledger.import_ledger": _staff(P.RUN_RETENTION),
    "privacy.ledger.ledger_entry": _open(_PURE),
    "privacy.ledger.read_ledger_lines": _open(_PURE),
    "privacy.ledger.write_ledger_lines": _open(_PURE),
    "privacy.requests.open_request": _anyone("the emailed confirmation link is the proof"),
    "privacy.requests.confirm_export": _open("the emailed confirmation link"),
    "privacy.requests.confirm_erasure": _open("the emailed confirmation link"),
    "privacy.requests.download_bundle": _open("the single-use download link"),
    "privacy.requests.bundle_archive": _open(_PURE),
    "privacy.requests.bundle_file": _open(_PURE),
    "privacy.requests.answer_request": _staff(P.RUN_RETENTION),
    "privacy.requests.answer_confirmed_requests": _staff(P.RUN_RETENTION),
    "privacy.requests.list_requests": _staff(P.READ_CUSTOMERS),
    "privacy.requests.get_request": _staff(P.READ_CUSTOMERS),
    "privacy.requests.extend_request": _staff(P.READ_CUSTOMERS),
    "privacy.requests.operator_export": _staff(P.READ_CUSTOMERS, P.RUN_RETENTION),
    "privacy.requests.operator_erase": _staff(P.RUN_RETENTION),
    "privacy.sweep.run_sweep": _staff(P.RUN_RETENTION),
}


def authorize(actor: Actor, use_case: str, *, owner: str | None = None) -> None:
    """Raise :class:`~klickit_core.shared.errors.PermissionDeniedError` unless the table
    lets ``actor`` run ``use_case`` on a record owned by ``owner`` (a customer id; ``None``
    for a record no account owns, or when there is no record)."""
    rule = USE_CASES[use_case]
    if any(actor.can(permission) for permission in rule.any_of):
        return
    mine = owner is not None and actor.customer_id == owner
    if mine and rule.own is not None and actor.can(rule.own):
        return
    if rule.guests and owner is None:
        return
    if rule.proof is not None:
        return
    needed = min(rule.any_of) if rule.any_of else rule.own
    raise PermissionDeniedError(permission=str(needed or use_case))
