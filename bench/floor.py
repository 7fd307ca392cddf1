"""The API floor: the fewest requests that do a plan, an apply or a destroy, 10 at a time,
with nothing but urllib (a new connection per request, as plain urllib does).

* plan:    per job a GET /v1/job/NAME and a POST /v1/job/NAME/plan (Diff=true); per
           service-intentions entry a GET /v1/config/service-intentions/NAME;
* apply:   per job a POST /v1/jobs; per entry a PUT /v1/config;
* destroy: per job a DELETE /v1/job/NAME?purge=true; per entry a DELETE /v1/config/...

The ordered floor (``apply-ordered``, ``destroy-ordered``) sends the same writes in
dependency order, as ncplan must: a called service's job, then the entry of the
intentions towards it, then its callers' jobs (destroy: the reverse). A write starts as
soon as the writes it needs are answered, at most 10 at a time (a chain is then one at a
time), with plain requests over kept-alive connections (:mod:`ordered`).

    python bench/floor.py plan|apply|destroy|apply-ordered|destroy-ordered \
        PAYLOADS.json NOMAD_ADDR CONSUL_ADDR

PAYLOADS.json is ``ncplan render --format json``'s document. The last line printed is
the request count per API as JSON.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import ordered

CONCURRENCY = 10
Request = tuple[str, str, str, Any]  # api, method, url, body


def _send(request: Request) -> str:
    api, method, url, body = request
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            answer.read()
    except urllib.error.HTTPError as error:
        if error.code != 404:  # reading what does not exist yet is part of a plan
            raise RuntimeError(f"{method} {url}: {error.code} {error.read()[:300]!r}") from error
    return api


def requests_for(stage: str, document: Mapping[str, Any], nomad: str,
                 consul: str) -> list[Request]:
    jobs: Mapping[str, Any] = document.get("nomad_jobs", {})
    entries: Sequence[Mapping[str, Any]] = document.get("consul_config_entries", ())
    builders: dict[str, Callable[[], list[Request]]] = {
        "plan": lambda: [
            *[r for name, payload in jobs.items() for r in (
                ("Nomad", "GET", f"{nomad}/v1/job/{quote(name)}", None),
                ("Nomad", "POST", f"{nomad}/v1/job/{quote(name)}/plan",
                 {"Job": payload["Job"], "Diff": True}))],
            *[("Consul", "GET", f"{consul}/v1/config/{e['Kind']}/{quote(e['Name'])}", None)
              for e in entries]],
        "apply": lambda: [
            *[("Nomad", "POST", f"{nomad}/v1/jobs", {"Job": p["Job"]}) for p in jobs.values()],
            *[("Consul", "PUT", f"{consul}/v1/config", dict(e)) for e in entries]],
        "destroy": lambda: [
            *[("Nomad", "DELETE", f"{nomad}/v1/job/{quote(name)}?purge=true", None)
              for name in jobs],
            *[("Consul", "DELETE", f"{consul}/v1/config/{e['Kind']}/{quote(e['Name'])}", None)
              for e in entries]],
    }
    return builders[stage]()


def run(stage: str, document: Mapping[str, Any], nomad: str, consul: str) -> dict[str, int]:
    """Send the stage's requests, CONCURRENCY at a time; returns the count per API."""
    counts: dict[str, int] = {}
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for api in pool.map(_send, requests_for(stage, document, nomad, consul)):
            counts[api] = counts.get(api, 0) + 1
    return counts


ACTIONS = ("plan", "apply", "destroy", "apply-ordered", "destroy-ordered")


def main(argv: Sequence[str]) -> int:
    if len(argv) != 4 or argv[0] not in ACTIONS:
        print(__doc__, file=sys.stderr)
        return 2
    document = json.loads(Path(argv[1]).read_text())
    nomad, consul = argv[2].rstrip("/"), argv[3].rstrip("/")
    if argv[0].endswith("-ordered"):
        counts = ordered.run(argv[0].removesuffix("-ordered"), document, nomad, consul,
                             CONCURRENCY)
    else:
        counts = run(argv[0], document, nomad, consul)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
