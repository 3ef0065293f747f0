"""Application services: the use cases of each context, bound to one shop's collaborators.

An app reaches them through the :class:`~klickit_core.bootstrap.Shop` that
:func:`~klickit_core.bootstrap.build_shop` returns (``shop.checkout.place_order(...)``);
see decision 0014 and ``docs/api/shop.md``, and each context's page in ``docs/api/``.
"""
