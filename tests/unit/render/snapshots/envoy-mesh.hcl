# nomad_job.api
job "api" {
  datacenters = ["dc1"]
  type        = "service"

  group "api" {
    count = 2

    network {
      mode = "bridge"

      port "http" {
        to = -1
      }
    }

    service {
      name     = "api"
      port     = "http"
      provider = "consul"

      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "db"
              local_bind_port  = 5432
            }
          }
        }
      }
    }

    task "api" {
      driver = "docker"

      config {
        image = "example/api:1.4"
        args  = ["--listen", "127.0.0.1:${NOMAD_PORT_http}"]
      }

      env {
        DATABASE_URL = "postgresql://${NOMAD_UPSTREAM_ADDR_db}/app"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}

# nomad_job.db
job "db" {
  datacenters = ["dc1"]
  type        = "service"

  group "db" {
    count = 1

    network {
      mode = "bridge"

      port "tcp" {
        to = -1
      }
    }

    service {
      name     = "db"
      port     = "tcp"
      provider = "consul"

      connect {
        sidecar_service {}
      }
    }

    task "db" {
      driver = "docker"

      config {
        image = "postgres:15"
        args  = ["-p", "${NOMAD_PORT_tcp}"]
      }

      env {
        POSTGRES_DB = "app"
      }

      resources {
        cpu    = 500
        memory = 512
      }
    }
  }
}

# nomad_job.frontend
job "frontend" {
  datacenters = ["dc1"]
  type        = "service"

  group "frontend" {
    count = 1

    network {
      mode = "bridge"

      port "http" {
        to = -1
      }
    }

    service {
      name     = "frontend"
      port     = "http"
      provider = "consul"

      connect {
        sidecar_service {
          proxy {
            upstreams {
              destination_name = "api"
              local_bind_port  = 8080
            }
          }
        }
      }
    }

    task "frontend" {
      driver = "docker"

      config {
        image = "example/frontend:2.0"
        args  = ["--listen", "127.0.0.1:${NOMAD_PORT_http}"]
      }

      env {
        API_URL = "http://${NOMAD_UPSTREAM_ADDR_api}"
      }

      resources {
        cpu    = 100
        memory = 128
      }
    }
  }
}

# Consul config entry service-defaults api (for `consul config write`):
# Kind     = "service-defaults"
# Name     = "api"
# Protocol = "http"

# Consul config entry service-intentions api (for `consul config write`):
# Kind    = "service-intentions"
# Name    = "api"
# Sources = [
#   {
#     Name        = "frontend"
#     Permissions = [
#       {
#         Action = "allow"
#         HTTP   = {
#           PathPrefix = "/v1/"
#           Methods    = ["GET", "HEAD"]
#         }
#       },
#       {
#         Action = "deny"
#         HTTP   = {
#           PathPrefix = "/"
#         }
#       },
#     ]
#   },
# ]

# Consul config entry service-intentions db (for `consul config write`):
# Kind    = "service-intentions"
# Name    = "db"
# Sources = [
#   {
#     Name        = "api"
#     Action      = "allow"
#     Description = "api reads and writes db"
#   },
# ]
