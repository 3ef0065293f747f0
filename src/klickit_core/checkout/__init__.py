"""Checkout context: the checkout form and its validation (CHK-1, CHK-2).

:func:`~klickit_core.checkout.domain.validate_checkout` turns what a shopper typed
(:class:`~klickit_core.checkout.domain.CheckoutForm`) into checked, normalised values
(:class:`~klickit_core.checkout.domain.ValidatedCheckout`), or raises one
:class:`~klickit_core.shared.errors.ValidationError` listing every field error at once.
"""
