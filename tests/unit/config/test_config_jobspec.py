"""Jobspec files: one job each, its variables' values from ncplan's sources, its graph."""
# ruff: noqa: E501  (HCL fixtures keep their natural line length)

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load, only_error

from ncplan.config.rawjob import is_partial_note

SPEC = '''variable "image" {
  type = string
}

variable "peers" {
  type    = list(string)
  default = []
}

variable "replicas" {
  type    = number
  default = 1
}

job "api" {
  datacenters = ["dc1"]
  meta {
    ncplan_depends_on = "db"
  }
  group "api" {
    count = var.replicas
    service {
      name = "api"
      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "db"
              local_bind_port  = 5432
            }
          }
        }
      }
    }
    task "api" {
      driver = "docker"
      config { image = var.image }
    }
  }
}
'''

DB = '''job "db" {
  group "db" {
    task "db" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
      }
    }
  }
}
'''


def test_a_jobspec_file_is_one_raw_job_sent_whole_with_its_values(tmp_path: Path) -> None:
    config = load(tmp_path, {"api.nomad.hcl": SPEC, "db.nomad": DB},
                  var=["image=redis:7", "peers=[1, \"b\"]"]).config
    api = config.job("api")
    assert api is not None and config.job("db") is not None
    assert api.source == SPEC
    assert (api.file, api.line) == ("api.nomad.hcl", 1)
    assert dict(api.variables) == {"image": "redis:7", "peers": [1, "b"]}
    assert (api.upstreams, api.depends_on, api.partial) == (("db",), ("db",), False)
    assert config.files == ("api.nomad.hcl", "db.nomad")
    assert config.variables == {}


def test_values_come_from_every_source_by_name_later_wins(tmp_path: Path) -> None:
    files = {"api.nomad.hcl": SPEC, "db.nomad": DB, "a.ncvars.hcl": 'image = "from-file"\nreplicas = 3\n'}
    env = {"NOMAD_VAR_image": "from-nomad-env", "NOMAD_VAR_replicas": "2",
           "NCPLAN_VAR_peers": '["x"]'}
    api = load(tmp_path, files, env=env).config.job("api")
    assert api is not None
    assert dict(api.variables) == {"image": "from-file", "replicas": 3, "peers": ["x"]}
    (tmp_path / "sub").mkdir()
    only_env = load(tmp_path / "sub", {"api.nomad.hcl": SPEC, "db.nomad": DB},
                    env={"NOMAD_VAR_image": "e"}).config.job("api")
    assert only_env is not None and dict(only_env.variables) == {"image": "e"}


def test_an_ncplan_variable_of_the_same_name_gives_its_value(tmp_path: Path) -> None:
    files = {"api.nomad.hcl": SPEC, "db.nomad": DB,
             "main.hcl": 'variable "image" {\n  default = "mine:1"\n}\n'}
    api = load(tmp_path, files).config.job("api")
    assert api is not None and api.variables["image"] == "mine:1"


def test_a_jobspec_variable_without_a_value_names_the_file_and_how_to_give_it(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"api.nomad.hcl": SPEC, "db.nomad": DB})
    assert found.summary == 'api.nomad.hcl: variable "image" of the jobspec has no value'
    assert str(found.span) == "api.nomad.hcl:1:1"
    assert "--var image=VALUE" in found.detail and "NOMAD_VAR_image" in found.detail


def test_a_jobspec_file_holds_exactly_one_job(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"two.nomad.hcl": DB + DB.replace('"db"', '"db2"')})
    assert "exactly one job block, found 2" in found.summary
    assert str(found.span) == "two.nomad.hcl:11:1"


def test_dynamic_blocks_make_the_text_graph_partial_with_a_note(tmp_path: Path) -> None:
    dynamic = SPEC.replace('''            upstreams {
              destination_name = "db"
              local_bind_port  = 5432
            }''', '''            dynamic "upstreams" {
              for_each = var.peers
              content {
                destination_name = upstreams.value
                local_bind_port  = 5000
              }
            }''')
    result = load(tmp_path, {"api.nomad.hcl": dynamic, "db.nomad": DB}, var=["image=x"])
    api = result.config.job("api")
    assert api is not None and api.partial and api.upstreams == ()
    notes = [w for w in result.warnings if is_partial_note(w)]
    assert [(n.summary, str(n.span), n.address) for n in notes] == [(
        'the graph is partial: job "api" has dynamic blocks or computed names that only '
        "Nomad expands", "api.nomad.hcl:15:1", "nomad_job.api")]


def test_an_inline_job_using_ncplan_variables_gets_their_values_and_declarations(tmp_path: Path) -> None:
    main = '''variable "dcs" {
  type    = list(string)
  default = ["dc1"]
}

job "web" {
  datacenters = var.dcs
  group "web" {
    task "web" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
      }
    }
  }
}
'''
    web = load(tmp_path, {"main.hcl": main}).config.job("web")
    assert web is not None
    assert dict(web.variables) == {"dcs": ["dc1"]}
    assert (web.file, web.line) == ("main.hcl", 6)
    assert web.source == main[main.index("job"):].rstrip("\n") + '\nvariable "dcs" {}\n'


def test_an_inline_job_using_an_undeclared_variable_is_an_error(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": DB.replace('"/bin/sleep"', "var.cmd")})
    assert found.summary == 'undefined variable "cmd" in job "db"'
    assert str(found.span) == "main.hcl:6:19"


def test_jobspec_variables_are_not_undeclared_in_variable_files(tmp_path: Path) -> None:
    result = load(tmp_path, {"api.nomad.hcl": SPEC, "db.nomad": DB, "v.ncvars.hcl": 'image = "x"\n'},
                  var=["replicas=2"])
    assert [w.summary for w in result.warnings] == []
    assert errors(tmp_path, {"v.ncvars.hcl": 'image = "x"\n'}, var=["nope=1"])[0].summary == \
        '--var for undeclared variable "nope"'


def test_the_configuration_digest_covers_the_values_sent_with_a_jobspec(tmp_path: Path) -> None:
    from ncplan.orchestration.plan_run import config_digest

    files = {"api.nomad.hcl": SPEC, "db.nomad": DB}
    first = config_digest(load(tmp_path, files, env={"NOMAD_VAR_image": "a"}).config)
    same = config_digest(load(tmp_path, files, env={"NOMAD_VAR_image": "a"}).config)
    other = config_digest(load(tmp_path, files, env={"NOMAD_VAR_image": "b"}).config)
    assert first == same != other
