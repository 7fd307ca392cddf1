# Checks of the configuration representation of Terraform's JSON plan
# (configuration.root_module.resources[] with constant-value expressions and
# depends_on), in the manner of tfconfig policies: a declared job must name its
# datacenters, and a job that declares dependencies must name only declared resources.
package terraform.configuration

import rego.v1

declared := {r.address | some r in input.configuration.root_module.resources}

deny contains msg if {
	some r in input.configuration.root_module.resources
	r.type == "nomad_job"
	count(object.get(r.expressions, ["Datacenters", "constant_value"], [])) == 0
	msg := sprintf("%s: no datacenters declared", [r.address])
}

deny contains msg if {
	some r in input.configuration.root_module.resources
	some needed in object.get(r, "depends_on", [])
	not needed in declared
	msg := sprintf("%s depends on %s, which the configuration does not declare", [r.address, needed])
}

deny contains msg if {
	some r in input.configuration.root_module.resources
	not input.configuration.provider_config[r.provider_config_key]
	msg := sprintf("%s: provider %s has no provider_config", [r.address, r.provider_config_key])
}
