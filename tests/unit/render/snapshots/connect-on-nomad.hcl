# nomad_job.db
job "db" {
  datacenters = ["dc1"]
  type        = "service"

  group "db" {
    count = 1

    network {
      mode = "host"

      port "tcp" {}
      port "connect" {}
    }

    task "db" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/my-database"
        args    = ["-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
      }

      resources {
        cpu    = 100
        memory = 128
      }

      service {
        name     = "db"
        port     = "tcp"
        provider = "consul"
      }
    }

    task "connect-proxy" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/consul"
        args    = [
          "connect",
          "proxy",
          "-service",
          "db",
          "-service-addr",
          "127.0.0.1:${NOMAD_PORT_tcp}",
          "-listen",
          ":${NOMAD_PORT_connect}",
          "-register",
        ]
      }

      env {
        CONSUL_HTTP_ADDR = "127.0.0.1:8500"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}

# nomad_job.web
job "web" {
  datacenters = ["dc1"]
  type        = "service"

  group "web" {
    count = 1

    network {
      mode = "host"

      port "up_db" {}
    }

    task "web" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/web"
      }

      env {
        DATABASE_URL = "postgresql://127.0.0.1:${NOMAD_PORT_up_db}/db"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }

    task "connect-proxy" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/consul"
        args    = [
          "connect",
          "proxy",
          "-service",
          "web",
          "-upstream",
          "db:${NOMAD_PORT_up_db}",
        ]
      }

      env {
        CONSUL_HTTP_ADDR = "127.0.0.1:8500"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}

# Consul config entry service-intentions db (for `consul config write`):
# Kind    = "service-intentions"
# Name    = "db"
# Sources = [
#   {
#     Name        = "web"
#     Action      = "allow"
#     Description = "web reads db"
#   },
# ]
