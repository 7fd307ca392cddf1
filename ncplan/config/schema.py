"""What each block of LANGUAGE.md may contain: labels, attributes and their types, sub-blocks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attr:
    """An attribute: ``type`` is string|number|int|bool|list(string)|map(string)|map|any.

    ``block_ok``: a map attribute may also be written as a block (``env { A = "1" }``), as
    Nomad jobspecs do. ``fields``: the types of known keys of a map (a task's
    ``config.args`` is a list and ``config.command`` a string for every Nomad driver).
    """

    type: str
    required: bool = False
    block_ok: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Block:
    labels: tuple[str, ...] = ()
    attributes: Mapping[str, Attr] = field(default_factory=dict)
    blocks: Mapping[str, Block] = field(default_factory=dict)
    repeatable: bool = False
    required: bool = False


STRING = Attr("string")

RESOURCES = Block(attributes={"cpu": Attr("int"), "memory": Attr("int")})

TASK = Block(
    attributes={
        "driver": Attr("string", required=True),
        "config": Attr("map", block_ok=True,
                       fields={"command": "string", "args": "list"}),
        "env": Attr("map(string)", block_ok=True),
    },
    blocks={"resources": RESOURCES},
    required=True,
)

UPSTREAM = Block(
    labels=("name",),
    attributes={"local_bind_port": Attr("int"), "external": Attr("bool")},
    repeatable=True,
)

LIFECYCLE = Block(attributes={"prevent_destroy": Attr("bool")})

CANARY = Block(attributes={"weight": Attr("number", required=True), "count": Attr("int")})

ROUTE = Block(labels=("path_prefix",), attributes={"service": Attr("string", required=True)},
              repeatable=True)

SERVICE = Block(
    labels=("name",),
    attributes={
        "datacenters": Attr("list(string)"),
        "count": Attr("int"),
        "port": STRING,
        "sidecar": STRING,
        "register": Attr("bool"),
        "protocol": STRING,
        "depends_on": Attr("list(string)"),
        "meta": Attr("map(string)", block_ok=True),
        "clusters": Attr("list(string)"),
    },
    blocks={"task": TASK, "upstream": UPSTREAM, "lifecycle": LIFECYCLE, "canary": CANARY,
            "route": ROUTE},
    repeatable=True,
)

HTTP = Block(attributes={
    "path_exact": STRING, "path_prefix": STRING, "path_regex": STRING,
    "methods": Attr("list(string)"),
})

PERMISSION = Block(attributes={"action": Attr("string", required=True)},
                   blocks={"http": HTTP}, repeatable=True)

INTENTION = Block(
    labels=("source", "destination"),
    attributes={"action": STRING, "description": STRING,
                "clusters": Attr("list(string)")},
    blocks={"permission": PERMISSION},
    repeatable=True,
)

VALIDATION = Block(attributes={"condition": Attr("any"), "error_message": Attr("any")},
                   repeatable=True)

VARIABLE = Block(
    labels=("name",),
    attributes={"type": Attr("any"), "default": Attr("any"), "description": STRING,
                "sensitive": Attr("bool"), "nullable": Attr("bool")},
    blocks={"validation": VALIDATION},
    repeatable=True,
)

LOCALS = Block(repeatable=True)

NOMAD = Block(attributes={"address": STRING, "region": STRING, "namespace": STRING})
CONSUL = Block(attributes={"address": STRING, "datacenter": STRING})
BACKEND = Block(labels=("kind",), attributes={"path": STRING})
DEFAULTS = Block(attributes={
    "datacenters": Attr("list(string)"), "sidecar": STRING, "consul_binary": STRING,
    "consul_agent": STRING, "consul_agent_cacert": STRING, "sidecar_identity": Attr("bool"),
})
_FROM_ENV = {"token_env": STRING, "cacert_env": STRING}  # names of env vars, in a cluster
CLUSTER = Block(labels=("name",), repeatable=True, blocks={
    "nomad": Block(attributes={**NOMAD.attributes, **_FROM_ENV}),
    "consul": Block(attributes={**CONSUL.attributes, **_FROM_ENV}),
    "defaults": Block(attributes={"consul_binary": STRING, "consul_agent": STRING,
                                  "consul_agent_cacert": STRING}),
})
APPLY = Block(attributes={"rollback_on_failure": Attr("bool")})
# A raw job's body is Nomad's business; only its label is checked here.
JOB = Block(labels=("name",), repeatable=True)

TOP_LEVEL: Mapping[str, Block] = {
    "nomad": NOMAD,
    "consul": CONSUL,
    "backend": BACKEND,
    "defaults": DEFAULTS,
    "apply": APPLY,
    "cluster": CLUSTER,
    "variable": VARIABLE,
    "locals": LOCALS,
    "service": SERVICE,
    "job": JOB,
    "intention": INTENTION,
}
