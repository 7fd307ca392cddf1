"""ncplan: plan and apply Nomad jobs and Consul Connect intentions together."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ncplan")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
