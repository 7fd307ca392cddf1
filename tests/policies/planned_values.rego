# Modelled on the helpers of https://github.com/rrey/terraform-opa (rego/library.rego):
# select planned resources by type from planned_values, then check their values.
package terraform.planned

import rego.v1

resources_by_type(resource_type) := [r |
	some r in input.planned_values.root_module.resources
	r.type == resource_type
]

max_count := 3

deny contains msg if {
	some job in resources_by_type("nomad_job")
	some group in job.values.TaskGroups
	group.Count > max_count
	msg := sprintf("%s: group %s runs %d instances, more than %d", [job.address, group.Name, group.Count, max_count])
}

deny contains msg if {
	some intention in resources_by_type("consul_intention")
	not intention.values.Action in {"allow", "deny"}
	msg := sprintf("%s: action %v is neither allow nor deny", [intention.address, intention.values.Action])
}

planned_addresses := {r.address | some r in input.planned_values.root_module.resources}
