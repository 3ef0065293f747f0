"""Test support for apps built on klickit_core (SPEC X-7).

* :mod:`klickit_core.testing.clocks` — a fixed clock and an advancing clock.
* :mod:`klickit_core.testing.fakes` — in-memory backends and predictable ids.
* :mod:`klickit_core.testing.gateways` — a payment gateway that records every request it
  is sent, to assert the exact values the shop gives the provider (PAY-1).
* :mod:`klickit_core.testing.strategies` — Hypothesis strategies for every public domain
  type (needs the ``testing`` extra: ``pip install klickit-core[testing]``).
* :mod:`klickit_core.testing.contracts` — the persistence contract suites every backend
  passes, to subclass for another backend (needs pytest).

The strategies module is not imported here so that the clocks and fakes work without
Hypothesis installed.
"""

from klickit_core.testing.clocks import AdvancingClock, FixedClock
from klickit_core.testing.fakes import InMemoryOutbox, MemoryStore, SequentialIds, memory_uow
from klickit_core.testing.gateways import RecordingGateway

__all__ = [
    "AdvancingClock",
    "FixedClock",
    "InMemoryOutbox",
    "MemoryStore",
    "RecordingGateway",
    "SequentialIds",
    "memory_uow",
]
