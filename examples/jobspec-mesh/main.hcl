# A Nomad jobspec file (count-api.nomad.hcl) next to ncplan services and intentions:
# the dashboard dials count-api through its builtin sidecar, so ncplan applies
# count-api first, then the intention, then the dashboard.

variable "consul_binary" {
  type        = string
  default     = "/usr/local/bin/consul"
  description = "The consul binary on the Nomad nodes (the sidecars and count-api's proxy)."
}

variable "dashboard" {
  type = object({
    command = string
    args    = list(string)
  })
  default = { command = "/bin/sleep", args = [3600] } # 3600 becomes "3600"
}

locals {
  dial = "http://${upstream.count-api}"
}

defaults {
  datacenters   = ["dc1"]
  consul_binary = var.consul_binary
}

service "dashboard" {
  task {
    driver = "raw_exec"
    config = {
      command = var.dashboard.command
      args    = var.dashboard.args
    }
    env = {
      COUNTING_SERVICE_URL = local.dial
    }
  }

  upstream "count-api" {}
}

intention "dashboard" "count-api" {
  action      = "allow"
  description = "the dashboard reads the counter"
}
