"""One module per command: read flags, call the core, pick a view, return an exit code."""
