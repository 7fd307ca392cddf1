"""ncplan's own variables: typed defaults and values, nullable, validation, locals."""
# ruff: noqa: E501  (HCL fixtures keep their natural line length)

from __future__ import annotations

from pathlib import Path

from config_helpers import DB, errors, load, only_error

TYPED = '''variable "dbs" {
  type = map(object({
    host = string
    port = optional(number)
  }))
  default = { main = { host = "db", port = "5432" } }
}

variable "names" {
  type        = list(string)
  description = "who"
  default     = ["a", 2]
}

variable "pair" {
  type     = tuple([string, bool])
  nullable = false
}
'''


def test_defaults_and_given_values_are_converted_to_the_type(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": TYPED, "v.ncvars.hcl": 'pair = ["x", "true"]\n'}).config
    assert config.variables["dbs"].value == {"main": {"host": "db", "port": 5432}}
    assert config.variables["names"].value == ["a", "2"]
    assert config.variables["names"].description == "who"
    assert config.variables["pair"].value == ["x", True]
    assert str(config.variables["dbs"].type) == \
        "map(object({host = string, port = optional(number)}))"


def test_a_wrong_value_in_a_variable_file_is_located(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": TYPED,
                                  "v.ncvars.hcl": 'pair = ["x", true]\nnames = [["a"]]\n'})
    assert found.summary == ('wrong type for variable "names": expected a list of strings, '
                             'got a list [["a"]] ([0] is a list ["a"])')
    assert str(found.span) == "v.ncvars.hcl:2:1"


def test_a_wrong_default_is_located(tmp_path: Path) -> None:
    decl = 'variable "ports" {\n  type    = map(number)\n  default = { http = "x" }\n}\n'
    found = errors(tmp_path, {"main.hcl": decl})[0]
    assert found.summary == ('wrong type for the default of variable "ports": expected a map '
                             'of numbers, got a map {"http": "x"} (["http"] is string "x")')
    assert str(found.span) == "main.hcl:3:3"


def test_a_value_from_the_command_line_is_read_as_hcl(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": TYPED}, var=['pair=["a", false]']).config
    assert config.variables["pair"].value == ["a", False]
    found = only_error(tmp_path, {"main.hcl": TYPED}, var=['pair=["a"]'])
    assert found.summary == ('wrong type in --var pair: expected a tuple of 2 elements, '
                             'got a list ["a"]')


def test_null_is_refused_for_a_variable_that_is_not_nullable(tmp_path: Path) -> None:
    found = only_error(tmp_path, {"main.hcl": TYPED, "v.ncvars.hcl": "pair = null\n"})
    assert found.summary == ('wrong type for variable "pair": expected a tuple of 2 elements, '
                             "got null (the variable is not nullable)")
    nullable = 'variable "x" {\n  type = string\n  default = "d"\n}\n'
    config = load(tmp_path, {"main.hcl": nullable, "v.ncvars.hcl": "x = null\n"}).config
    assert config.variables["x"].value is None


def test_an_unknown_type_is_located_in_the_type_expression(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": 'variable "x" {\n  type = list(strng)\n}\n'})[0]
    assert found.summary.startswith('unknown type "strng"; use one of: string, number')
    assert str(found.span) == "main.hcl:2:15"


def test_a_validation_block_in_an_ncplan_file_is_a_located_error(tmp_path: Path) -> None:
    decl = '''variable "n" {
  type    = number
  default = 1
  validation {
    condition     = var.n > 0
    error_message = "The n must be positive."
  }
}
'''
    found = only_error(tmp_path, {"main.hcl": decl})
    assert found.summary == 'validation blocks are not evaluated in ncplan files (variable "n")'
    assert str(found.span) == "main.hcl:4:3"
    assert "*.nomad.hcl" in found.detail


def test_locals_expand_over_variables_other_locals_and_upstreams(tmp_path: Path) -> None:
    main = '''variable "env" {
  default = "prod"
}

locals {
  bin  = "/usr/local/bin"
  name = "db-${var.env}"
}

locals {
  command = "${local.bin}/web"
  dsn     = "postgres://${upstream.db}/${local.name}"
}

service "web" {
  task {
    driver = "raw_exec"
    config = { command = local.command }
    env    = { DSN = local.dsn }
  }
  upstream "db" {}
}
'''
    web = load(tmp_path, {"main.hcl": main, "db.hcl": DB}).config.service("web")
    assert web is not None
    assert web.task.config["command"] == "/usr/local/bin/web"
    assert web.task.env["DSN"] == "postgres://127.0.0.1:${NOMAD_PORT_up_db}/db-prod"


def test_a_locals_cycle_is_an_error_naming_it(tmp_path: Path) -> None:
    main = 'locals {\n  a = "${local.b}"\n  b = "x-${local.c}"\n  c = local.a\n  d = "fine"\n}\n'
    found = only_error(tmp_path, {"main.hcl": main, "db.hcl": DB})
    assert found.summary.startswith("locals refer to each other in a cycle: local.")
    assert all(f"local.{n}" in found.summary for n in "abc")
    assert "local.d" not in found.summary


def test_an_undefined_local_is_located(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": DB.replace('"/usr/local/bin/my-database"', "local.nope")})
    assert [(d.summary, str(d.span)) for d in found] == [('undefined local "nope"', "main.hcl:5:26")]


def test_attributes_keys_and_indexes_of_a_variable_are_selected(tmp_path: Path) -> None:
    decl = '''variable "db" {
  type    = object({ image = string, ports = list(number), tags = map(string) })
  default = { image = "pg:16", ports = [5432, 8080], tags = { team = "data" } }
}
'''
    service = DB.replace('"/usr/local/bin/my-database"', 'var.db.image').replace(
        'config = {', 'env = { PORT = "${var.db.ports[1]}", TEAM = var.db.tags["team"] }\n    config = {')
    config = load(tmp_path, {"main.hcl": decl + service}).config
    db = config.service("db")
    assert db is not None
    assert db.task.config["command"] == "pg:16"
    assert dict(db.task.env) == {"PORT": "8080", "TEAM": "data"}
    found = only_error(tmp_path, {"main.hcl": decl + service.replace("ports[1]", "ports[2]")})
    assert found.summary == "var.db.ports has no [2]"
