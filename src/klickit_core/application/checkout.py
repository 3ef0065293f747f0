"""The checkout as an app uses it: prefill, quote, place the order (SPEC CHK-1 … CHK-4).

:meth:`CheckoutService.quote` answers the shopper's question before they commit ("what
will I pay, and how may it be shipped?") and keeps the validated form, so
:meth:`CheckoutService.place_order` does not validate it a second time. Paying is
:meth:`~klickit_core.application.payments.PaymentService.pay`'s business: the payment
token is asked there, once (PAY-2).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from klickit_core.accounts.domain import Customer
from klickit_core.application.parts import ShopParts
from klickit_core.cart.domain import Cart, CartNotice, PricedCart, PricedLine, VatLine
from klickit_core.cart.services import price
from klickit_core.checkout import services
from klickit_core.checkout.domain import (
    AccountDetailsForm,
    CheckoutForm,
    ValidatedCheckout,
    validate_checkout,
)
from klickit_core.checkout.services import EmptyCartError, PlacedOrder
from klickit_core.shared.actors import Actor
from klickit_core.shared.errors import ValidationError
from klickit_core.shared.money import Money
from klickit_core.shipping.domain import NoShippingOptionError, ShippingOption

__all__ = ["CheckoutQuote", "CheckoutService"]


@attrs.frozen(slots=True)
class CheckoutQuote:
    """A checkout form checked and its cart priced, before anything is written.

    ``cart`` is the cart as the catalogue left it (``notices`` says what changed: show
    them, and order that cart); ``shipping_options`` every way to ship it to the shipping
    address, cheapest first, each with its price; ``shipping`` the chosen one, if a method
    was given, and ``priced`` the goods with that shipping (lines, VAT per rate, total).

    Pass it to :meth:`CheckoutService.place_order` in place of the form, within the same
    request: it holds the validated form, the new account's password included, so it is
    not meant to be stored.
    """

    checkout: ValidatedCheckout = attrs.field(repr=False)
    cart: Cart
    notices: tuple[CartNotice, ...]
    priced: PricedCart
    shipping_options: tuple[ShippingOption, ...]
    shipping: ShippingOption | None = None

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        """The priced lines, in cart order."""
        return self.priced.lines

    @property
    def vat_lines(self) -> tuple[VatLine, ...]:
        """VAT per rate, shipping included in its rate."""
        return self.priced.vat_lines

    @property
    def items_total(self) -> Money:
        """The goods, VAT included."""
        return self.priced.items_total

    @property
    def total(self) -> Money:
        """What the order will cost: the goods plus the chosen shipping (the goods alone
        when no method was chosen), VAT included."""
        return self.priced.total


@attrs.frozen
class CheckoutService:
    """``shop.checkout``: from a cart and a form to a pending order."""

    _parts: ShopParts

    def prefill(self, actor: Actor, session_id: str | None = None) -> CheckoutForm:
        """A checkout form filled with what the shop knows (CHK-3, SES-1): a customer's
        account details, or the address a guest typed for a shipping estimate during the
        visit (``session_id``). Nothing is validated: the shopper reviews it.

        Raises:
            PermissionDeniedError: ``actor`` may not check out (staff, jobs).
        """
        parts = self._parts
        return services.prefill_checkout(
            parts.unit_of_work(),
            actor,
            session_id=session_id,
            default_country=parts.checkout.default_region,
        )

    def quote(
        self, form: CheckoutForm, cart: Cart, shipping_method: str | None = None
    ) -> CheckoutQuote:
        """Check ``form``, reconcile and price ``cart``, price every shipping option to
        the shipping address and, for ``shipping_method``, the total (CHK-1, CHK-4).

        Raises:
            ValidationError: every field error of the form at once, unknown consent
                purposes included.
            EmptyCartError: ``cart`` has no line.
            NoShippingOptionError: nothing ships to the address, or ``shipping_method``
                is not one of the options.
        """
        parts = self._parts
        checkout = _validated(form, parts.checkout)
        if cart.is_empty:
            raise EmptyCartError
        goods, view = price(parts.unit_of_work(), cart, parts.pricing)
        options = parts.shipping.options(checkout.shipping, goods.items_total, goods.weight_grams)
        chosen = None
        priced = goods
        if shipping_method is not None:
            chosen = next((o for o in options if o.method == shipping_method), None)
            if chosen is None:
                raise NoShippingOptionError(reason="method_unavailable")
            products = {product.sku: product for product in goods.products}
            priced = parts.pricing.price(view.cart, products, chosen)
        return CheckoutQuote(checkout, view.cart, view.notices, priced, tuple(options), chosen)

    def place_order(
        self,
        actor: Actor,
        checkout: CheckoutForm | CheckoutQuote,
        cart: Cart,
        shipping_method: str,
        *,
        ip_address: str | None = None,
    ) -> PlacedOrder:
        """Turn ``cart`` and a checkout form (or its :meth:`quote`) into a pending order
        with its payment, in one transaction (CHK-4): the cart is re-read and re-priced,
        the stock reserved, the account created if asked, the consents recorded. Pay it
        with ``shop.payments.pay``. A quote's form is not validated again.

        Raises:
            PermissionDeniedError: ``actor`` may not check out (staff, jobs).
            ValidationError: every field error of the form at once.
            EmptyCartError: ``cart`` has no line.
            CartChangedError: the catalogue changed since the cart was shown.
            NoShippingOptionError: ``shipping_method`` cannot ship to the address.
            OutOfStockError: another order took the last items meanwhile.
            DuplicateAccountError: the account asked for exists already.
        """
        parts = self._parts
        if isinstance(checkout, CheckoutQuote):
            return services.place_order(
                parts.unit_of_work(),
                parts.clock,
                parts.ids,
                parts.hasher,
                actor=actor,
                form=checkout.checkout,
                cart=cart,
                rules=parts.pricing,
                shipping_table=parts.shipping,
                shipping_method=shipping_method,
                provider_id=parts.gateway.provider_id,
                ip_address=ip_address,
                settings=parts.checkout,
            )
        return services.place_order(
            parts.unit_of_work(),
            parts.clock,
            parts.ids,
            parts.hasher,
            actor=actor,
            form=checkout,
            cart=cart,
            rules=parts.pricing,
            shipping_table=parts.shipping,
            shipping_method=shipping_method,
            provider_id=parts.gateway.provider_id,
            ip_address=ip_address,
            settings=parts.checkout,
        )

    def edit_account_details(
        self, actor: Actor, customer_id: str, form: AccountDetailsForm
    ) -> Customer:
        """The customer edits their own details with the checkout's rules (CHK-3): every
        field error at once, nothing written on error.

        Raises:
            PermissionDeniedError: ``actor`` may not edit this account.
            ValidationError: every field error of the form at once.
            CustomerNotFoundError: no account has this id.
            DuplicateAccountError: another account has this email.
        """
        parts = self._parts
        return services.edit_account_details(
            parts.unit_of_work(), parts.clock, actor, customer_id, form
        )


def _validated(form: CheckoutForm, settings: services.CheckoutSettings) -> ValidatedCheckout:
    """``form`` validated, with any answer to a consent the shop does not ask reported in
    the same :class:`ValidationError` as the field errors."""
    answers: object = getattr(form, "optional_consents", None)
    purposes = list(answers) if isinstance(answers, Mapping) else []
    unknown = settings.unknown_consents(purposes)
    try:
        checkout = validate_checkout(form, default_region=settings.default_region)
    except ValidationError as invalid:
        raise ValidationError([*invalid.errors, *unknown]) from None
    ValidationError.raise_if_any(unknown)
    return checkout
