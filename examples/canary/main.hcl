# A canary next to the service it shapes: web -> api, 10% of api's traffic to the
# canary instances of api's deployment, 90% to the stable ones. The canary block makes
# api's service-resolver (stable and canary subsets) and service-splitter (90/10);
# ncplan writes them before web starts and deletes them in reverse. Change the weight
# to 50: the plan shows one update of the splitter.

defaults {
  datacenters = ["dc1"]
  sidecar     = "envoy"
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
  }

  canary {
    weight = 10
    count  = 1
  }
}

service "web" {
  port = "http"

  task {
    driver = "docker"
    config = {
      image = "example/web:2.0"
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

intention "web" "api" {
  action = "allow"
}
