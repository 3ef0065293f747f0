"""Shared kernel: the small set of types every bounded context speaks.

Nothing here knows about a context, an adapter or a framework. Money, errors, time, ids,
actors, mail and translations live here because every context needs the *same* definition
of them; anything more specific belongs to a context.
"""
