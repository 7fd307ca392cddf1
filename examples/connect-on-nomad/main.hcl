# The seed guide "Connect on Nomad" as ncplan services: a database that accepts
# Connect connections only, and a web app that dials it through its proxy.
# Both use the builtin sidecar: a raw_exec task running `consul connect proxy`.

defaults {
  datacenters   = ["dc1"]
  sidecar       = "builtin"
  consul_binary = "/usr/local/bin/consul"
}

service "db" {
  port = "tcp"

  task {
    driver = "raw_exec"
    config = {
      command = "/usr/local/bin/my-database"
      args    = ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
    }
  }
}

service "web" {
  task {
    driver = "raw_exec"
    config = {
      command = "/usr/local/bin/web"
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
