# Consul ACL policy for the service-defaults ncplan manages: Consul lets a token write a
# service's service-defaults entry only with service:write on that service.
#
#   consul acl policy create -name ncplan-service-defaults -rules @service-defaults.consul.hcl
#
# service:write also lets a token register instances of the service, so grant it on the
# services whose defaults ncplan manages only, one block each, e.g.
#
#   service "db" { policy = "write" }
#
# The prefix below ("" matches every service) is what the tests use; narrow it.
service_prefix "" {
  policy = "write"
}
