# Three services on Nomad's native Connect (Envoy sidecars, bridge networking):
# frontend -> api -> db. The api speaks HTTP, so the frontend's access to it is an
# L7 intention; protocol = "http" writes a service-defaults entry for it.

defaults {
  datacenters = ["dc1"]
  sidecar     = "envoy"
}

service "db" {
  port = "tcp"

  task {
    driver = "docker"
    config = {
      image = "postgres:15"
      args  = ["-p", "${NOMAD_PORT_tcp}"]
    }
    env = {
      POSTGRES_DB = "app"
    }
    resources {
      cpu    = 500
      memory = 512
    }
  }
}

service "api" {
  port     = "http"
  protocol = "http"
  count    = 2

  task {
    driver = "docker"
    config = {
      image = "example/api:1.4"
      args  = ["--listen", "127.0.0.1:${NOMAD_PORT_http}"]
    }
    env = {
      DATABASE_URL = "postgresql://${upstream.db}/app"
    }
  }

  upstream "db" {
    local_bind_port = 5432
  }
}

service "frontend" {
  port = "http"

  task {
    driver = "docker"
    config = {
      image = "example/frontend:2.0"
      args  = ["--listen", "127.0.0.1:${NOMAD_PORT_http}"]
    }
    env = {
      API_URL = "http://${upstream.api}"
    }
  }

  upstream "api" {
    local_bind_port = 8080
  }
}

intention "frontend" "api" {
  permission {
    action = "allow"
    http {
      path_prefix = "/v1/"
      methods     = ["GET", "HEAD"]
    }
  }
  permission {
    action = "deny"
    http {
      path_prefix = "/"
    }
  }
}

intention "api" "db" {
  action      = "allow"
  description = "api reads and writes db"
}
