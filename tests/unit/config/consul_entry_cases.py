"""Sets of config entries Consul 1.14 refuses or accepts at write time, shared by the unit
tests of ``entry_checks`` and the integration test that writes each to the real agent
(tests/integration/test_consul_entry_refusals.py): ``before`` are written first, then
``bad``; ``refusal`` is Consul's answer to ``bad`` (``""``: accepted)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ncplan.config.collector import Sink
from ncplan.config.entry_checks import check_entries
from ncplan.config.entry_files import read_entry_file
from ncplan.config.entry_model import ConsulEntry
from ncplan.config.model import Service

Body = dict[str, Any]


@dataclass(frozen=True)
class Case:
    id: str
    bad: Body
    refusal: str
    before: tuple[Body, ...] = field(default_factory=tuple)


def http(name: str) -> Body:
    return {"Kind": "service-defaults", "Name": name, "Protocol": "http"}


def resolver(name: str, *subsets: str, **more: Any) -> Body:
    return {"Kind": "service-resolver", "Name": name,
            "Subsets": {s: {"Filter": f"Service.Meta.version == {s}"} for s in subsets},
            **more}


def splitter(name: str, *splits: Body) -> Body:
    return {"Kind": "service-splitter", "Name": name, "Splits": list(splits)}


def router(name: str, destination: Body) -> Body:
    return {"Kind": "service-router", "Name": name, "Routes": [
        {"Match": {"HTTP": {"PathPrefix": "/admin"}}, "Destination": destination}]}


def cases(u: str) -> list[Case]:
    """The cases, every service name suffixed with ``u`` (tests sharing an agent)."""
    api, admin, nowhere, plain = f"api{u}", f"admin{u}", f"nowhere{u}", f"plain{u}"
    return [
        Case("splitter on tcp", splitter(api, {"Weight": 100}),
             f'discovery chain "{api}" uses a protocol "tcp" that does not permit advanced '
             "routing or splitting behavior"),
        Case("router on tcp", router(api, {"Service": api}),
             f'discovery chain "{api}" uses a protocol "tcp" that does not permit advanced '
             "routing or splitting behavior"),
        Case("subset no resolver defines",
             splitter(api, {"Weight": 90, "ServiceSubset": "v1"},
                      {"Weight": 10, "ServiceSubset": "v2"}),
             f'service "{api}" does not have a subset named "v2"',
             (http(api), resolver(api, "v1"))),
        Case("subset with no resolver at all",
             router(api, {"ServiceSubset": "v1"}),
             f'service "{api}" does not have a subset named "v1"', (http(api),)),
        Case("weights over 100",
             splitter(api, {"Weight": 90, "ServiceSubset": "v1"},
                      {"Weight": 20, "ServiceSubset": "v2"}),
             "the sum of all split weights must be 100, not 110.000000",
             (http(api), resolver(api, "v1", "v2"))),
        Case("weights counted to two decimals",
             splitter(api, {"Weight": 90.005, "ServiceSubset": "v1"},
                      {"Weight": 10, "ServiceSubset": "v2"}),
             "the sum of all split weights must be 100, not 100.010002",
             (http(api), resolver(api, "v1", "v2"))),
        Case("weights to two decimals that sum to 100",
             splitter(api, {"Weight": 33.33, "ServiceSubset": "v1"},
                      {"Weight": 66.67, "ServiceSubset": "v2"}), "",
             (http(api), resolver(api, "v1", "v2"))),
        Case("a split destination twice", splitter(api, {"Weight": 50}, {"Weight": 50}),
             f'split destination occurs more than once: service="{api}", subset="", '
             'namespace="", partition=""', (http(api),)),
        Case("route to an unknown service", router(api, {"Service": nowhere}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{nowhere}" has '
             '"tcp" which is not "http"', (http(api),)),
        Case("every split to a tcp service", splitter(api, {"Weight": 100, "Service": admin}),
             f'discovery chain "{api}" uses a protocol "tcp" that does not permit advanced '
             "routing or splitting behavior", (http(api),)),
        Case("a split to a tcp service, one to itself",
             splitter(api, {"Weight": 10, "Service": nowhere}, {"Weight": 90}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{api}" has '
             '"http" which is not "tcp"', (http(api),)),
        Case("a split to itself, one to a tcp service",
             splitter(api, {"Weight": 90}, {"Weight": 10, "Service": nowhere}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{nowhere}" has '
             '"tcp" which is not "http"', (http(api),)),
        Case("a splitter behind a router starts at the router's service",
             splitter(api, {"Weight": 10, "Service": nowhere}, {"Weight": 90}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{nowhere}" has '
             '"tcp" which is not "http"', (http(api), router(api, {"Service": api}))),
        Case("a splitter on tcp whose every split goes to an http service",
             splitter(plain, {"Weight": 100, "Service": admin}), "", (http(admin),)),
        Case("a router on tcp to an http service", router(plain, {"Service": admin}),
             f'discovery chain "{plain}" uses inconsistent protocols; service "{admin}" has '
             '"http" which is not "tcp"', (http(admin),)),
        Case("route to an http service", router(api, {"Service": admin}), "",
             (http(api), http(admin))),
        Case("redirect to a tcp service", resolver(api, Redirect={"Service": admin}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{admin}" has '
             '"tcp" which is not "http"', (http(api),)),
        Case("failover to a tcp service",
             resolver(api, "v1", Failover={"*": {"Service": admin}}),
             f'discovery chain "{api}" uses inconsistent protocols; service "{admin}" has '
             '"tcp" which is not "http"', (http(api),)),
        Case("DefaultSubset not a subset", resolver(api, "v1", DefaultSubset="zz"),
             'DefaultSubset "zz" is not a valid subset'),
        Case("resolver subsets on tcp", resolver(api, "v1", "v2"), ""),
        Case("resolver L7 settings on tcp", resolver(api, RequestTimeout="5s", LoadBalancer={
            "Policy": "ring_hash", "HashPolicies": [{"Field": "header",
                                                     "FieldValue": "x-user"}]}), ""),
        Case("splitter on a service http by proxy-defaults",
             splitter(api, {"Weight": 100}), "",
             ({"Kind": "proxy-defaults", "Name": "global", "Config": {"protocol": "http"}},)),
    ]


def entry_of(body: Body, index: int) -> ConsulEntry:
    name = f"{index}.consul.json"
    text = json.dumps(body, indent=2)
    sink = Sink()
    sink.add_source(name, text)
    entry = read_entry_file(name, text, sink)
    assert entry is not None and not sink.diagnostics, sink.diagnostics
    return entry


def ncplan_errors(case: Case, services: tuple[Service, ...] = ()) -> list[str]:
    """The errors ncplan's validate finds in ``before`` + ``bad``."""
    entries = [entry_of(body, i) for i, body in enumerate((*case.before, case.bad))]
    sink = Sink()
    check_entries(entries, services, sink)
    return [d.summary for d in sink.diagnostics if d.is_error]
