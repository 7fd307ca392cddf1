"""``python -m ncplan``: the same entry point as the ``ncplan`` console script."""

from ncplan.cli import main

main()
