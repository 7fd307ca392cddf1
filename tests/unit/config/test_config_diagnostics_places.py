"""Issue 12: every syntax error of a file in one run, and wrong nested values pointed at."""

from __future__ import annotations

from pathlib import Path

from config_helpers import DB, errors, only_error


def test_every_syntax_error_of_a_file_is_reported_with_its_line(tmp_path: Path) -> None:
    text = ('service "db" {\n'
            "  port = [1,,2]\n"                   # 2: a doubled comma
            "}\n"
            "nomad {\n"
            '  address = "x" region = "y"\n'      # 5: two attributes on one line
            "}\n"
            "consul {\n"
            "  address = ]\n"                     # 8: no value
            "}\n")
    found = errors(tmp_path, {"main.hcl": text})
    assert [(d.summary, str(d.span), d.source_line) for d in found] == [
        ("syntax error: unexpected ','", "main.hcl:2:12", "  port = [1,,2]"),
        ("syntax error: unexpected 'region'; expected a new line", "main.hcl:5:17",
         '  address = "x" region = "y"'),
        ("syntax error: unexpected ']'; expected a value", "main.hcl:8:13",
         "  address = ]"),
    ]


def test_syntax_errors_of_several_files_are_all_reported(tmp_path: Path) -> None:
    found = errors(tmp_path, {"a.hcl": 'service "a" {\n  x = \n}\nnomad {\n  y = [\n}\n',
                              "b.hcl": 'consul {\n  address = "abc\n}\n'})
    assert [(d.summary, str(d.span)) for d in found] == [
        ("syntax error: unexpected '}'; expected a value", "a.hcl:3:1"),
        ("syntax error: unclosed '[': a ']' is missing", "a.hcl:5:7"),
        ("syntax error: unterminated string: a '\"' is missing", "b.hcl:2:13"),
    ]


def test_a_wrong_value_inside_config_args_is_pointed_at(tmp_path: Path) -> None:
    text = DB.replace('config = { command = "/usr/local/bin/my-database" }',
                      'config = {\n      command = "/bin/db"\n      args    = "-bind"\n    }')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == ('wrong type for "config.args" in task: expected a list, '
                            'got string "-bind"')
    assert str(diag.span) == "main.hcl:7:17"
    assert diag.source_line == '      args    = "-bind"'


def test_a_wrong_item_inside_a_list_is_pointed_at(tmp_path: Path) -> None:
    text = DB.replace('  port = "tcp"', '  port = "tcp"\n  datacenters = ["dc1",\n'
                      '    { zone = "a" }]')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == ('wrong type for "datacenters[1]" in service "db": expected a '
                            "string, got a map")
    assert str(diag.span) == "main.hcl:4:5"


def test_a_wrong_value_inside_an_env_block_is_pointed_at(tmp_path: Path) -> None:
    text = DB.replace('    driver = "raw_exec"',
                      '    driver = "raw_exec"\n    env {\n      A = "1"\n'
                      '      B = { nested = [true, null] }\n    }')
    diag = only_error(tmp_path, {"main.hcl": text})
    assert diag.summary == 'wrong type for "env.B" in task: expected a string, got a map'
    assert str(diag.span) == "main.hcl:7:11"
