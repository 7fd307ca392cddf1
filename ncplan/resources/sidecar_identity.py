"""Sidecar identities: a Consul ACL token per builtin service, handed to its proxy through
a Nomad Variable. Pure.

Under Consul ACLs the builtin ``consul connect proxy`` of service NAME needs a token
allowed to register NAME. With ``defaults { sidecar_identity = true }`` ncplan manages:

* ``consul_acl_token.NAME``: a token with the service identities NAME and NAME-proxy
  (``consul connect proxy -register`` registers itself as NAME-proxy, which the
  identity NAME does not cover: it grants NAME and NAME-sidecar-proxy). Its AccessorID is
  derived from the name (:func:`token_accessor_id`), so ncplan finds its token again
  without reading the state, and a token deleted outside ncplan is created again under
  the same AccessorID (with a new SecretID). The desired body is the token's description
  and service identity: the SecretID is Consul's, never in a body, a plan or the state;
* ``nomad_variable.NAME``: the Variable ``nomad/jobs/NAME`` (only job NAME's tasks can
  read it) whose item ``consul_token`` holds the token's SecretID. Its desired body
  leaves the item's value unknown (``None``, Terraform's "known after apply"): apply
  reads the SecretID from Consul and writes it;
* in job NAME, the proxy task renders the variable with a ``template`` (``env = true``),
  so ``CONSUL_HTTP_TOKEN`` reaches ``consul connect proxy`` and never the job spec.
  Nomad re-renders the template when the variable changes and restarts the task (the
  template's default ``change_mode``), so a replaced token reaches the proxy.

Whether identities are on (``sidecar_identity``: ``true``, ``false`` or unset = on when
Consul has ACLs enabled) is resolved before lowering, see :func:`resolve_sidecar_identity`.
"""

from __future__ import annotations

import uuid
from typing import Any

#: The namespace of the AccessorIDs ncplan derives (uuid5 of ``ncplan:sidecar:NAME``).
ACCESSOR_NAMESPACE = uuid.UUID("2f1d7c1e-5b0a-4c6e-9a3d-8f4e6b1c0a52")
TOKEN_ITEM = "consul_token"
TEMPLATE_DEST = "secrets/consul_token.env"
DESCRIPTION = "ncplan: sidecar identity of service {name}"


def token_accessor_id(name: str) -> str:
    """The AccessorID of service ``name``'s token: the same on every run and machine."""
    return str(uuid.uuid5(ACCESSOR_NAMESPACE, f"ncplan:sidecar:{name}"))


def proxy_service_name(name: str) -> str:
    """The name the builtin proxy registers itself under (``-register``)."""
    return f"{name}-proxy"


def token_body(name: str) -> dict[str, Any]:
    """What ncplan manages of the token (``PUT /v1/acl/token``'s body, no SecretID)."""
    return {"AccessorID": token_accessor_id(name),
            "Description": DESCRIPTION.format(name=name),
            "ServiceIdentities": [{"ServiceName": name},
                                  {"ServiceName": proxy_service_name(name)}]}


def variable_path(name: str) -> str:
    """``nomad/jobs/NAME``: the path Nomad lets job NAME's tasks read."""
    return f"nomad/jobs/{name}"


def variable_body(name: str) -> dict[str, Any]:
    """The Variable as planned: its path, and the token item unknown until apply."""
    return {"Path": variable_path(name), "Items": {TOKEN_ITEM: None}}



def proxy_template(name: str) -> dict[str, Any]:
    """The proxy task's ``template``: the token as ``CONSUL_HTTP_TOKEN`` in its env."""
    text = (f'{{{{ with nomadVar "{variable_path(name)}" }}}}'
            f"CONSUL_HTTP_TOKEN={{{{ .{TOKEN_ITEM} }}}}{{{{ end }}}}\n")
    return {"EmbeddedTmpl": text, "DestPath": TEMPLATE_DEST, "Envvars": True,
            "ChangeMode": "restart"}


def resolve_sidecar_identity(declared: bool | None, acl_enabled: bool | None,
                             recorded_tokens: bool) -> bool:
    """Whether sidecar identities are on.

    ``declared`` is ``defaults.sidecar_identity`` (``None``: unset). Unset resolves to
    ``acl_enabled`` when Consul was asked (a plan with a refresh); without asking
    (``--no-refresh``) to whether the state records sidecar tokens, so such a plan
    neither creates nor destroys them; with neither (``validate``, ``render``) to off.
    """
    if declared is not None:
        return declared
    if acl_enabled is not None:
        return acl_enabled
    return recorded_tokens
