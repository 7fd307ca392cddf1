# The seed guide's db and web in two clusters, east and west: one plan and one apply
# cover both pairs; every address names its cluster (nomad_job.db@east).
# The addresses are variables so you (or a test) can point them at two local pairs:
# see README.md.

variable "east_nomad" {
  type    = string
  default = "http://127.0.0.1:4646"
}

variable "east_consul" {
  type    = string
  default = "http://127.0.0.1:8500"
}

variable "west_nomad" {
  type    = string
  default = "http://127.0.0.1:5646"
}

variable "west_consul" {
  type    = string
  default = "http://127.0.0.1:9500"
}

variable "db_command" {
  type    = string
  default = "/usr/local/bin/my-database"
}

variable "web_command" {
  type    = string
  default = "/usr/local/bin/web"
}

variable "consul_binary" {
  type    = string
  default = "/usr/local/bin/consul"
}

defaults {
  sidecar       = "builtin"
  consul_binary = var.consul_binary
}

cluster "east" {
  nomad {
    address = var.east_nomad
  }
  consul {
    address = var.east_consul
  }
  defaults {
    consul_agent = var.east_consul # the agent east's builtin sidecars talk to
  }
}

cluster "west" {
  nomad {
    address = var.west_nomad
  }
  consul {
    address = var.west_consul
  }
  defaults {
    consul_agent = var.west_consul
  }
}

service "db" {
  clusters = ["east", "west"]
  port     = "tcp"

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

# Written in every cluster that runs db (its destination).
intention "web" "db" {
  action      = "allow"
  description = "web reads db"
}
