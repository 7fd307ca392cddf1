# nomad_job.db: the job block as written
job "db" {
  datacenters = ["dc1"]

  group "db" {
    task "db" {
      driver = "raw_exec"

      config {
        command = "python3"
        args    = ["-c", "import socketserver as s, sys; h, p = sys.argv[2].rsplit(':', 1); s.ThreadingTCPServer((h, int(p)), type('Echo', (s.BaseRequestHandler,), {'handle': lambda self: [self.request.sendall(b) for b in iter(lambda: self.request.recv(4096), b'')]})).serve_forever()", "-bind", "127.0.0.1:${NOMAD_PORT_tcp}"]
      }

      resources {
        network {
          port "tcp" {}
        }
      }
    }

    task "connect-proxy" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/consul"
        args = [
          "connect", "proxy",
          "-service", "db",
          "-service-addr", "${NOMAD_ADDR_db_tcp}",
          "-listen", ":${NOMAD_PORT_tcp}",
          "-register",
        ]
      }

      resources {
        network {
          port "tcp" {}
        }
      }
    }
  }
}

# nomad_job.web: the job block as written
job "web" {
  datacenters = ["dc1"]

  group "web" {
    task "web" {
      driver = "raw_exec"

      config {
        command = "sleep"
        args    = ["2147483647"]
      }

      env {
        DATABASE_URL = "postgresql://${NOMAD_ADDR_proxy_tcp}/db"
      }
    }

    task "proxy" {
      driver = "raw_exec"

      config {
        command = "/usr/local/bin/consul"
        args = [
          "connect", "proxy",
          "-service", "web",
          "-upstream", "db:${NOMAD_PORT_tcp}",
        ]
      }

      resources {
        network {
          port "tcp" {}
        }
      }
    }
  }
}

# Consul config entry service-intentions db (for `consul config write`):
# Kind    = "service-intentions"
# Name    = "db"
# Sources = [
#   {
#     Name   = "web"
#     Action = "allow"
#   },
# ]
