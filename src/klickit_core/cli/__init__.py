"""The ``klickit`` command: an adapter like any other, over the public use cases (X-8)."""
