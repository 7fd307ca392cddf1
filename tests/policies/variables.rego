# A secrets-in-plan check: a variable whose name says it holds a secret must not show
# its value in the plan's variables ({name: {value}}).
package terraform.variables

import rego.v1

secret_words := ["password", "token", "secret"]

deny contains msg if {
	some name, variable in input.variables
	some word in secret_words
	contains(lower(name), word)
	variable.value != "(sensitive value)"
	msg := sprintf("variable %s shows its value in the plan", [name])
}
