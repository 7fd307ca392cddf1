"""The configuration: HCL files -> a validated, typed ``Config`` (pure, no network)."""

from ncplan.config.loader import LoadResult, load_config

__all__ = ["LoadResult", "load_config"]
