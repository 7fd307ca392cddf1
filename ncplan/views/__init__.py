"""Renderers: the only code that prints. Data to stdout, diagnostics and progress to stderr."""
