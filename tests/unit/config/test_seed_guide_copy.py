"""Cross-check: the repository's copy of the seed guide's jobs is the guide's text, verbatim
in the canonical style (as ``ncplan fmt`` and ``nomad fmt`` lay it out: the guide indents by
four), but for the one change seed_copy.py writes down (runnable app tasks in place of the
guide's hypothetical database and its "# ... typical configuration." web task).

The guide lives in the shared folder beside the repository, which a user's clone does not
have: there the check is skipped with its reason (pytest's summary lists it); under CI=true,
or when ``NCPLAN_SHARED_DIR`` names the folder, a missing guide fails (real_jobs.shared).
"""

from __future__ import annotations

from real_jobs import shared
from seed_copy import GUIDE_NAME, as_in_guide, guide_jobs, seed_jobs

from ncplan.fmt import format_hcl


def _guide_text() -> str:
    return shared(GUIDE_NAME).read_text(encoding="utf-8")


def test_the_raw_example_holds_the_guides_jobs_verbatim_but_the_app_tasks() -> None:
    guide = guide_jobs(_guide_text())
    assert set(guide) == {"db", "web"}, "the seed guide's jobs were not found"
    assert as_in_guide(seed_jobs()) == {name: format_hcl(text).text
                                        for name, text in guide.items()}


def test_the_copy_has_both_jobs_with_runnable_app_tasks_and_the_guides_proxies() -> None:
    """Runs everywhere: the copy the other tests use is complete, its app tasks have a
    driver, and its Connect parts are the guide's."""
    jobs = seed_jobs()
    assert set(jobs) == {"db", "web"}
    assert "typical configuration" not in jobs["web"]
    assert jobs["web"].count('driver = "raw_exec"') == 2
    assert '"-upstream", "db:${NOMAD_PORT_tcp}",' in jobs["web"]
    assert '"-service", "db",' in jobs["db"]
    assert '"-service-addr", "${NOMAD_ADDR_db_tcp}",' in jobs["db"]
    assert '"-listen", ":${NOMAD_PORT_tcp}",' in jobs["db"]
    guide = as_in_guide(jobs)
    assert "# ... typical configuration." in guide["web"]
    assert "/usr/local/bin/my-database" in guide["db"]
