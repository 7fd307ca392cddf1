"""Syntax errors, unknown names, wrong types and missing values: message and location."""

from __future__ import annotations

from pathlib import Path

from config_helpers import DB, errors, only_error


def test_syntax_error_names_file_line_col_and_reads_like_english(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": 'service "db" {\n  count = \n}\n'})
    assert diag.summary == "syntax error: unexpected '}'; expected a value"
    assert str(diag.span) == "main.hcl:3:1"
    assert diag.source_line == "}"


def test_syntax_errors_of_every_file_are_reported(tmp_path: Path) -> None:
    found = errors(tmp_path, {"a.hcl": 'service "a" {\n  count = 1\n',
                              "b.hcl": 'x = "abc\n'})
    assert [(d.summary, str(d.span)) for d in found] == [
        ("syntax error: unclosed block service \"a\": the file ends before its '}'",
         "a.hcl:1:13"),
        ("syntax error: unterminated string: a '\"' is missing", "b.hcl:1:5"),
    ]


def test_unknown_attribute_suggests_near_miss(tmp_path: Path) -> None:
    text = DB.replace('  port = "tcp"', '  port = "tcp"\n  cuont = 2')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'unknown attribute "cuont" in service "db"'
    assert diag.detail.startswith('Did you mean "count"?')
    assert str(diag.span) == "main.hcl:3:3"
    assert diag.source_line == "  cuont = 2"


def test_unknown_block_type_suggests_near_miss(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": DB + '\nservic "web" {}\n'})
    assert diag.summary == 'unknown block type "servic"'
    assert diag.detail.startswith('Did you mean "service"?')
    assert str(diag.span) == "main.hcl:9:1"


def test_unknown_nested_block(tmp_path: Path) -> None:
    text = DB.replace("  task {", "  upstrem \"x\" {}\n  task {")
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'unknown block "upstrem" in service "db"'
    assert 'Did you mean "upstream"?' in diag.detail
    assert str(diag.span) == "main.hcl:3:3"


def test_wrong_type(tmp_path: Path) -> None:
    text = DB.replace('  port = "tcp"', '  port = "tcp"\n  count = "many"')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == ('wrong type for "count" in service "db": expected a whole number, '
                            'got string "many"')
    assert str(diag.span) == "main.hcl:3:3"


def test_missing_required_driver(tmp_path: Path) -> None:
    text = DB.replace('    driver = "raw_exec"\n', "")
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'missing required attribute "driver" in task'
    assert str(diag.span) == "main.hcl:3:3"


def test_missing_task_block(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": 'service "db" {\n  port = "tcp"\n}\n'})
    assert diag.summary == 'missing required block "task" in service "db"'
    assert str(diag.span) == "main.hcl:1:1"


def test_all_errors_of_a_run_are_reported(tmp_path: Path) -> None:
    text = DB.replace('  port = "tcp"', '  port = "tcp"\n  count = -1\n  sidecar = "istio"')
    found = errors(tmp_path, {"main.hcl": text, "z.hcl": "nomad {\n  adress = \"x\"\n}\n"})
    assert [(d.summary, str(d.span)) for d in found] == [
        ('unknown attribute "adress" in nomad', "z.hcl:2:3"),
        ('count must be 0 or more in service "db", got -1', "main.hcl:3:3"),
        ('invalid sidecar "istio"', "main.hcl:4:3"),
    ]


def test_invalid_protocol(tmp_path: Path) -> None:
    text = DB.replace('  port = "tcp"', '  port = "tcp"\n  protocol = "udp"')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'invalid protocol "udp"'
    assert diag.detail == 'protocol must be one of: "tcp", "http", "http2", "grpc"'
    assert str(diag.span) == "main.hcl:3:3"


def test_top_level_attribute_in_configuration(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": DB + "region = \"x\"\n"})
    assert diag.summary == 'unexpected attribute "region" at the top level'
    assert str(diag.span) == "main.hcl:8:1"


def test_missing_label(tmp_path: Path) -> None:
    diag = only_error(tmp_path, {"main.hcl": DB + 'intention "web" {\n  action = "allow"\n}\n'})
    assert diag.summary == "intention block needs 2 labels, got 1"
    assert str(diag.span) == "main.hcl:8:1"
