# Modelled on the Terraform example of OPA's documentation
# (https://www.openpolicyagent.org/docs/terraform): a weighted count of the creates,
# deletes and modifications per resource type, authorised under a threshold.
package terraform.analysis

import rego.v1

blast_radius := 30

weights := {
	"nomad_job": {"delete": 100, "create": 10, "modify": 1},
	"consul_intention": {"delete": 10, "create": 1, "modify": 1},
	"consul_service_defaults": {"delete": 10, "create": 1, "modify": 1},
}

resource_types := {"nomad_job", "consul_intention", "consul_service_defaults"}

default authz := false

authz if {
	score < blast_radius
}

score := sum([x |
	some resource_type, crud in weights
	x := ((crud.delete * num_deletes[resource_type]) + (crud.create * num_creates[resource_type])) + (crud.modify * num_modifies[resource_type])
])

resources[resource_type] := all if {
	some resource_type in resource_types
	all := [change | some change in input.resource_changes; change.type == resource_type]
}

num_creates[resource_type] := count([r | some r in resources[resource_type]; "create" in r.change.actions]) if {
	some resource_type in resource_types
}

num_deletes[resource_type] := count([r | some r in resources[resource_type]; "delete" in r.change.actions]) if {
	some resource_type in resource_types
}

num_modifies[resource_type] := count([r | some r in resources[resource_type]; "update" in r.change.actions]) if {
	some resource_type in resource_types
}
