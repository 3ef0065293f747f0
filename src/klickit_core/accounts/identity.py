"""The trust boundary (SPEC X-6, SEC-5): an actor made from a proof, not from a parameter.

The app authenticates people and builds the :class:`~klickit_core.shared.actors.Actor`
every use case decides from. For customers the library offers one way in that starts from
a verified login: :func:`customer_actor`. A session signed in with that actor
(:func:`~klickit_core.sessions.services.sign_in_session`) gives it back on later requests
(:func:`~klickit_core.sessions.services.session_actor`). Staff actors are the app's own
to build, once it has authenticated its staff (the docs' security page says how).
"""

from __future__ import annotations

from klickit_core.accounts.login import LoginSucceeded
from klickit_core.shared.actors import Actor, Role
from klickit_core.shared.errors import PermissionDeniedError

__all__: list[str] = []


def customer_actor(result: LoginSucceeded) -> Actor:
    """The actor of the customer :func:`~klickit_core.accounts.login.login` let in.

    Anything but a :class:`~klickit_core.accounts.login.LoginSucceeded` (a refusal, a
    customer id typed somewhere) raises
    :class:`~klickit_core.shared.errors.PermissionDeniedError`.
    """
    given: object = result  # from the app: may be anything
    if not isinstance(given, LoginSucceeded):
        raise PermissionDeniedError(permission="customer.login")
    return Actor(result.customer_id, Role.CUSTOMER, customer_id=result.customer_id)
