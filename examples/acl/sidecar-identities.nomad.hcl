# Nomad ACL policy for sidecar identities only: ncplan keeps each sidecar token's
# SecretID in the Nomad Variable nomad/jobs/NAME, which only that job's tasks can read.
#
#   nomad acl policy apply -description "ncplan sidecar identities" ncplan-sidecar-identities sidecar-identities.nomad.hcl
namespace "default" {
  variables {
    path "nomad/jobs/*" {
      capabilities = ["read", "write", "destroy", "list"]
    }
  }
}
