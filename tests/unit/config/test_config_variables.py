"""Variables: precedence, types, references, upstream expansion."""
# ruff: noqa: E501  (HCL fixtures keep their natural line length)

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load, only_error

DECL = '''variable "image" {
  type    = string
  default = "d"
}
variable "replicas" {
  type = number
}
variable "dcs" {
  type    = list
  default = ["dc1"]
}
variable "tags" {
  type    = map
  default = {}
}
variable "token" {
  type      = string
  default   = "s3cret"
  sensitive = true
}
'''

SERVICE = '''service "db" {
  datacenters = var.dcs
  count       = "${var.replicas}"
  port        = "tcp"
  meta        = var.tags
  task {
    driver = "raw_exec"
    config = { command = "/bin/${var.image}", args = ["-n", "${var.replicas}", "${NOMAD_PORT_tcp}"] }
    env    = { TOKEN = var.token, NODE = "${node.unique.name}", A = "${attr.kernel.name}" }
  }
}
'''


def test_default_then_env_then_ncvars_then_var_file_then_var(tmp_path: Path) -> None:
    var_file = tmp_path / "extra" / "x.hcl"
    var_file.parent.mkdir()
    var_file.write_text('replicas = 4\nimage = "from-file"\n')
    files = {"main.hcl": DECL + SERVICE, "a.ncvars.hcl": 'replicas = 2\nimage = "ncvars"\n',
             "b.ncvars.hcl": "replicas = 3\n"}
    env = {"NCPLAN_VAR_replicas": "1", "NCPLAN_VAR_image": "env"}
    config = load(tmp_path, files, env=env).config
    assert config.services[0].count == 3
    assert config.variables["image"].value == "ncvars"
    config = load(tmp_path, {}, env=env, var_files=[var_file]).config
    assert config.services[0].count == 4
    config = load(tmp_path, {}, env=env, var_files=[var_file],
                  var=["replicas=5", "replicas=6"]).config
    assert config.services[0].count == 6
    assert config.services[0].task.config["command"] == "/bin/from-file"


def test_env_value_used_when_no_file_sets_it(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": DECL + SERVICE},
                  env={"NCPLAN_VAR_replicas": "7"}).config
    service = config.services[0]
    assert service.count == 7
    # a whole-string reference keeps the variable's type
    assert service.task.config["args"] == ["-n", 7, "${NOMAD_PORT_tcp}"]
    assert service.datacenters == ("dc1",)


def test_list_and_map_values_from_the_command_line(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": DECL + SERVICE},
                  var=["replicas=1", 'dcs=["a", "b"]', 'tags={ team = "x" }']).config
    service = config.services[0]
    assert service.datacenters == ("a", "b")
    assert service.meta == {"team": "x"}


def test_other_interpolations_pass_through(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": DECL + SERVICE}, var=["replicas=1"]).config
    env = config.services[0].task.env
    assert env == {"TOKEN": "s3cret", "NODE": "${node.unique.name}",
                   "A": "${attr.kernel.name}"}
    assert config.variables["token"].sensitive is True


ESCAPES = '''variable "greeting" {
  default = "hi $${HOME}"
}
service "db" {
  port = "tcp"
  task {
    driver = "raw_exec"
    config = { command = "/bin/sh", args = ["$${NOMAD_PORT_tcp}", "%%{ if x }", "$$${y}", "$${var.greeting}", "${var.greeting}", "${var.listed}"] }
    env    = { WHOLE = "$${NOMAD_PORT_tcp}", KEPT = "${NOMAD_PORT_tcp}", FILE = var.from_file, QUOTED = "$${env[\\"HOME\\"]}" }
  }
}
variable "listed" {
  type = list
}
variable "from_file" {}
'''


def test_hcl_escapes_become_literals(tmp_path: Path) -> None:
    files = {"main.hcl": ESCAPES, "a.ncvars.hcl": 'from_file = "$${X} %%{y}"\n'}
    task = load(tmp_path, files, var=['listed=["$${Z}"]']).config.services[0].task
    assert task.config["args"] == ["${NOMAD_PORT_tcp}", "%{ if x }", "$${y}",
                                   "${var.greeting}", "hi ${HOME}", ["${Z}"]]
    assert task.env == {"WHOLE": "${NOMAD_PORT_tcp}", "KEPT": "${NOMAD_PORT_tcp}",
                        "FILE": "${X} %{y}", "QUOTED": '${env["HOME"]}'}


def test_env_and_var_text_is_taken_literally(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": ESCAPES.replace("hi $${HOME}", "x")},
                  var=["listed=[]", "from_file=$${A}"], env={"NCPLAN_VAR_greeting": "$${B}"})
    assert config.config.services[0].task.env["FILE"] == "$${A}"
    assert config.config.services[0].task.config["args"][4] == "$${B}"


def test_variable_without_value_is_an_error_naming_it(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": DECL + SERVICE})
    assert diag.summary == 'variable "replicas" has no value'
    assert str(diag.span) == "main.hcl:5:1"
    assert "--var replicas=VALUE" in diag.detail


def test_wrong_type_from_the_command_line(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": DECL + SERVICE}, var=["replicas=lots"])
    assert diag.summary == 'wrong type in --var replicas: expected a number, got string "lots"'
    assert diag.span is None


def test_sensitive_value_is_not_shown_in_messages(tmp_path: Path) -> None:
    decl = 'variable "pin" {\n  type = number\n  sensitive = true\n}\n'
    found = errors(tmp_path, {"main.hcl": decl}, var=["pin=hunter2"])
    assert all("hunter2" not in d.summary for d in found)
    assert found[0].summary == ("wrong type in --var pin: expected a number, "
                                "got (sensitive value)")


def test_undefined_variable_points_at_the_reference(tmp_path: Path) -> None:
    text = DECL + SERVICE.replace("/bin/${var.image}", "/bin/${var.imgae}")
    found = errors(tmp_path, {"main.hcl": text}, var=["replicas=1"])
    assert [(d.summary, str(d.span)) for d in found] == [
        ('undefined variable "imgae"', "main.hcl:28:34"),
    ]
    assert found[0].source_line.startswith("    config = {")


def test_bare_undefined_variable(tmp_path: Path) -> None:
    text = DECL + SERVICE.replace("datacenters = var.dcs", "datacenters = var.nope")
    diag = only_error(tmp_path, {"main.hcl": text}, var=["replicas=1"])
    assert diag.summary == 'undefined variable "nope"'
    assert str(diag.span) == "main.hcl:22:17"


UPSTREAMS = '''service "count-api" {
  port = "http"
  task {
    driver = "raw_exec"
    config = { command = "/bin/api" }
  }
}
service "web" {
  sidecar = "SIDECAR"
  task {
    driver = "raw_exec"
    config = { command = "/bin/web" }
    env    = { API = "http://${upstream.count-api}/v1", ALONE = "${upstream.count-api}" }
  }
  upstream "count-api" {
    local_bind_port = 9001
  }
}
'''


def test_upstream_expands_for_builtin_sidecars(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": UPSTREAMS.replace("SIDECAR", "builtin")}).config
    assert config.service("web").task.env == {  # type: ignore[union-attr]
        "API": "http://127.0.0.1:${NOMAD_PORT_up_count_api}/v1",
        "ALONE": "127.0.0.1:${NOMAD_PORT_up_count_api}",
    }


def test_upstream_expands_for_envoy_sidecars(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": UPSTREAMS.replace("SIDECAR", "envoy")}).config
    env = config.service("web").task.env  # type: ignore[union-attr]
    assert env["API"] == "http://${NOMAD_UPSTREAM_ADDR_count_api}/v1"


def test_upstream_reference_to_a_non_upstream_is_an_error(tmp_path: Path) -> None:
    text = UPSTREAMS.replace("SIDECAR", "builtin").replace(
        'ALONE = "${upstream.count-api}"', 'ALONE = "${upstream.db}"')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'service "web" has no upstream "db"'
    assert str(diag.span) == "main.hcl:13:68"


def test_a_var_without_equals_or_name_is_invalid(tmp_path: Path) -> None:
    files = {"main.hcl": 'variable "image" {\n  default = "d"\n}\n'}
    for override in ("image", "=x", " =x"):
        error = only_error(tmp_path, files, var=[override])
        assert error.summary == f'invalid --var "{override}": expected name=value'
        assert error.span is None
