# Consul ACL policy for sidecar identities only (`defaults { sidecar_identity = true }`):
# ncplan creates and revokes one Consul ACL token per builtin service, with a service
# identity for that service. Creating tokens needs acl = "write"; without sidecar
# identities, do not grant it.
#
#   consul acl policy create -name ncplan-sidecar-identities -rules @sidecar-identities.consul.hcl
acl = "write"
