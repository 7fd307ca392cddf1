"""The starter configuration ``ncplan init`` writes: the seed guide's db and web as services
with builtin sidecars, and the intention that lets web reach db. Writing never overwrites."""

from __future__ import annotations

from pathlib import Path

from ncplan.config.loader import VARS_SUFFIX
from ncplan.errors import NcplanError

STARTER_NAME = "ncplan.hcl"

STARTER_HCL = """\
# A starter ncplan configuration: the "Connect on Nomad" guide's two services.
# db accepts Connect connections only; web dials it through its sidecar proxy.
# Both use the builtin sidecar: a raw_exec task running `consul connect proxy`.
# Replace the two commands with your own programs, then:
#   ncplan validate    ncplan render    ncplan graph

defaults {
  datacenters   = ["dc1"]
  sidecar       = "builtin"
  consul_binary = "/usr/local/bin/consul"
}

service "db" {
  port = "tcp"

  task {
    driver = "raw_exec"
    config = {
      command = "/usr/local/bin/my-database"
      args    = ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
    }
  }
}

service "web" {
  task {
    driver = "raw_exec"
    config = {
      command = "/usr/local/bin/web"
    }
    env = {
      # ${upstream.db} is the local address of web's proxy to db
      DATABASE_URL = "postgresql://${upstream.db}/db"
    }
  }

  upstream "db" {}
}

intention "web" "db" {
  action      = "allow"
  description = "web reads db"
}
"""


def write_starter(directory: Path) -> Path:
    """Create ``DIRECTORY/ncplan.hcl``; refuse if it exists or the directory holds a
    configuration already (a second copy of db and web would not validate)."""
    if not directory.is_dir():
        raise NcplanError(f"{directory}: no such directory",
                          hint="create it first, or point -C at an existing one")
    path = directory / STARTER_NAME
    others = sorted(p.name for p in directory.glob("*.hcl")
                    if p.is_file() and p != path and not p.name.endswith(VARS_SUFFIX))
    if others and not path.exists():
        raise NcplanError(f"{directory} already holds a configuration ({', '.join(others)}); "
                          f"not writing {path}",
                          hint="run ncplan init in an empty directory (-C DIR)")
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(STARTER_HCL)
    except FileExistsError:
        raise NcplanError(f"{path} already exists; ncplan init never overwrites a file",
                          hint="remove or rename it to start over") from None
    except OSError as error:
        raise NcplanError(f"cannot write {path}: {error.strerror}") from error
    return path
