"""Checks across blocks: names, duplicates, references, cycles, ports, intentions."""

from __future__ import annotations

import re

from ncplan.config.collector import Sink
from ncplan.config.decode import Decoded
from ncplan.config.model import CONNECT_PORT_LABEL, UPSTREAM_PORT_PREFIX, upstream_port_label

# Nomad job/group/service names as ncplan requires them, which also satisfy Consul's
# DNS-compatible service names: lowercase letters, digits and dashes, a letter first,
# no dash last, at most 63 characters.
NAME_RULE = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
PORT_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def name_problem(name: str) -> str:
    """Why ``name`` is not a valid job/service name, or an empty string."""
    if NAME_RULE.match(name):
        return ""
    if len(name) > 63:
        return f"is {len(name)} characters long; the limit is 63 (a DNS label)"
    if not name or not name[0].isalpha() or not name[0].islower():
        return "must start with a lowercase letter"
    if name.endswith("-"):
        return "must not end with a dash (Consul service names are DNS labels)"
    return "may only contain lowercase letters, digits and dashes"


def check(decoded: Decoded, sink: Sink) -> None:
    _names(decoded, sink)
    _references(decoded, sink)
    _ports(decoded, sink)
    _idle_sidecars(decoded, sink)
    _intentions(decoded, sink)
    _cycles(decoded, sink)


def _names(decoded: Decoded, sink: Sink) -> None:
    seen: dict[str, str] = {}
    entries = [(s.name, "service", s.span) for s, _ in decoded.services]
    entries += [(j.name, "job", j.span) for j, _ in decoded.jobs]
    for name, kind, span in entries:
        problem = name_problem(name)
        if problem:
            sink.error(f'invalid {kind} name "{name}": it {problem}', span,
                       "use lowercase letters, digits and dashes, starting with a letter")
        if name in seen:
            sink.error(f'duplicate job name "{name}": {kind} "{name}" and {seen[name]}', span,
                       "every service and job block becomes a Nomad job; names must be "
                       "unique")
        else:
            seen[name] = f'{kind} "{name}" at {span}'
    for service, _ in decoded.services:
        for upstream in service.upstreams:
            problem = name_problem(upstream.name)
            if problem:
                sink.error(f'invalid upstream name "{upstream.name}": it {problem}',
                           upstream.span)


def _references(decoded: Decoded, sink: Sink) -> None:
    known = {s.name for s, _ in decoded.services} | {j.name for j, _ in decoded.jobs}
    for service, body in decoded.services:
        for upstream in service.upstreams:
            if upstream.name not in known and not upstream.external:
                sink.error(
                    f'service "{service.name}" has an upstream "{upstream.name}" that is not '
                    "in the configuration", upstream.span,
                    f'declare service "{upstream.name}", or mark the upstream external = true',
                )
            if service.sidecar == "envoy" and upstream.local_bind_port is None:
                sink.error(
                    f'upstream "{upstream.name}" of service "{service.name}" needs '
                    "local_bind_port", upstream.span,
                    'envoy sidecars listen on a fixed local port: add local_bind_port = ...',
                )
        for name in service.depends_on:
            if name not in known:
                sink.error(f'service "{service.name}" depends on "{name}", which is not in '
                           "the configuration", sink.find(body.place("depends_on"), name))
    for job, where in decoded.jobs:
        for name in job.depends_on:
            if name not in known:
                sink.error(f'job "{job.name}" depends on "{name}" (meta ncplan_depends_on), '
                           "which is not in the configuration", sink.find(where, name))


def _ports(decoded: Decoded, sink: Sink) -> None:
    for service, body in decoded.services:
        labels: dict[str, str] = {}
        if service.port is not None:
            if not PORT_LABEL.match(service.port):
                sink.error(f'invalid port label "{service.port}" in service "{service.name}"',
                           body.place("port"),
                           "port labels use letters, digits and underscores")
            labels[service.port] = "the app port"
            if service.port == CONNECT_PORT_LABEL or service.port.startswith(
                    UPSTREAM_PORT_PREFIX):
                sink.error(
                    f'port label "{service.port}" of service "{service.name}" collides with '
                    "a label the sidecar uses", body.place("port"),
                    'the sidecar uses "connect" and "up_<upstream>"; pick another label',
                )
        for upstream in service.upstreams:
            label = upstream_port_label(upstream.name)
            if label in labels and labels[label] != "the app port":
                sink.error(
                    f'upstreams {labels[label]} and "{upstream.name}" of service '
                    f'"{service.name}" both use the port label "{label}"', upstream.span,
                    "dashes become underscores in port labels; rename one service",
                )
            labels.setdefault(label, f'"{upstream.name}"')


def _idle_sidecars(decoded: Decoded, sink: Sink) -> None:
    """A builtin proxy with no listener and no upstream runs and does nothing."""
    for service, _ in decoded.services:
        if service.sidecar == "builtin" and service.port is None and not service.upstreams:
            sink.warning(
                f'service "{service.name}" has no port and no upstream: its builtin sidecar '
                "would run a connect-proxy task that does nothing",
                service.span,
                'set port = "LABEL" if other services call it, add an upstream block for '
                "each service it calls, or write it as a job block if it stays outside "
                "the mesh",
            )


def _intentions(decoded: Decoded, sink: Sink) -> None:
    services = {s.name: s for s, _ in decoded.services}
    known = set(services) | {j.name for j, _ in decoded.jobs}
    seen: dict[tuple[str, str], str] = {}
    for intention, _ in decoded.intentions:
        pair = (intention.source, intention.destination)
        if pair in seen:
            sink.error(f'duplicate intention "{pair[0]}" -> "{pair[1]}"', intention.span,
                       f"the first one is at {seen[pair]}")
        else:
            seen[pair] = str(intention.span)
        for role, name in (("source", pair[0]), ("destination", pair[1])):
            if name == "*":
                continue
            problem = name_problem(name)
            if problem:
                sink.error(f'invalid intention {role} "{name}": it {problem}', intention.span)
            elif name not in known:
                sink.warning(f'intention {role} "{name}" is not a service in this '
                             "configuration", intention.span,
                             "fine if it is managed elsewhere; otherwise check the name")
        target = services.get(intention.destination)
        if intention.permissions and target is not None and target.protocol == "tcp":
            sink.error(
                f'intention "{pair[0]}" -> "{pair[1]}" has L7 permissions but service '
                f'"{pair[1]}" has protocol "tcp"', intention.permissions[0].span,
                f'set protocol = "http" (or http2, grpc) on service "{pair[1]}"',
            )


def edges(decoded: Decoded) -> dict[str, list[str]]:
    """Each job's dependencies within the configuration (upstreams, depends_on)."""
    known = {s.name for s, _ in decoded.services} | {j.name for j, _ in decoded.jobs}
    graph: dict[str, list[str]] = {}
    for service, _ in decoded.services:
        names = [u.name for u in service.upstreams] + list(service.depends_on)
        graph.setdefault(service.name, []).extend(n for n in names if n in known)
    for job, _ in decoded.jobs:
        names = list(job.upstreams) + list(job.depends_on)
        graph.setdefault(job.name, []).extend(n for n in names if n in known)
    return {name: sorted(set(deps)) for name, deps in graph.items()}


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected component, starting at its smallest name.

    Tarjan's algorithm, iterative: a chain of thousands of services must not hit
    Python's recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, position = work.pop()
            if position == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if position < len(successors):
                work.append((node, position + 1))
                nxt = successors[position]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1 or node in successors:
                    components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return [_cycle_path(graph, set(c)) for c in sorted(components, key=min)]


def _cycle_path(graph: dict[str, list[str]], members: set[str]) -> list[str]:
    """The shortest cycle through the smallest member, by breadth-first search."""
    start = min(members)
    parents: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(n for n in graph.get(node, []) if n in members):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parents[path[-1]])
                return [*reversed(path), start]
            if nxt not in parents:
                parents[nxt] = node
                queue.append(nxt)
    return [start, start]


def _cycles(decoded: Decoded, sink: Sink) -> None:
    spans = {s.name: s.span for s, _ in decoded.services}
    spans.update({j.name: j.span for j, _ in decoded.jobs})
    for cycle in find_cycles(edges(decoded)):
        sink.error("dependency cycle: " + " -> ".join(cycle), spans.get(cycle[0]),
                   "remove an upstream or depends_on so the jobs can be ordered")
