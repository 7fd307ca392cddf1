"""``cluster`` blocks and ``clusters`` lists: decoded, named, checked with their place."""

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load, only_error

from ncplan.orchestration.clusters import in_the_cluster

TWO = '''
cluster "east" {
  nomad {
    address   = "http://10.0.0.1:4646"
    token_env = "EAST_NOMAD_TOKEN"
  }
  consul {
    address    = "http://10.0.0.1:8500"
    datacenter = "east"
    cacert_env = "EAST_CONSUL_CA"
  }
  defaults {
    consul_agent = "127.0.0.1:18500"
  }
}

cluster "west" {
  nomad {
    address = "http://10.0.0.2:4646"
  }
}
'''

DB = '''
service "db" {
  clusters = ["east"]
  port     = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/bin/db" }
  }
}

intention "web" "db" {
  action   = "allow"
  clusters = ["west"]
}
'''


def test_cluster_blocks_and_placements_are_decoded(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": TWO + DB}).config
    east, west = config.clusters
    assert (east.name, east.nomad.address, east.nomad.token_env) == \
        ("east", "http://10.0.0.1:4646", "EAST_NOMAD_TOKEN")
    assert (east.consul.datacenter, east.consul.cacert_env) == ("east", "EAST_CONSUL_CA")
    assert east.consul_agent == "127.0.0.1:18500"
    assert (west.name, west.nomad.token_env, west.consul.address) == ("west", None, None)
    assert config.services[0].clusters == ("east",)
    assert config.intentions[0].clusters == ("west",)


def test_without_cluster_blocks_nothing_is_placed(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": DB.replace('  clusters = ["east"]\n', "")
                             .replace('  clusters = ["west"]\n', "")}).config
    assert config.clusters == ()
    assert config.services[0].clusters is None


def test_an_undeclared_cluster_is_an_error_naming_it(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": TWO + DB.replace('["east"]', '["north"]')})
    assert found.summary == 'service "db" names cluster "north", which is not declared'
    assert "east, west" in found.detail
    assert str(found.span).startswith("main.hcl:")


def test_clusters_without_cluster_blocks_is_an_error(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": DB})
    assert [d.summary for d in found] == [
        'service "db" sets clusters, but no cluster block is declared',
        'intention "web" -> "db" sets clusters, but no cluster block is declared']


def test_a_token_in_a_cluster_block_is_refused(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": TWO.replace(
        'token_env = "EAST_NOMAD_TOKEN"', 'token = "s3cret"')})
    assert 'unknown attribute "token"' in found.summary


def test_cluster_names_are_checked_and_unique(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": TWO + 'cluster "east" {}\ncluster "No@pe" {}\n'})
    assert [d.summary for d in found] == ['duplicate cluster "east"',
                                          'invalid cluster name "No@pe"']


JOB = '''
job "cache" {
  datacenters = ["dc1"]
  meta {
    ncplan_clusters = "west"
  }
  group "cache" {
    task "cache" {
      driver = "raw_exec"
      config {
        command = "/bin/cache"
      }
    }
  }
}
'''


def test_a_raw_job_is_placed_by_its_meta(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": TWO + JOB}).config
    east, west = (in_the_cluster(config, c) for c in config.clusters)
    assert [j.name for j in east.jobs] == []
    assert [j.name for j in west.jobs] == ["cache"]


def test_a_raw_job_placed_in_an_undeclared_cluster_is_an_error(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": TWO + JOB.replace('"west"', '"west,north"')})
    assert found.summary == ('job "cache" (meta ncplan_clusters) names cluster "north", '
                             "which is not declared")


ENTRY = '''{
  "Kind": "proxy-defaults",
  "Name": "global",
  "Meta": {"ncplan_clusters": "east"},
  "Config": {"protocol": "tcp"}
}
'''


def test_an_entry_file_is_placed_by_its_meta(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": TWO, "global.consul.json": ENTRY}).config
    east, west = (in_the_cluster(config, c) for c in config.clusters)
    assert [e.name for e in east.consul_entries] == ["global"]
    assert west.consul_entries == ()
    found = only_error(tmp_path, {"global.consul.json": ENTRY.replace('"east"', '"south"')})
    assert found.summary == ('proxy-defaults "global" (Meta ncplan_clusters) names cluster '
                             '"south", which is not declared')
