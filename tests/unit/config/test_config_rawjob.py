"""Raw job blocks: kept verbatim, dependencies derived from the job (the seed guide's jobs)."""

from __future__ import annotations

from pathlib import Path

from config_helpers import load, only_error
from seed_copy import as_in_guide, seed_jobs

from ncplan.config.rawjob import derive


def test_the_seed_guides_two_jobs_validate_with_web_depending_on_db(tmp_path: Path) -> None:
    jobs = as_in_guide(seed_jobs())  # the guide's text, its web task without a driver
    assert set(jobs) == {"db", "web"}, "the seed guide's jobs were not found"
    assert "# ... typical configuration." in jobs["web"]
    config = load(tmp_path, {"db.hcl": jobs["db"] + "\n", "web.hcl": jobs["web"] + "\n"}).config
    db, web = config.jobs
    assert (db.name, web.name) == ("db", "web")
    assert db.source == jobs["db"]
    assert web.source == jobs["web"]
    assert db.upstreams == ()
    assert web.upstreams == ("db",)
    assert str(web.span) == "web.hcl:1:1"


def test_source_is_exact_even_among_other_blocks(tmp_path: Path) -> None:
    job = 'job "api" {\n  # keep me\n  datacenters = ["dc1"]   # and me\n}'
    text = 'nomad {\n  region = "global"\n}\n\n' + job + "\n\nconsul {}\n"
    (found,) = load(tmp_path, {"a.hcl": text}).config.jobs
    assert found.source == job


def test_native_connect_upstreams_and_meta_depends_on() -> None:
    body = {
        "meta": [{"ncplan_depends_on": "vault, db"}],
        "group": [{"web": {"service": [{"connect": [{"sidecar_service": [{"proxy": [{
            "upstreams": [{"destination_name": "api", "local_bind_port": 8080}]}]}]}]}]}}],
    }
    assert derive("web", body) == (("api",), ("vault", "db"))


def test_upstream_flag_with_equals_sign() -> None:
    task = {"config": {"command": "consul", "args": ["connect", "proxy",
                                                     "-upstream=cache:${NOMAD_PORT_c}"]}}
    body = {"group": [{"g": {"task": [{"proxy": task}]}}]}
    assert derive("web", body) == (("cache",), ())


def test_non_proxy_tasks_are_ignored() -> None:
    task = {"config": [{"command": "/bin/app", "args": ["-upstream", "db:1"]}]}
    assert derive("web", {"group": [{"g": {"task": [{"app": task}]}}]}) == ((), ())


def test_meta_depends_on_unknown_job(tmp_path: Path) -> None:
    job = 'job "api" {\n  meta {\n    ncplan_depends_on = "vault"\n  }\n}\n'
    diag = only_error(tmp_path, {"a.hcl": job})
    assert diag.summary == ('job "api" depends on "vault" (meta ncplan_depends_on), which is '
                            "not in the configuration")
    assert str(diag.span) == "a.hcl:3:26"
