"""The Terraform baseline: the equivalent configuration and when Terraform rows are skipped."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import terraform

DOCUMENT = {
    "nomad_jobs": {"svc-1": {"Job": {
        "ID": "svc-1", "Name": "svc-1", "Datacenters": ["dc1"], "Type": "service",
        "Meta": {"note": "100%{x}"},
        "TaskGroups": [{"Name": "svc-1", "Count": 0, "Tasks": [{
            "Name": "svc-1", "Driver": "raw_exec",
            "Config": {"command": "/bin/app", "args": ["127.0.0.1:${NOMAD_PORT_tcp}"]}}]}]}}},
    "consul_config_entries": [{"Kind": "service-intentions", "Name": "svc-0", "Sources": [
        {"Name": "svc-1", "Action": "allow", "Description": "svc-1 calls svc-0"}]}],
}


def test_heredoc_escape_leaves_interpolation_to_nomad() -> None:
    assert terraform.heredoc_escape("${NOMAD_PORT_tcp} %{ if } $${x}") == (
        "$${NOMAD_PORT_tcp} %%{ if } $$${x}")


def test_configuration_has_a_job_heredoc_and_a_service_intentions_entry() -> None:
    text = terraform.configuration(DOCUMENT, "http://127.0.0.1:4646", "http://127.0.0.1:8500")
    assert 'resource "nomad_job" "svc_1" {' in text
    assert "127.0.0.1:$${NOMAD_PORT_tcp}" in text
    assert '"100%%%{x}"' in text  # the jobspec's own %%{ (Nomad's escape), escaped again
    assert "${" not in text.replace("$${", "")
    assert 'kind        = "service-intentions"' in text and 'name        = "svc-0"' in text
    sources = json.dumps({"Sources": DOCUMENT["consul_config_entries"][0]["Sources"]})
    assert f"config_json = jsonencode({sources})" in text
    assert 'address = "127.0.0.1:8500"\n  scheme  = "http"' in text


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary here")
def test_terraform_itself_parses_the_configuration(tmp_path: Path) -> None:
    text = terraform.configuration(DOCUMENT, "http://127.0.0.1:4646", "http://127.0.0.1:8500")
    result = subprocess.run(["terraform", "fmt", "-"], input=text, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr


def _provider(root: Path, name: str) -> None:
    (root / terraform.REGISTRY / name / "2.0.0" / "linux_amd64").mkdir(parents=True)


def test_skipped_without_binary_or_providers_and_says_why(tmp_path: Path) -> None:
    binary = tmp_path / "terraform"
    none = terraform.availability(None, env={}, home=tmp_path)
    assert not none.usable and "no terraform binary" in none.reason
    binary.write_text("")
    missing = terraform.availability(binary, env={}, home=tmp_path)
    assert not missing.usable
    assert "hashicorp/nomad and hashicorp/consul providers are not installed" in missing.reason
    _provider(tmp_path / ".terraform.d" / "plugins", "nomad")
    one = terraform.availability(binary, env={}, home=tmp_path)
    assert not one.usable and "hashicorp/consul provider is not installed" in one.reason


def test_providers_found_in_an_implied_mirror_or_the_cli_configuration(tmp_path: Path) -> None:
    binary = tmp_path / "terraform"
    binary.write_text("")
    _provider(tmp_path / ".terraform.d" / "plugins", "nomad")
    mirror = tmp_path / "mirror"
    _provider(mirror, "consul")
    rc = tmp_path / "tf.rc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n'
                  '  }\n}\n')
    assert terraform.availability(binary, env={"TF_CLI_CONFIG_FILE": str(rc)},
                                  home=tmp_path).usable
    assert not terraform.availability(binary, env={}, home=tmp_path).usable
    assert terraform.availability(binary, env={"TF_PLUGIN_CACHE_DIR": str(mirror)},
                                  home=tmp_path).usable


def test_false_changes_count_planned_changes_in_the_json_stream() -> None:
    stream = "\n".join(json.dumps(m) for m in (
        {"type": "version"}, {"type": "planned_change", "change": {"action": "update"}},
        {"type": "planned_change", "change": {"action": "update"}},
        {"type": "change_summary"})) + "\nnot json\n"
    assert terraform.false_changes(stream) == 2


def test_configuration_is_ordered_as_ncplan_orders_it() -> None:
    document = {**DOCUMENT, "nomad_jobs": {**DOCUMENT["nomad_jobs"], "svc-0": {"Job": {
        **DOCUMENT["nomad_jobs"]["svc-1"]["Job"], "ID": "svc-0", "Name": "svc-0"}}}}
    text = terraform.configuration(document, "http://127.0.0.1:4646", "http://127.0.0.1:8500")
    caller = text[text.index('resource "nomad_job" "svc_1"'):]
    assert caller.split("\n")[1] == (
        "  depends_on = [consul_config_entry.service_intentions_svc_0]")
    entry = text[text.index('resource "consul_config_entry"'):]
    assert entry.split("\n")[1] == "  depends_on = [nomad_job.svc_0]"
    callee = text[text.index('resource "nomad_job" "svc_0"'):]
    assert "depends_on" not in callee.split("\n")[1]
