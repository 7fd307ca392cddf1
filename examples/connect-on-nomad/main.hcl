# The seed guide "Connect on Nomad" as ncplan services: a database that accepts
# Connect connections only, and a web app that dials it through its proxy.
# Both use the builtin sidecar: a raw_exec task running `consul connect proxy`.

# The programs and where Consul is, as variables so a test (or you) can swap them:
# `--var db_command=/path/to/your-db` or a *.ncvars.hcl file; the defaults are the guide's.
variable "db_command" {
  type    = string
  default = "/usr/local/bin/my-database"
}

variable "web_command" {
  type    = string
  default = "/usr/local/bin/web"
}

variable "consul_binary" {
  type        = string
  default     = "/usr/local/bin/consul"
  description = "The consul binary on the Nomad nodes, run by the builtin sidecars."
}

variable "consul_agent" {
  type        = string
  default     = "127.0.0.1:8500"
  description = "The node-local Consul agent the builtin sidecars talk to."
}

defaults {
  datacenters   = ["dc1"]
  sidecar       = "builtin"
  consul_binary = var.consul_binary
  consul_agent  = var.consul_agent
}

service "db" {
  port = "tcp"

  task {
    driver = "raw_exec"
    config = {
      command = var.db_command
      args    = ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
    }
  }
}

service "web" {
  task {
    driver = "raw_exec"
    config = {
      command = var.web_command
    }
    env = {
      DATABASE_URL = "postgresql://${upstream.db}/db"
    }
  }

  upstream "db" {}
}

intention "web" "db" {
  action      = "allow"
  description = "web reads db"
}
