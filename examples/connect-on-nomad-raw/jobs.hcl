# The seed guide's two jobs from "Connect on Nomad", plus the intention that lets web
# reach db. Everything Connect is the guide's text verbatim: the groups, the tcp ports, the
# proxy tasks (`consul connect proxy` with -service, -service-addr, -listen, -register and
# -upstream), web's DATABASE_URL.
#
# The one change from the guide: its two app tasks are made runnable, so these jobs apply
# and run anywhere raw_exec and python3 are (the guide's db runs a hypothetical
# /usr/local/bin/my-database; its web task is "# ... typical configuration." with no
# driver, which Nomad rejects):
# - db: python3's standard library as a TCP echo server, bound where the guide binds its
#   database (`-bind 127.0.0.1:${NOMAD_PORT_tcp}`). python3 rather than `nc -lk`: netcat is
#   not installed everywhere and its variants disagree on -k and -e; python3 is on every
#   machine that runs ncplan.
# - web: a raw_exec task that sleeps (its DATABASE_URL points at its proxy, as in the guide).
# The proxies run /usr/local/bin/consul, as in the guide: put consul there on the Nomad
# nodes (it talks to the local agent, CONSUL_HTTP_ADDR or 127.0.0.1:8500).

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

intention "web" "db" {
  action = "allow"
}
