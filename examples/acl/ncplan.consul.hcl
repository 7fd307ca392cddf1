# Consul ACL policy for ncplan: intentions, the mesh-policy read and the Consul state
# backend. service-defaults need write on their services: see service-defaults.consul.hcl.
#
#   consul acl policy create -name ncplan -rules @ncplan.consul.hcl

# Read every service (config entries, the catalog's service names) and write the
# service-intentions entry of any destination (intentions are keyed by destination).
service_prefix "" {
  policy     = "read"
  intentions = "write"
}

# The Consul state backend: the state, its chunks and its lock under the backend's path
# (ncplan/...; change the prefix if `backend "consul" { path = ... }` points elsewhere)...
key_prefix "ncplan/" {
  policy = "write"
}

# ...and the session that holds the lock.
session_prefix "" {
  policy = "write"
}

# GET /v1/agent/self: whether ACLs are on and their default policy (the plan's
# intention-coverage warning). Without it ncplan falls back to a response header.
agent_prefix "" {
  policy = "read"
}
