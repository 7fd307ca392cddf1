# Nomad ACL policy for ncplan: plan, apply and destroy jobs in the namespace "default".
# Add one namespace block per namespace ncplan manages jobs in.
#
#   nomad acl policy apply -description "ncplan" ncplan ncplan.nomad.hcl
#
# What each capability is for (Nomad 1.6 API):
#   read-job    GET /v1/job/:id, /v1/job/:id/allocations,
#               /v1/job/:id/deployment, /v1/allocation/:id    (refresh, apply progress)
#   submit-job  PUT /v1/job/:id/plan (plan), PUT /v1/job/:id (register, check-and-set),
#               DELETE /v1/job/:id (destroy)
#   parse-job   POST /v1/jobs/parse (raw `job` blocks); Nomad 1.6 lets submit-job parse
#               too, so this one matters only to a token without submit-job
# ncplan never lists jobs (GET /v1/jobs), so list-jobs is not needed.
namespace "default" {
  capabilities = ["read-job", "submit-job", "parse-job"]
}
