"""``defaults { sidecar_identity, consul_agent_cacert }``: decoded, passed to services,
typed."""

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load

SERVICE = 'service "db" {\n  port = "tcp"\n  task {\n    driver = "raw_exec"\n  }\n}\n'


def test_the_defaults_reach_the_config_and_every_service(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": 'defaults {\n  sidecar_identity = false\n'
                                         '  consul_agent = "https://127.0.0.1:8501"\n'
                                         '  consul_agent_cacert = "/etc/consul.d/ca.pem"\n}\n'
                                         + SERVICE}).config
    assert config.defaults.sidecar_identity is False
    (db,) = config.services
    assert (db.consul_agent, db.consul_agent_cacert) == ("https://127.0.0.1:8501",
                                                         "/etc/consul.d/ca.pem")


def test_unset_means_auto_and_no_cacert(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": SERVICE}).config
    assert config.defaults.sidecar_identity is None
    assert config.services[0].consul_agent_cacert is None


def test_sidecar_identity_must_be_a_bool(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": 'defaults {\n  sidecar_identity = "yes"\n}\n'})
    assert len(found) == 1 and "sidecar_identity" in found[0].summary
