"""Types and helpers shared by the integration tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import requests


@dataclass(frozen=True)
class Agents:
    consul_addr: str
    nomad_addr: str
    consul_binary: Path
    started_here: bool

    def consul(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{self.consul_addr}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]

    def nomad(self, method: str, path: str, **kwargs: object) -> requests.Response:
        return requests.request(method, f"{self.nomad_addr}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class SecureAgents:
    """A Consul and a Nomad with ACLs (Consul's default policy deny) and HTTPS only.

    ``consul()`` and ``nomad()`` send with the management tokens and verify against the
    pair's CA; ``env()`` is the environment that points a CLI at the pair with the tokens
    given (the management tokens unless others are passed; "" for none)."""

    consul_addr: str
    nomad_addr: str
    ca_file: Path
    consul_token: str  # management
    nomad_token: str  # management
    consul_binary: Path
    nomad_binary: Path
    run_dir: Path

    def consul(self, method: str, path: str, *, token: str | None = None,
               **kwargs: object) -> requests.Response:
        headers = {"X-Consul-Token": self.consul_token if token is None else token}
        return requests.request(method, f"{self.consul_addr}{path}", timeout=30,  # type: ignore[arg-type]
                                headers=headers, verify=str(self.ca_file), **kwargs)

    def nomad(self, method: str, path: str, *, token: str | None = None,
              **kwargs: object) -> requests.Response:
        headers = {"X-Nomad-Token": self.nomad_token if token is None else token}
        return requests.request(method, f"{self.nomad_addr}{path}", timeout=30,  # type: ignore[arg-type]
                                headers=headers, verify=str(self.ca_file), **kwargs)

    def env(self, *, consul_token: str | None = None,
            nomad_token: str | None = None) -> dict[str, str]:
        return {"CONSUL_HTTP_ADDR": self.consul_addr, "CONSUL_CACERT": str(self.ca_file),
                "CONSUL_HTTP_TOKEN": self.consul_token if consul_token is None else consul_token,
                "NOMAD_ADDR": self.nomad_addr, "NOMAD_CACERT": str(self.ca_file),
                "NOMAD_TOKEN": self.nomad_token if nomad_token is None else nomad_token}
