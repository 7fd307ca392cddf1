"""The steps of load_config: settings blocks (first wins, duplicates are errors, in order),
files without configuration, and check_config's diagnostics without raising."""

from __future__ import annotations

from pathlib import Path

from config_helpers import DB, errors, load, write

from ncplan.config.loader import check_config


def test_a_duplicate_settings_block_is_an_error_pointing_at_the_first(tmp_path: Path) -> None:
    files = {"a.hcl": DB + 'nomad {\n  region = "eu"\n}\n',
             "b.hcl": 'nomad {\n  region = "us"\n}\n'}
    [diag] = errors(tmp_path, files)
    assert diag.summary == "duplicate nomad block"
    assert str(diag.span) == "b.hcl:1:1"
    assert diag.detail == "the first nomad block is at a.hcl:8"


def test_settings_blocks_are_decoded_in_order_and_defaults_apply(tmp_path: Path) -> None:
    files = {"a.hcl": DB + 'consul {\n  datacenter = "dc2"\n}\nnomad {\n  region = "eu"\n}\n'}
    config = load(tmp_path, files).config
    assert (config.nomad.region, config.consul.datacenter) == ("eu", "dc2")
    assert config.backend.kind == "local"


def test_settings_diagnostics_come_in_a_fixed_order(tmp_path: Path) -> None:
    files = {"a.hcl": DB + "consul {}\nconsul {}\nnomad {}\nnomad {}\n"}
    found = errors(tmp_path, files)
    assert [d.summary for d in found] == ["duplicate nomad block", "duplicate consul block"]


def test_check_config_returns_errors_and_warnings_without_raising(tmp_path: Path) -> None:
    assert check_config(tmp_path)[0].summary == f"no configuration files (*.hcl) in {tmp_path}"
    write(tmp_path, {"main.hcl": DB})
    assert check_config(tmp_path) == ()
