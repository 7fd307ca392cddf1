"""The ordered floor: which write waits for which, from the rendered document alone."""

from __future__ import annotations

from pathlib import Path

import generate
import ordered
from generate import Shape, Spec

from ncplan.config import load_config
from ncplan.resources.desired import lower_config
from ncplan.resources.payloads import payload_document

DOCUMENT = {
    "nomad_jobs": {name: {"Job": {"ID": name}} for name in ("db", "web", "api")},
    "consul_config_entries": [
        {"Kind": "service-intentions", "Name": "db",
         "Sources": [{"Name": "web"}, {"Name": "api"}, {"Name": "elsewhere"}]}],
}


def test_an_entry_waits_for_its_job_and_its_callers_wait_for_the_entry() -> None:
    assert ordered.needs(DOCUMENT) == {
        "job:db": set(), "entry:service-intentions/db": {"job:db"},
        "job:web": {"entry:service-intentions/db"},
        "job:api": {"entry:service-intentions/db"}}


def test_a_destroy_runs_the_graph_backwards() -> None:
    order = ordered.keys_in_order("destroy", DOCUMENT)
    assert order.index("entry:service-intentions/db") > max(order.index("job:web"),
                                                            order.index("job:api"))
    assert order[-1] == "job:db"


def test_the_writes_are_the_floors() -> None:
    writes = ordered.writes("apply", DOCUMENT)
    assert (writes["job:db"].method, writes["job:db"].path) == ("POST", "/v1/jobs")
    assert writes["entry:service-intentions/db"].method == "PUT"
    gone = ordered.writes("destroy", DOCUMENT)
    assert gone["job:web"].path == "/v1/job/web?purge=true"
    assert gone["entry:service-intentions/db"].path == "/v1/config/service-intentions/db"


def test_a_chain_is_one_write_at_a_time(tmp_path: Path) -> None:
    generate.generate(tmp_path, Spec(5, Shape.CHAIN))
    document = dict(payload_document(lower_config(load_config(tmp_path, env={}).config)))
    assert ordered.keys_in_order("apply", document) == [
        "job:svc-0", "entry:service-intentions/svc-0", "job:svc-1",
        "entry:service-intentions/svc-1", "job:svc-2", "entry:service-intentions/svc-2",
        "job:svc-3", "entry:service-intentions/svc-3", "job:svc-4"]
