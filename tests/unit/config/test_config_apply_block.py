"""``apply { rollback_on_failure }``: decoded, off by default, typed, one block."""

from __future__ import annotations

from pathlib import Path

from config_helpers import errors, load

SERVICE = 'service "db" {\n  port = "tcp"\n  task {\n    driver = "raw_exec"\n  }\n}\n'


def test_rollback_on_failure_reaches_the_config(tmp_path: Path) -> None:
    config = load(tmp_path, {"main.hcl": "apply {\n  rollback_on_failure = true\n}\n"
                                         + SERVICE}).config
    assert config.apply.rollback_on_failure is True


def test_it_is_off_without_the_block(tmp_path: Path) -> None:
    assert load(tmp_path, {"main.hcl": SERVICE}).config.apply.rollback_on_failure is False


def test_it_must_be_a_bool_and_the_block_knows_only_it(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": 'apply {\n  rollback_on_failure = "yes"\n}\n'})
    assert len(found) == 1 and "rollback_on_failure" in found[0].summary
    found = errors(tmp_path, {"main.hcl": "apply {\n  rollback = true\n}\n"})
    assert len(found) == 1 and "rollback" in found[0].summary


def test_one_apply_block(tmp_path: Path) -> None:
    found = errors(tmp_path, {"main.hcl": "apply {}\napply {}\n"})
    assert [d.summary for d in found] == ["duplicate apply block"]
