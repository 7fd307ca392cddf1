# Nomad ACL policy for ncplan: plan, apply and destroy jobs in the namespace "default".
# Add one namespace block per namespace ncplan manages jobs in.
#
#   nomad acl policy apply -description "ncplan" ncplan ncplan.nomad-policy.hcl
#
# What each capability is for (Nomad 1.6 API):
#   read-job    GET /v1/job/:id, /v1/job/:id/allocations,
#               /v1/job/:id/deployment, /v1/allocation/:id    (refresh, apply progress)
#   submit-job  PUT /v1/job/:id/plan (plan), PUT /v1/job/:id (register, check-and-set),
#               DELETE /v1/job/:id (destroy)
#   parse-job   POST /v1/jobs/parse (raw `job` blocks); Nomad 1.6 lets submit-job parse
#               too, so this one matters only to a token without submit-job
#   list-jobs   GET /v1/jobs: a plan lists every job once and reads or plans only the
#               jobs whose index moved or whose configuration changed (without it,
#               each job is read and planned)
namespace "default" {
  capabilities = ["list-jobs", "read-job", "submit-job", "parse-job"]
}
