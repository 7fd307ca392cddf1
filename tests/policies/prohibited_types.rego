# Modelled on conftest's Terraform example
# (https://github.com/open-policy-agent/conftest, examples/terraform/policy/base.rego):
# deny a plan that changes a resource whose type starts with a prohibited prefix.
package main

import rego.v1

prohibited := ["consul_acl", "nomad_acl"]

deny contains msg if {
	some change in input.resource_changes
	some prefix in prohibited
	startswith(change.type, prefix)
	msg := sprintf("the plan changes %s, of a prohibited type (%s*)", [change.address, prefix])
}
