"""``ncplan graph``: the services a job registers itself (a raw job with a group per
service, as hashicups) are that job's, not external; one another job registers is named
by its job; only a name nobody answers to is external."""

from __future__ import annotations

from pathlib import Path

import pytest

from ncplan.cli import run
from ncplan.config.rawjob import derive_parsed

MESH = """
job "shop" {
  group "db" {
    service {
      name = "database"
      connect {
        sidecar_service {}
      }
      check {
        name = "Database ready"
        type = "tcp"
      }
    }
    task "db" {
      driver = "raw_exec"
    }
  }
  group "api" {
    service {
      name = "product-api"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "database"
              local_bind_port  = 5432
            }
            upstreams {
              destination_name = "billing"
              local_bind_port  = 6000
            }
            upstreams {
              destination_name = "ledger-api"
              local_bind_port  = 7000
            }
          }
        }
      }
    }
    task "api" {
      driver = "raw_exec"
    }
  }
}

job "ledger" {
  group "ledger" {
    task "ledger" {
      driver = "raw_exec"
      service {
        name = "ledger-api"
      }
    }
  }
}
"""


def test_a_jobs_own_services_are_not_external(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("NOMAD_ADDR", "http://127.0.0.1:1")  # offline: read from the text
    (tmp_path / "main.hcl").write_text(MESH)
    assert run(["-C", str(tmp_path), "graph"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Services\n"
        "├── ledger\n"
        "└── shop\n"
        "    ├── -> database (in this job)\n"
        "    ├── -> billing (external)\n"
        "    └── -> ledger-api (in job ledger)\n")


def test_the_parsed_job_names_its_services() -> None:
    job = {"ID": "shop", "TaskGroups": [
        {"Services": [{"Name": "database"}], "Tasks": []},
        {"Services": None, "Tasks": [{"Services": [{"Name": "product-api"}], "Config": {}}]},
    ]}
    assert derive_parsed(job).services == ("database", "product-api")
