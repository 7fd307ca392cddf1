# A Nomad jobspec, exactly as `nomad job run count-api.nomad.hcl` takes it: its own
# variables, a locals block, a dynamic block and functions, all evaluated by Nomad.
# ncplan sends it to Nomad's /v1/jobs/parse with the values of its variables, taken by
# name from ncplan's sources (--var, --var-file, *.ncvars.hcl, NCPLAN_VAR_name) and from
# NOMAD_VAR_name; here consul_binary comes from the ncplan variable of the same name.

variable "datacenters" {
  type    = list(string)
  default = ["dc1"]
}

variable "consul_binary" {
  type = string
}

variable "labels" {
  type    = map(string)
  default = { team = "counting" }
}

locals {
  name = "count-api"
}

job "count-api" {
  datacenters = var.datacenters

  dynamic "meta" {
    for_each = length(var.labels) > 0 ? [1] : []
    content {
      team = var.labels["team"]
    }
  }

  group "count-api" {
    network {
      port "http" {}
      port "connect" {}
    }

    task "count-api" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "exec sleep 3600 # would serve on ${NOMAD_PORT_http}"]
      }
      resources {
        cpu    = 50
        memory = 32
      }
    }

    # The seed guide's pattern: `consul connect proxy` accepts Connect connections
    # for the app.
    task "connect-proxy" {
      driver = "raw_exec"
      config {
        command = var.consul_binary
        args = [
          "connect", "proxy",
          "-service", local.name,
          "-service-addr", "127.0.0.1:${NOMAD_PORT_http}",
          "-listen", ":${NOMAD_PORT_connect}",
          "-register",
        ]
      }
      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
