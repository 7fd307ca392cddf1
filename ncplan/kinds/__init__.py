"""Resource kinds: one module per kind, each bringing everything about it (see
:mod:`ncplan.kinds.base` for what a kind provides, :mod:`ncplan.kinds.registry` for the
kinds by name)."""
